import type { Queryable } from '../../sinks/database';
import { runIdPattern } from '../../sinks/report';
import { SCHEMA } from '../../sinks/tables';

/** How far a replay run has got, counted in the history database (what the sink made durable). */
export type RunCounts = {
  requests: number;
  predictions: number;
  /** Requests dispatched at least once. */
  dispatched: number;
  /** Requests finished: the latest run dispatched has its telemetry (a run out of memory, or presumed lost, is dispatched again). */
  finished: number;
};

export async function countRun(db: Queryable, runId: string): Promise<RunCounts> {
  const pattern = runIdPattern(runId);
  const of = (table: string) => `FROM ${SCHEMA}.${table} WHERE request_id LIKE $1 ESCAPE '\\'`;
  // By the attempt each row names: a presumed-lost run's telemetry may never come, or come after
  // its retry's, so counting rows would leave such a request unfinished for good.
  const { rows } = await db.query<RunCounts>(
    `WITH latest AS (SELECT request_id, max(attempt) AS attempt ${of('job_dispatches')} GROUP BY request_id)
     SELECT (SELECT count(*) ${of('execution_requests')})::int AS requests, (SELECT count(*) ${of('demand_predictions')})::int AS predictions,
            (SELECT count(*) FROM latest)::int AS dispatched,
            (SELECT count(*) FROM latest d WHERE EXISTS (
               SELECT 1 FROM ${SCHEMA}.execution_telemetry t WHERE t.request_id = d.request_id AND t.attempt >= d.attempt))::int AS finished`,
    [pattern],
  );
  return rows[0]!;
}

/** One progress line: a bar of the finished share and the stage counts. */
export function progressLine(counts: RunCounts, total: number, eventTime: number, width = 24): string {
  const done = total > 0 ? Math.min(1, counts.finished / total) : 0;
  const filled = Math.round(done * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * done).toFixed(0).padStart(3)}%  ` +
    `requests ${counts.requests}/${total}  predicted ${counts.predictions}  dispatched ${counts.dispatched}  finished ${counts.finished}  ` +
    `event time ${new Date(eventTime).toISOString().slice(0, 19)}Z`;
}
