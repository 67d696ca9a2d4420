import type { Queryable } from '../../sinks/database';
import { runIdPattern } from '../../sinks/report';
import { SCHEMA } from '../../sinks/tables';

/** How far a replay run has got, counted in the history database (what the sink made durable). */
export type RunCounts = {
  requests: number;
  predictions: number;
  /** Requests dispatched at least once. */
  dispatches: number;
  /** Requests finished: every run dispatched has its telemetry (a run out of memory is dispatched again). */
  telemetry: number;
};

export async function countRun(db: Queryable, runId: string): Promise<RunCounts> {
  const pattern = runIdPattern(runId);
  const count = (table: string) => `(SELECT count(*) FROM ${SCHEMA}.${table} WHERE request_id LIKE $1 ESCAPE '\\')::int`;
  const perRequest = (table: string) => `SELECT request_id, count(*) AS n FROM ${SCHEMA}.${table} WHERE request_id LIKE $1 ESCAPE '\\' GROUP BY request_id`;
  const { rows } = await db.query<RunCounts>(
    `SELECT ${count('execution_requests')} AS requests, ${count('demand_predictions')} AS predictions,
            (SELECT count(*) FROM (${perRequest('job_dispatches')}) d)::int AS dispatches,
            (SELECT count(*) FROM (${perRequest('job_dispatches')}) d JOIN (${perRequest('execution_telemetry')}) t USING (request_id) WHERE t.n >= d.n)::int AS telemetry`,
    [pattern],
  );
  return rows[0]!;
}

/** One progress line: a bar of the finished share and the stage counts. */
export function progressLine(counts: RunCounts, total: number, eventTime: number, width = 24): string {
  const done = total > 0 ? Math.min(1, counts.telemetry / total) : 0;
  const filled = Math.round(done * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * done).toFixed(0).padStart(3)}%  ` +
    `requests ${counts.requests}/${total}  predicted ${counts.predictions}  dispatched ${counts.dispatches}  finished ${counts.telemetry}  ` +
    `event time ${new Date(eventTime).toISOString().slice(0, 19)}Z`;
}
