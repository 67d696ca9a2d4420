import type { Engine } from '../engine';

/**
 * DDL that means the same on both engines: a time-partitioned table (a hypertable on
 * TimescaleDB; native range partitioning with monthly partitions and a default partition on
 * plain PostgreSQL), and a windowed aggregate (a continuous aggregate; a materialized view).
 * Every statement is idempotent (IF NOT EXISTS / if_not_exists), so a migration interrupted
 * half-way can simply run again.
 */
export interface TimeSeriesTable {
  /** Schema-qualified name, e.g. prm.execution_telemetry. */
  name: string;
  timeColumn: string;
  /** Column and constraint definitions. Unique keys must include the time column (both engines require it). */
  body: string;
  /** TimescaleDB chunk interval, e.g. '1 day'. */
  chunkInterval: string;
  /** Extra indexes, as column lists, e.g. ['user_id', 'ended_at DESC']. */
  indexes?: string[][];
}

export function timeSeriesTable(engine: Engine, table: TimeSeriesTable): string[] {
  const base = unqualified(table.name);
  const indexes = (table.indexes ?? []).map(
    (columns) => `CREATE INDEX IF NOT EXISTS ${base}_${columns.map((c) => c.split(' ')[0]).join('_')}_idx ON ${table.name} (${columns.join(', ')})`,
  );
  if (engine.kind === 'timescaledb') {
    return [
      `CREATE TABLE IF NOT EXISTS ${table.name} (${table.body})`,
      // Also creates the (time DESC) index.
      `SELECT create_hypertable('${table.name}', by_range('${table.timeColumn}', INTERVAL '${table.chunkInterval}'), if_not_exists => TRUE)`,
      ...indexes,
    ];
  }
  return [
    `CREATE TABLE IF NOT EXISTS ${table.name} (${table.body}) PARTITION BY RANGE (${table.timeColumn})`,
    // Rows of a month whose partition does not exist yet land here instead of failing.
    `CREATE TABLE IF NOT EXISTS ${table.name}_default PARTITION OF ${table.name} DEFAULT`,
    `CREATE INDEX IF NOT EXISTS ${base}_${table.timeColumn}_idx ON ${table.name} (${table.timeColumn} DESC)`,
    ...indexes,
  ];
}

export interface WindowAggregate {
  /** Schema-qualified view name. */
  name: string;
  /** SELECT ... FROM <time-series table> GROUP BY time_bucket(...), ... */
  query: string;
  /** The group-by columns: unique per row; plain PostgreSQL needs the index to refresh concurrently. */
  key: string[];
}

export function windowAggregate(engine: Engine, aggregate: WindowAggregate): string[] {
  if (engine.kind === 'timescaledb') {
    // materialized_only: readers see what the last refresh materialised on both engines alike.
    return [
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${aggregate.name} WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS ${aggregate.query} WITH NO DATA`,
    ];
  }
  return [
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${aggregate.name} AS ${aggregate.query} WITH NO DATA`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${unqualified(aggregate.name)}_key ON ${aggregate.name} (${aggregate.key.join(', ')})`,
  ];
}

export function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}
