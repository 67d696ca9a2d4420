import type { Queryable } from '../../sinks/database';
import { runIdPattern } from '../../sinks/report';
import { SCHEMA } from '../../sinks/tables';

/** How far a replay run has got, counted in the history database (what the sink made durable). */
export type RunCounts = {
  requests: number;
  predictions: number;
  dispatches: number;
  telemetry: number;
};

export async function countRun(db: Queryable, runId: string): Promise<RunCounts> {
  const pattern = runIdPattern(runId);
  const count = (table: string) => `(SELECT count(*) FROM ${SCHEMA}.${table} WHERE request_id LIKE $1 ESCAPE '\\')::int`;
  const { rows } = await db.query<RunCounts>(
    `SELECT ${count('execution_requests')} AS requests, ${count('demand_predictions')} AS predictions,
            ${count('job_dispatches')} AS dispatches, ${count('execution_telemetry')} AS telemetry`,
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
