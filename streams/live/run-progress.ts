import type { Queryable } from '../../sinks/database';
import { runIdPattern } from '../../sinks/report';
import { SCHEMA } from '../../sinks/tables';

/** How far a replay run has got, counted in the history database (what the sink made durable). */
export type RunCounts = {
  requests: number;
  predictions: number;
  /** Requests dispatched at least once. */
  dispatched: number;
  /** Requests finished: every run dispatched has its telemetry (a run out of memory is dispatched again). */
  finished: number;
};

export async function countRun(db: Queryable, runId: string): Promise<RunCounts> {
  const pattern = runIdPattern(runId);
  const of = (table: string) => `FROM ${SCHEMA}.${table} WHERE request_id LIKE $1 ESCAPE '\\'`;
  // One run per request is in flight at a time (a retry is dispatched once the run before it
  // ended), so each unfinished request lacks exactly one telemetry row: the requests finished
  // are those dispatched less the dispatches still without telemetry.
  const { rows } = await db.query<{ requests: number; predictions: number; dispatched: number; dispatches: number; telemetry: number }>(
    `SELECT (SELECT count(*) ${of('execution_requests')})::int AS requests, (SELECT count(*) ${of('demand_predictions')})::int AS predictions,
            (SELECT count(DISTINCT request_id) ${of('job_dispatches')})::int AS dispatched, (SELECT count(*) ${of('job_dispatches')})::int AS dispatches,
            (SELECT count(*) ${of('execution_telemetry')})::int AS telemetry`,
    [pattern],
  );
  const r = rows[0]!;
  return { requests: r.requests, predictions: r.predictions, dispatched: r.dispatched, finished: Math.max(0, r.dispatched - (r.dispatches - r.telemetry)) };
}

/** One progress line: a bar of the finished share and the stage counts. */
export function progressLine(counts: RunCounts, total: number, eventTime: number, width = 24): string {
  const done = total > 0 ? Math.min(1, counts.finished / total) : 0;
  const filled = Math.round(done * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * done).toFixed(0).padStart(3)}%  ` +
    `requests ${counts.requests}/${total}  predicted ${counts.predictions}  dispatched ${counts.dispatched}  finished ${counts.finished}  ` +
    `event time ${new Date(eventTime).toISOString().slice(0, 19)}Z`;
}
