import type { Database } from './database';
import { aggregates } from './migrations/schema';

export interface RefreshWindow {
  /** Start of the event-time window to re-materialise; omitted: from the beginning. */
  from?: Date;
  /** End of the window (exclusive); omitted: up to the latest row. */
  to?: Date;
  /** Aggregates to refresh (schema-qualified); default all. */
  names?: string[];
}

/**
 * Re-materialises the windowed aggregates before a reader (the trainer) queries them; the
 * same call on both engines. TimescaleDB refreshes only the buckets inside the window (and
 * must not be inside a transaction); plain PostgreSQL recomputes the whole materialized view,
 * concurrently once it has been populated so readers are not blocked.
 */
export async function refreshAggregates(db: Database, window: RefreshWindow = {}): Promise<string[]> {
  const known = aggregates.map((a) => a.name);
  const names = window.names ?? known;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new RangeError(`unknown aggregate(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  for (const name of names) {
    if (db.engine.kind === 'timescaledb') {
      await db.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [name, window.from ?? null, window.to ?? null]);
    } else {
      const populated = await db.query<{ ispopulated: boolean }>(
        `SELECT ispopulated FROM pg_matviews WHERE schemaname || '.' || matviewname = $1`,
        [name],
      );
      const concurrently = populated.rows[0]?.ispopulated ? 'CONCURRENTLY ' : '';
      await db.query(`REFRESH MATERIALIZED VIEW ${concurrently}${name}`);
    }
  }
  return names;
}
