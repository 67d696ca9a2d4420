import type { Engine } from '../engine';
import { SCHEMA } from '../tables';
import { timeSeriesTable, windowAggregate, type TimeSeriesTable, type WindowAggregate } from './ddl';

/**
 * PRM's schema, as ordered migrations. A migration, once released, never changes: change the
 * schema with a new one. Each returns the statements for the engine it runs on.
 */
export interface Migration {
  id: number;
  name: string;
  /**
   * Run inside one transaction. TimescaleDB refuses to create continuous aggregates in a
   * transaction block, so those migrations run statement by statement (each idempotent).
   */
  transactional: boolean;
  plan(engine: Engine): MigrationPlan;
}

export interface MigrationPlan {
  statements: string[];
  /** Why part of the migration does not apply to this engine (logged). */
  skipped?: string;
}

const S = SCHEMA;

export const hypertables: TimeSeriesTable[] = [
  {
    name: `${S}.execution_requests`,
    timeColumn: 'submitted_at',
    chunkInterval: '1 day',
    body: `submitted_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, tier text NOT NULL,
      priority integer NOT NULL, language text NOT NULL, code_bytes integer NOT NULL, code_sha256 text NOT NULL,
      deadline timestamptz, hint_cpu_ms double precision, hint_memory_bytes bigint, hint_timeout_ms bigint,
      UNIQUE (request_id, submitted_at)`,
    indexes: [['user_id', 'submitted_at DESC']],
  },
  {
    name: `${S}.execution_telemetry`,
    timeColumn: 'ended_at',
    chunkInterval: '1 day',
    body: `ended_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, instance_id text NOT NULL,
      started_at timestamptz NOT NULL, cpu_ms double precision NOT NULL, peak_memory_bytes bigint NOT NULL,
      io_read_bytes bigint NOT NULL, io_write_bytes bigint NOT NULL, exit_status text NOT NULL, exit_code integer,
      allocated_cpu_millicores integer NOT NULL, allocated_memory_bytes bigint NOT NULL, allocated_timeout_ms bigint NOT NULL,
      UNIQUE (request_id, ended_at)`,
    indexes: [['user_id', 'ended_at DESC']],
  },
  {
    name: `${S}.cluster_metrics`,
    timeColumn: 'at',
    chunkInterval: '1 day',
    body: `at timestamptz NOT NULL, pool text NOT NULL, instances_running integer NOT NULL, instances_booting integer NOT NULL,
      cpu_capacity_millicores bigint NOT NULL, memory_capacity_bytes bigint NOT NULL, cpu_utilization double precision NOT NULL,
      memory_utilization double precision NOT NULL, io_utilization double precision NOT NULL, queue_depth integer NOT NULL,
      UNIQUE (pool, at)`,
  },
  {
    name: `${S}.demand_predictions`,
    timeColumn: 'predicted_at',
    chunkInterval: '1 day',
    body: `predicted_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, submitted_at timestamptz NOT NULL,
      tier text NOT NULL, priority integer NOT NULL,
      cpu_ms_p50 double precision NOT NULL, cpu_ms_p90 double precision NOT NULL, cpu_ms_p99 double precision NOT NULL,
      peak_memory_bytes_p50 double precision NOT NULL, peak_memory_bytes_p90 double precision NOT NULL, peak_memory_bytes_p99 double precision NOT NULL,
      io_bytes_p50 double precision NOT NULL, io_bytes_p90 double precision NOT NULL, io_bytes_p99 double precision NOT NULL,
      duration_ms_p50 double precision NOT NULL, duration_ms_p90 double precision NOT NULL, duration_ms_p99 double precision NOT NULL,
      model_versions jsonb NOT NULL, components jsonb NOT NULL, profile_observations integer NOT NULL,
      UNIQUE (request_id, predicted_at)`,
    indexes: [['user_id', 'predicted_at DESC']],
  },
  {
    name: `${S}.cluster_load_forecasts`,
    timeColumn: 'issued_at',
    chunkInterval: '1 day',
    body: `issued_at timestamptz NOT NULL, forecast_id text NOT NULL, pool text NOT NULL, metric text NOT NULL, step_ms bigint NOT NULL,
      model_name text NOT NULL, model_version text NOT NULL, target_at timestamptz NOT NULL,
      expected double precision NOT NULL, p50 double precision NOT NULL, p90 double precision NOT NULL, p99 double precision NOT NULL,
      UNIQUE (forecast_id, target_at, issued_at)`,
    indexes: [['pool', 'target_at DESC']],
  },
  {
    name: `${S}.scale_commands`,
    timeColumn: 'issued_at',
    chunkInterval: '7 days',
    body: `issued_at timestamptz NOT NULL, command_id text NOT NULL, pool text NOT NULL, action text NOT NULL,
      target_instances integer, delta_instances integer, effective_by timestamptz NOT NULL, reason text NOT NULL,
      explanation text NOT NULL, forecast_id text,
      UNIQUE (command_id, issued_at)`,
    indexes: [['pool', 'issued_at DESC']],
  },
  {
    name: `${S}.job_dispatches`,
    timeColumn: 'dispatched_at',
    chunkInterval: '1 day',
    body: `dispatched_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, pool text NOT NULL, instance_id text NOT NULL,
      allocated_cpu_millicores integer NOT NULL, allocated_memory_bytes bigint NOT NULL, allocated_timeout_ms bigint NOT NULL,
      queued_ms double precision NOT NULL, priority_score double precision NOT NULL, priority jsonb NOT NULL,
      UNIQUE (request_id, dispatched_at)`,
    indexes: [['pool', 'dispatched_at DESC']],
  },
  {
    name: `${S}.prediction_errors`,
    timeColumn: 'observed_at',
    chunkInterval: '1 day',
    body: `observed_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, model_name text NOT NULL,
      model_version text NOT NULL, quantity text NOT NULL, predicted_p50 double precision NOT NULL,
      predicted_p90 double precision NOT NULL, actual double precision NOT NULL,
      UNIQUE (request_id, model_name, quantity, observed_at)`,
    indexes: [['model_name', 'model_version', 'observed_at DESC']],
  },
  {
    name: `${S}.code_features`,
    timeColumn: 'analyzed_at',
    chunkInterval: '7 days',
    body: `analyzed_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, language text NOT NULL,
      parse_status text NOT NULL, code_bytes integer NOT NULL, lines integer NOT NULL, cyclomatic_complexity integer NOT NULL,
      max_nesting_depth integer NOT NULL, loop_count integer NOT NULL, max_loop_nesting integer NOT NULL,
      function_count integer NOT NULL, recursive_function_count integer NOT NULL, import_count integer NOT NULL,
      external_dependencies jsonb NOT NULL, literal_bytes bigint NOT NULL, parse_ms double precision NOT NULL,
      UNIQUE (request_id, analyzed_at)`,
  },
];

/** The windows the trainer reads. Identical SQL on both engines (time_bucket is shimmed on plain PostgreSQL). */
export const aggregates: WindowAggregate[] = [
  {
    name: `${S}.user_usage_hourly`,
    key: ['bucket', 'user_id'],
    query: `SELECT time_bucket(INTERVAL '1 hour', ended_at) AS bucket, user_id,
        count(*) AS executions,
        count(*) FILTER (WHERE exit_status <> 'OK') AS failures,
        sum(cpu_ms) AS cpu_ms_sum, avg(cpu_ms) AS cpu_ms_avg, max(cpu_ms) AS cpu_ms_max,
        avg(peak_memory_bytes::double precision) AS peak_memory_bytes_avg, max(peak_memory_bytes) AS peak_memory_bytes_max,
        sum((io_read_bytes + io_write_bytes)::double precision) AS io_bytes_sum,
        avg(EXTRACT(EPOCH FROM ended_at - started_at)::double precision * 1000) AS duration_ms_avg
      FROM ${S}.execution_telemetry GROUP BY 1, 2`,
  },
  {
    name: `${S}.request_arrivals_hourly`,
    key: ['bucket', 'user_id', 'tier'],
    query: `SELECT time_bucket(INTERVAL '1 hour', submitted_at) AS bucket, user_id, tier,
        count(*) AS requests, sum(code_bytes::double precision) AS code_bytes_sum
      FROM ${S}.execution_requests GROUP BY 1, 2, 3`,
  },
  {
    name: `${S}.cluster_load_5m`,
    key: ['bucket', 'pool'],
    query: `SELECT time_bucket(INTERVAL '5 minutes', at) AS bucket, pool,
        count(*) AS samples,
        avg(cpu_utilization) AS cpu_utilization_avg, max(cpu_utilization) AS cpu_utilization_max,
        avg(cpu_utilization * cpu_capacity_millicores / 1000.0) AS cpu_cores_used_avg,
        avg(memory_utilization) AS memory_utilization_avg, avg(io_utilization) AS io_utilization_avg,
        avg(instances_running::double precision) AS instances_running_avg, max(queue_depth) AS queue_depth_max
      FROM ${S}.cluster_metrics GROUP BY 1, 2`,
  },
  {
    name: `${S}.prediction_error_hourly`,
    key: ['bucket', 'model_name', 'model_version', 'quantity'],
    query: `SELECT time_bucket(INTERVAL '1 hour', observed_at) AS bucket, model_name, model_version, quantity,
        count(*) AS samples,
        avg(abs(actual - predicted_p50)) AS mae_p50,
        avg(actual - predicted_p50) AS bias_p50,
        avg(CASE WHEN actual <= predicted_p90 THEN 1.0 ELSE 0.0 END)::double precision AS coverage_p90
      FROM ${S}.prediction_errors GROUP BY 1, 2, 3, 4`,
  },
];

/** Policy parameters (TimescaleDB): raw rows are compressed after a week and dropped after a year. */
const COMPRESS_AFTER = '7 days';
const RETAIN_RAW = '365 days';
const segmentBy: Record<string, string> = {
  [`${S}.execution_requests`]: 'user_id',
  [`${S}.execution_telemetry`]: 'user_id',
  [`${S}.demand_predictions`]: 'user_id',
  [`${S}.code_features`]: 'user_id',
  [`${S}.cluster_metrics`]: 'pool',
  [`${S}.cluster_load_forecasts`]: 'pool',
  [`${S}.scale_commands`]: 'pool',
  [`${S}.job_dispatches`]: 'pool',
  [`${S}.prediction_errors`]: 'model_name',
};

/** Buckets of the aggregates re-materialised by the policy: recent ones, excluding the open bucket. */
const refreshPolicy: Record<string, { start: string; end: string; every: string }> = {
  [`${S}.user_usage_hourly`]: { start: '3 days', end: '1 hour', every: '30 minutes' },
  [`${S}.request_arrivals_hourly`]: { start: '3 days', end: '1 hour', every: '30 minutes' },
  [`${S}.cluster_load_5m`]: { start: '1 day', end: '5 minutes', every: '5 minutes' },
  [`${S}.prediction_error_hourly`]: { start: '3 days', end: '1 hour', every: '30 minutes' },
};

export const migrations: Migration[] = [
  {
    id: 1,
    name: 'time-series tables',
    transactional: true,
    plan: (engine) => ({
      statements: [
        `CREATE SCHEMA IF NOT EXISTS ${S}`,
        ...(engine.kind === 'postgresql' ? plainSupport() : []),
        ...hypertables.flatMap((table) => timeSeriesTable(engine, table)),
        `CREATE TABLE IF NOT EXISTS ${S}.model_versions (
          model_name text NOT NULL, version text NOT NULL, algorithm text NOT NULL, trained_at timestamptz NOT NULL,
          window_start timestamptz NOT NULL, window_end timestamptz NOT NULL, training_rows bigint NOT NULL,
          validation_metrics jsonb NOT NULL, baseline_metrics jsonb NOT NULL, promoted boolean NOT NULL, artifact_uri text NOT NULL,
          PRIMARY KEY (model_name, version))`,
        `CREATE INDEX IF NOT EXISTS model_versions_trained_idx ON ${S}.model_versions (model_name, trained_at DESC)`,
      ],
    }),
  },
  {
    id: 2,
    name: 'windowed aggregates',
    transactional: false,
    plan: (engine) => ({ statements: aggregates.flatMap((aggregate) => windowAggregate(engine, aggregate)) }),
  },
  {
    id: 3,
    name: 'compression, retention and refresh policies',
    transactional: true,
    plan: (engine) =>
      engine.kind === 'timescaledb'
        ? {
            statements: [
              ...hypertables.flatMap((table) => [
                `ALTER TABLE ${table.name} SET (timescaledb.compress, timescaledb.compress_segmentby = '${segmentBy[table.name] ?? ''}', timescaledb.compress_orderby = '${table.timeColumn} DESC')`,
                `SELECT add_compression_policy('${table.name}', compress_after => INTERVAL '${COMPRESS_AFTER}', if_not_exists => TRUE)`,
                `SELECT add_retention_policy('${table.name}', drop_after => INTERVAL '${RETAIN_RAW}', if_not_exists => TRUE)`,
              ]),
              ...aggregates.map((aggregate) => {
                const policy = refreshPolicy[aggregate.name];
                if (!policy) throw new Error(`no refresh policy for ${aggregate.name}`);
                return `SELECT add_continuous_aggregate_policy('${aggregate.name}', start_offset => INTERVAL '${policy.start}', end_offset => INTERVAL '${policy.end}', schedule_interval => INTERVAL '${policy.every}', if_not_exists => TRUE)`;
              }),
            ],
            skipped: engine.embedded
              ? 'policies are registered, but the embedded engine (PGlite) runs no background workers: refresh aggregates with refreshAggregates(); compression and retention do not run there'
              : undefined,
          }
        : {
            statements: [],
            skipped:
              'plain PostgreSQL has no compression or job scheduler: raw rows are kept (drop old monthly partitions to reclaim space) and aggregates are refreshed by refreshAggregates()',
          },
  },
  {
    id: 4,
    name: 'model artifacts',
    transactional: true,
    // Artifacts live beside their versions, so any instance that reaches the database can load
    // the version prm.model-updates announces (artifactUri db://prm.model_artifacts/<model>/<version>).
    plan: () => ({
      statements: [
        `CREATE TABLE IF NOT EXISTS ${S}.model_artifacts (
          model_name text NOT NULL, version text NOT NULL, format text NOT NULL, body jsonb NOT NULL,
          stored_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (model_name, version))`,
      ],
    }),
  },
  {
    id: 5,
    name: 'analysed request features',
    transactional: true,
    // The analyser's full features of each request (prm.code-features carries only part of
    // them), recorded by the trainer from prm.requests so the code estimator can be retrained
    // on the same inputs it is served with.
    plan: (engine) => ({ statements: timeSeriesTable(engine, requestFeatures) }),
  },
  {
    id: 6,
    name: 'reserved capacity of cluster samples',
    transactional: true,
    plan: () => ({
      statements: [`ALTER TABLE ${S}.cluster_metrics ADD COLUMN IF NOT EXISTS reserved_fraction double precision NOT NULL DEFAULT 0`],
    }),
  },
  {
    id: 7,
    name: 'dispatch attempts',
    transactional: true,
    // A run that ended out of memory is dispatched again (JobDispatch.attempt): which run a row is.
    plan: () => ({
      statements: [`ALTER TABLE ${S}.job_dispatches ADD COLUMN IF NOT EXISTS attempt integer NOT NULL DEFAULT 1`],
    }),
  },
  {
    id: 8,
    name: 'a dispatch row per attempt',
    transactional: true,
    // Migration 7 added the attempt without widening the unique key, so a retry dispatched at
    // the same event-time millisecond as its first run was skipped as a replayed row. That
    // happens: a retry is dispatched when room frees, at the time of the record that freed it,
    // which can be a sibling task submitted at the instant of the first run.
    plan: () => ({
      statements: [
        `ALTER TABLE ${S}.job_dispatches DROP CONSTRAINT IF EXISTS job_dispatches_request_id_dispatched_at_key`,
        `ALTER TABLE ${S}.job_dispatches ADD CONSTRAINT job_dispatches_request_attempt_key UNIQUE (request_id, attempt, dispatched_at)`,
      ],
    }),
  },
  {
    id: 9,
    name: 'telemetry attempts',
    transactional: true,
    // A run presumed lost is dispatched again, and its telemetry may still come: which run a row
    // measures (ExecutionTelemetry.attempt), in the unique key too, as migration 8 found for dispatches.
    plan: () => ({
      statements: [
        `ALTER TABLE ${S}.execution_telemetry ADD COLUMN IF NOT EXISTS attempt integer NOT NULL DEFAULT 1`,
        `ALTER TABLE ${S}.execution_telemetry DROP CONSTRAINT IF EXISTS execution_telemetry_request_id_ended_at_key`,
        `ALTER TABLE ${S}.execution_telemetry ADD CONSTRAINT execution_telemetry_request_attempt_key UNIQUE (request_id, attempt, ended_at)`,
      ],
    }),
  },
  {
    id: 10,
    name: 'monthly partitions in UTC',
    transactional: true,
    // Plain PostgreSQL only: ensure_partitions as created by migration 1 counted months in the
    // session's TimeZone, so outside UTC a month's partition overlapped the next one and every
    // row of that next month was refused. Partitions already made keep their bounds.
    plan: (engine) => (engine.kind === 'postgresql' ? { statements: [ensurePartitions] } : { statements: [], skipped: 'TimescaleDB partitions by its own chunks' }),
  },
];

const requestFeatures: TimeSeriesTable = {
  name: `${S}.request_features`,
  timeColumn: 'analyzed_at',
  chunkInterval: '7 days',
  body: `analyzed_at timestamptz NOT NULL, request_id text NOT NULL, user_id text NOT NULL, features jsonb NOT NULL,
    UNIQUE (request_id, analyzed_at)`,
};

/**
 * Creates the monthly partitions covering [from_time, to_time], months in UTC whatever the
 * session's TimeZone: timestamptz + interval counts months in the session's zone, which gave
 * partitions ending a day or a DST hour off (migration 10). A month whose rows already sit in the
 * default partition is left there (attaching it would fail), and so is one that overlaps a
 * partition created with those wrong bounds; a concurrent creator winning the race is fine.
 */
const ensurePartitions = `CREATE OR REPLACE FUNCTION ${S}.ensure_partitions(parent regclass, from_time timestamptz, to_time timestamptz) RETURNS integer
   LANGUAGE plpgsql AS $$
   DECLARE
     month_start timestamptz := date_trunc('month', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
     next_start timestamptz;
     parent_schema text;
     parent_name text;
     partition_name text;
     created integer := 0;
   BEGIN
     SELECT n.nspname, c.relname INTO parent_schema, parent_name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
     WHILE month_start <= to_time LOOP
       next_start := ((month_start AT TIME ZONE 'UTC') + INTERVAL '1 month') AT TIME ZONE 'UTC';
       partition_name := parent_name || '_p' || to_char(month_start AT TIME ZONE 'UTC', 'YYYYMM');
       IF to_regclass(format('%I.%I', parent_schema, partition_name)) IS NULL THEN
         BEGIN
           EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
             parent_schema, partition_name, parent, month_start, next_start);
           created := created + 1;
         EXCEPTION
           WHEN duplicate_table OR unique_violation THEN NULL;
           WHEN check_violation THEN NULL;
           WHEN invalid_object_definition THEN NULL;
         END;
       END IF;
       month_start := next_start;
     END LOOP;
     RETURN created;
   END $$`;

/** What plain PostgreSQL needs to run the same SQL: a time_bucket over date_bin, and partition upkeep. */
function plainSupport(): string[] {
  return [
    // TimescaleDB buckets from 2000-01-03 (a Monday) by default; date_bin needs the origin spelt out.
    `CREATE OR REPLACE FUNCTION public.time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT date_bin(bucket_width, ts, TIMESTAMPTZ '2000-01-03 00:00:00+00') $$`,
    `CREATE OR REPLACE FUNCTION public.time_bucket(bucket_width interval, ts timestamptz, origin timestamptz) RETURNS timestamptz
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT date_bin(bucket_width, ts, origin) $$`,
    ensurePartitions,
  ];
}
