import { MEMORY_MARGIN } from '../../streams/processors/scheduler';
import type { Queryable } from '../database';
import { SCHEMA } from '../tables';
import type {
  ClusterPoint,
  ModelVersionError,
  ReportData,
  ReportScope,
  ReportTotals,
  ScaleCommandEntry,
  TierQueueDelay,
  UserPoint,
  UserSeries,
} from './types';

/**
 * The report's reads: one statement per section, run concurrently. time_bucket with the run's
 * start as origin (TimescaleDB's, or the shim the plain-PostgreSQL migration installs) so buckets
 * line up with generate_series over the window on both engines.
 */

const S = SCHEMA;
const DEFAULT_TOP_USERS = 6;
const CLUSTER_BUCKETS = 120;
/** More points than a chart can show; also bounds the work of a mistaken bucketMs. */
const MAX_BUCKETS = 5000;
const USER_BUCKETS = 40;
const ROUND_WIDTHS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** The smallest round width that splits `spanMs` into at most `buckets` buckets. */
export function bucketWidthMs(spanMs: number, buckets: number): number {
  const fits = ROUND_WIDTHS_MS.find((width) => Math.ceil(spanMs / width) <= buckets);
  return fits ?? Math.ceil(spanMs / buckets / 86_400_000) * 86_400_000;
}

/** `LIKE` pattern matching `${runId}/...` and nothing else: the run id's own % _ \ are literals. */
export function runIdPattern(runId: string): string {
  return `${runId.replace(/[\\%_]/g, '\\$&')}/%`;
}

// The SQL literal '\' (standard_conforming_strings is on in every supported server).
const OF_RUN = `LIKE $1 ESCAPE '\\'`;

/** One prediction per request (the first: the one the scheduler acted on) and the last execution per request (after retries). */
const PAIR_CTES = `
  pred AS (
    SELECT DISTINCT ON (request_id) request_id, user_id, submitted_at, predicted_at, cpu_ms_p50, cpu_ms_p90, peak_memory_bytes_p90, duration_ms_p50, model_versions, components
    FROM ${S}.demand_predictions WHERE request_id ${OF_RUN} ORDER BY request_id, predicted_at),
  tel AS (
    SELECT DISTINCT ON (request_id) request_id, cpu_ms, peak_memory_bytes, EXTRACT(EPOCH FROM ended_at - started_at)::float8 * 1000 AS duration_ms
    FROM ${S}.execution_telemetry WHERE request_id ${OF_RUN} ORDER BY request_id, ended_at DESC)`;

export async function loadReportData(db: Queryable, scope: ReportScope): Promise<ReportData> {
  const from = scope.from.getTime();
  const to = scope.to.getTime();
  if (!(to > from)) throw new RangeError(`report window must end after it starts: ${scope.from.toISOString()} .. ${scope.to.toISOString()}`);
  const bucketMs = scope.bucketMs ?? bucketWidthMs(to - from, CLUSTER_BUCKETS);
  if (!(Number.isFinite(bucketMs) && bucketMs >= 1)) throw new RangeError(`bucketMs must be a positive number, got ${bucketMs}`);
  if ((to - from) / bucketMs > MAX_BUCKETS) throw new RangeError(`${bucketMs} ms buckets split the window into more than ${MAX_BUCKETS}: use wider ones`);
  const userBucketMs = Math.max(bucketMs, bucketWidthMs(to - from, USER_BUCKETS));
  const topUsers = scope.topUsers ?? DEFAULT_TOP_USERS;
  const pattern = runIdPattern(scope.runId);

  const [totals, cluster, users, scaleCommands, queueDelay, predictionError] = await Promise.all([
    loadTotals(db, pattern, scope),
    loadCluster(db, pattern, scope, bucketMs),
    loadUsers(db, pattern, scope, userBucketMs, topUsers),
    loadScaleCommands(db, scope),
    loadQueueDelay(db, pattern),
    loadPredictionError(db, pattern),
  ]);
  return {
    scope: { runId: scope.runId, pool: scope.pool, from, to, bucketMs, userBucketMs },
    totals,
    cluster,
    users,
    scaleCommands,
    queueDelay,
    predictionError,
  };
}

interface TotalsRow {
  requests: number;
  users: number;
  first_submitted_at: Date | null;
  predictions: number;
  dispatches: number;
  retries: number;
  telemetry: number;
  failed: number;
  last_ended_at: Date | null;
  instance_hours: number;
  mean_cpu_utilization: number | null;
  mean_memory_utilization: number | null;
  mean_reserved_fraction: number | null;
  peak_instances: number | null;
  metrics_samples: number;
  scale_outs: number;
  scale_ins: number;
  mae_cpu_ms_p50: number | null;
  coverage_p90: number | null;
  dispatch_to_start_ms_p50: number | null;
  dispatch_to_start_ms_p95: number | null;
  run_ms_p50: number | null;
}

async function loadTotals(db: Queryable, pattern: string, scope: ReportScope): Promise<ReportTotals> {
  const { rows } = await db.query<TotalsRow>(
    `WITH ${PAIR_CTES},
      metrics AS (
        SELECT at, instances_running, cpu_utilization, memory_utilization, reserved_fraction, lead(at) OVER (ORDER BY at) AS next_at
        FROM ${S}.cluster_metrics WHERE pool = $2 AND at >= $3 AND at < $4),
      weighted AS (SELECT *, instances_running * EXTRACT(EPOCH FROM next_at - at)::float8 AS w FROM metrics),
      r AS (SELECT count(*)::int AS requests, count(DISTINCT user_id)::int AS users, min(submitted_at) AS first_submitted_at
            FROM ${S}.execution_requests WHERE request_id ${OF_RUN}),
      p AS (SELECT count(*)::int AS predictions FROM ${S}.demand_predictions WHERE request_id ${OF_RUN}),
      d AS (SELECT count(*)::int AS dispatches, count(*) FILTER (WHERE attempt > 1)::int AS retries FROM ${S}.job_dispatches WHERE request_id ${OF_RUN}),
      t AS (SELECT count(*)::int AS telemetry, count(*) FILTER (WHERE exit_status <> 'OK')::int AS failed, max(ended_at) AS last_ended_at
            FROM ${S}.execution_telemetry WHERE request_id ${OF_RUN}),
      m AS (SELECT COALESCE(sum(w), 0) / 3600 AS instance_hours,
                   COALESCE(sum(cpu_utilization * w) / NULLIF(sum(w), 0), avg(cpu_utilization))::float8 AS mean_cpu_utilization,
                   COALESCE(sum(memory_utilization * w) / NULLIF(sum(w), 0), avg(memory_utilization))::float8 AS mean_memory_utilization,
                   COALESCE(sum(reserved_fraction * w) / NULLIF(sum(w), 0), avg(reserved_fraction))::float8 AS mean_reserved_fraction,
                   max(instances_running) AS peak_instances, count(*)::int AS metrics_samples
            FROM weighted),
      s AS (SELECT count(*) FILTER (WHERE action = 'SCALE_OUT')::int AS scale_outs, count(*) FILTER (WHERE action = 'SCALE_IN')::int AS scale_ins
            FROM ${S}.scale_commands WHERE pool = $2 AND issued_at >= $3 AND issued_at < $4),
      e AS (SELECT avg(abs(tel.cpu_ms - pred.cpu_ms_p50))::float8 AS mae_cpu_ms_p50,
                   avg(CASE WHEN tel.cpu_ms <= pred.cpu_ms_p90 THEN 1.0 ELSE 0.0 END)::float8 AS coverage_p90
            FROM pred JOIN tel USING (request_id)),
      -- Each run (not NOT_RUN) paired with its own dispatch: the request's latest one stamped at or before its start.
      runs AS (
        SELECT EXTRACT(EPOCH FROM tr.started_at - max(jd.dispatched_at))::float8 * 1000 AS lag_ms, EXTRACT(EPOCH FROM tr.ended_at - tr.started_at)::float8 * 1000 AS run_ms
        FROM ${S}.execution_telemetry tr JOIN ${S}.job_dispatches jd ON jd.request_id = tr.request_id AND jd.dispatched_at <= tr.started_at
        WHERE tr.request_id ${OF_RUN} AND tr.exit_status <> 'NOT_RUN'
        GROUP BY tr.request_id, tr.ended_at, tr.started_at),
      st AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag_ms)::float8 AS dispatch_to_start_ms_p50,
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY lag_ms)::float8 AS dispatch_to_start_ms_p95,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY run_ms)::float8 AS run_ms_p50
             FROM runs)
    SELECT * FROM r, p, d, t, m, s, e, st`,
    [pattern, scope.pool, scope.from, scope.to],
  );
  const row = rows[0];
  if (!row) throw new Error('report totals: the query returned no row');
  return {
    requests: row.requests,
    users: row.users,
    predictions: row.predictions,
    dispatches: row.dispatches,
    retries: row.retries,
    telemetry: row.telemetry,
    failedExecutions: row.failed,
    instanceHours: row.instance_hours,
    meanCpuUtilization: row.mean_cpu_utilization,
    meanMemoryUtilization: row.mean_memory_utilization,
    meanReservedFraction: row.mean_reserved_fraction,
    peakInstances: row.peak_instances,
    metricsSamples: row.metrics_samples,
    scaleOuts: row.scale_outs,
    scaleIns: row.scale_ins,
    maeCpuMsP50: row.mae_cpu_ms_p50,
    coverageP90: row.coverage_p90,
    dispatchToStartMsP50: row.dispatch_to_start_ms_p50,
    dispatchToStartMsP95: row.dispatch_to_start_ms_p95,
    runMsP50: row.run_ms_p50,
    firstSubmittedAt: row.first_submitted_at?.getTime() ?? null,
    lastEndedAt: row.last_ended_at?.getTime() ?? null,
  };
}

interface ClusterRow {
  bucket: Date;
  executed_cpu_ms: number | null;
  arrived_cpu_ms: number | null;
  predicted_p50_cpu_ms: number | null;
  predicted_p90_cpu_ms: number | null;
  requests: number | null;
  instances_running: number | null;
  instances_booting: number | null;
  capacity_cores: number | null;
  used_cores: number | null;
  forecast_cores: number | null;
}

async function loadCluster(db: Queryable, pattern: string, scope: ReportScope, bucketMs: number): Promise<ClusterPoint[]> {
  const { rows } = await db.query<ClusterRow>(
    `WITH ${PAIR_CTES},
      params AS (SELECT $3::timestamptz AS t0, $4::timestamptz AS t1, make_interval(secs => $5::float8 / 1000) AS w),
      buckets AS (SELECT b AS bucket FROM params, generate_series(t0, t1, w) AS b WHERE b < t1),
      -- An execution's CPU is spread evenly over its run time, across the buckets it overlaps.
      executed AS (
        SELECT s.bucket, sum(x.cpu_ms * CASE WHEN x.duration_ms > 0
            THEN GREATEST(0, EXTRACT(EPOCH FROM LEAST(x.ended_at, s.bucket + params.w) - GREATEST(x.started_at, s.bucket))::float8 * 1000) / x.duration_ms
            ELSE 1 END) AS cpu_ms
        FROM params,
          (SELECT started_at, ended_at, cpu_ms, EXTRACT(EPOCH FROM ended_at - started_at)::float8 * 1000 AS duration_ms
           FROM ${S}.execution_telemetry WHERE request_id ${OF_RUN}) x,
          -- Only the buckets of the window: a long execution with small buckets would otherwise make many rows.
          LATERAL generate_series(time_bucket(params.w, GREATEST(x.started_at, params.t0), params.t0), LEAST(x.ended_at, params.t1), params.w) AS s(bucket)
        GROUP BY s.bucket),
      arrived AS (
        SELECT time_bucket(params.w, pred.submitted_at, params.t0) AS bucket, count(*)::int AS requests,
          sum(pred.cpu_ms_p50) AS p50, sum(pred.cpu_ms_p90) AS p90, sum(tel.cpu_ms) AS actual
        FROM params, pred LEFT JOIN tel USING (request_id)
        GROUP BY 1),
      metrics AS (
        SELECT time_bucket(params.w, m.at, params.t0) AS bucket,
          avg(m.instances_running)::float8 AS instances_running, avg(m.instances_booting)::float8 AS instances_booting,
          avg(m.cpu_capacity_millicores)::float8 / 1000 AS capacity_cores,
          avg(m.cpu_utilization * m.cpu_capacity_millicores)::float8 / 1000 AS used_cores
        FROM params, ${S}.cluster_metrics m WHERE m.pool = $2 AND m.at >= params.t0 AND m.at < params.t1
        GROUP BY 1),
      -- For each target time, the forecast issued last (what the planner saw most recently).
      forecast AS (
        SELECT time_bucket(params.w, f.target_at, params.t0) AS bucket, avg(f.p50)::float8 AS cores
        FROM params,
          (SELECT DISTINCT ON (target_at) target_at, p50 FROM ${S}.cluster_load_forecasts
           WHERE pool = $2 AND metric = 'CPU_CORES' AND target_at >= $3 AND target_at < $4 ORDER BY target_at, issued_at DESC) f
        GROUP BY 1)
    SELECT buckets.bucket, executed.cpu_ms AS executed_cpu_ms, arrived.actual AS arrived_cpu_ms,
      arrived.p50 AS predicted_p50_cpu_ms, arrived.p90 AS predicted_p90_cpu_ms, arrived.requests,
      metrics.instances_running, metrics.instances_booting, metrics.capacity_cores, metrics.used_cores, forecast.cores AS forecast_cores
    FROM buckets
      LEFT JOIN executed USING (bucket) LEFT JOIN arrived USING (bucket)
      LEFT JOIN metrics USING (bucket) LEFT JOIN forecast USING (bucket)
    ORDER BY buckets.bucket`,
    [pattern, scope.pool, scope.from, scope.to, bucketMs],
  );
  const cores = (cpuMs: number | null) => (cpuMs ?? 0) / bucketMs;
  return rows.map((row) => ({
    t: row.bucket.getTime(),
    executedCores: cores(row.executed_cpu_ms),
    arrivedCores: cores(row.arrived_cpu_ms),
    predictedP50Cores: cores(row.predicted_p50_cpu_ms),
    predictedP90Cores: cores(row.predicted_p90_cpu_ms),
    requests: row.requests ?? 0,
    instancesRunning: row.instances_running,
    instancesBooting: row.instances_booting,
    capacityCores: row.capacity_cores,
    usedCores: row.used_cores,
    forecastCores: row.forecast_cores,
  }));
}

interface UserRow {
  user_id: string;
  requests: number;
  bucket: Date | null;
  n: number | null;
  p50: number | null;
  p90: number | null;
  actual: number | null;
  abs_error: number | null;
  covered: number | null;
  duration_p50: number | null;
  duration: number | null;
}

async function loadUsers(db: Queryable, pattern: string, scope: ReportScope, bucketMs: number, topUsers: number): Promise<UserSeries[]> {
  const { rows } = await db.query<UserRow>(
    `WITH ${PAIR_CTES},
      params AS (SELECT $2::timestamptz AS t0, make_interval(secs => $3::float8 / 1000) AS w),
      ranked AS (
        SELECT user_id, count(*)::int AS requests FROM ${S}.execution_requests WHERE request_id ${OF_RUN}
        GROUP BY user_id ORDER BY requests DESC, user_id LIMIT $4),
      buckets AS (
        SELECT pred.user_id, time_bucket(params.w, pred.submitted_at, params.t0) AS bucket, count(*)::int AS n,
          sum(pred.cpu_ms_p50) AS p50, sum(pred.cpu_ms_p90) AS p90, sum(tel.cpu_ms) AS actual,
          sum(abs(tel.cpu_ms - pred.cpu_ms_p50)) AS abs_error, count(*) FILTER (WHERE tel.cpu_ms <= pred.cpu_ms_p90)::int AS covered,
          sum(pred.duration_ms_p50) AS duration_p50, sum(tel.duration_ms) AS duration
        FROM params, pred JOIN tel USING (request_id)
        WHERE pred.user_id IN (SELECT user_id FROM ranked)
        GROUP BY 1, 2)
    SELECT ranked.user_id, ranked.requests, buckets.bucket, buckets.n, buckets.p50, buckets.p90, buckets.actual,
      buckets.abs_error, buckets.covered, buckets.duration_p50, buckets.duration
    FROM ranked LEFT JOIN buckets USING (user_id)
    ORDER BY ranked.requests DESC, ranked.user_id, buckets.bucket`,
    [pattern, scope.from, bucketMs, topUsers],
  );
  const users = new Map<string, { requests: number; points: UserPoint[]; absError: number; covered: number }>();
  for (const row of rows) {
    let user = users.get(row.user_id);
    if (!user) {
      user = { requests: row.requests, points: [], absError: 0, covered: 0 };
      users.set(row.user_id, user);
    }
    if (row.bucket === null || !row.n) continue;
    const n = row.n;
    user.absError += row.abs_error ?? 0;
    user.covered += row.covered ?? 0;
    user.points.push({
      t: row.bucket.getTime(),
      requests: n,
      predictedCpuMsP50: (row.p50 ?? 0) / n,
      predictedCpuMsP90: (row.p90 ?? 0) / n,
      actualCpuMs: (row.actual ?? 0) / n,
      predictedDurationMsP50: (row.duration_p50 ?? 0) / n,
      actualDurationMs: (row.duration ?? 0) / n,
    });
  }
  return [...users].map(([userId, user]) => {
    const compared = user.points.reduce((sum, point) => sum + point.requests, 0);
    return {
      userId,
      requests: user.requests,
      compared,
      maeCpuMsP50: compared > 0 ? user.absError / compared : null,
      coverageP90: compared > 0 ? user.covered / compared : null,
      points: user.points,
    };
  });
}

interface ScaleRow {
  issued_at: Date;
  action: string;
  target_instances: number | null;
  delta_instances: number | null;
  effective_by: Date;
  reason: string;
  explanation: string;
}

async function loadScaleCommands(db: Queryable, scope: ReportScope): Promise<ScaleCommandEntry[]> {
  const { rows } = await db.query<ScaleRow>(
    `SELECT issued_at, action, target_instances, delta_instances, effective_by, reason, explanation
     FROM ${S}.scale_commands WHERE pool = $1 AND issued_at >= $2 AND issued_at < $3 ORDER BY issued_at, command_id`,
    [scope.pool, scope.from, scope.to],
  );
  return rows.map((row) => ({
    t: row.issued_at.getTime(),
    action: row.action,
    targetInstances: row.target_instances,
    deltaInstances: row.delta_instances,
    effectiveBy: row.effective_by.getTime(),
    reason: row.reason,
    explanation: row.explanation,
  }));
}

/** Tiers from the most to the least entitled, then any other label. */
const TIER_ORDER = ['ENTERPRISE', 'PREMIUM', 'STANDARD', 'FREE'];

interface QueueRow {
  tier: string;
  dispatches: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

async function loadQueueDelay(db: Queryable, pattern: string): Promise<TierQueueDelay[]> {
  const { rows } = await db.query<QueueRow>(
    `SELECT COALESCE(r.tier, 'UNKNOWN') AS tier, count(*)::int AS dispatches, avg(j.queued_ms)::float8 AS mean_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY j.queued_ms) AS p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY j.queued_ms) AS p95_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY j.queued_ms) AS p99_ms,
       max(j.queued_ms) AS max_ms
     FROM ${S}.job_dispatches j
       LEFT JOIN (SELECT DISTINCT ON (request_id) request_id, tier FROM ${S}.execution_requests
                  WHERE request_id ${OF_RUN} ORDER BY request_id, submitted_at) r USING (request_id)
     WHERE j.request_id ${OF_RUN}
     GROUP BY 1`,
    [pattern],
  );
  const rank = (tier: string) => (TIER_ORDER.includes(tier) ? TIER_ORDER.indexOf(tier) : TIER_ORDER.length);
  return rows
    .map((row) => ({
      tier: row.tier,
      dispatches: row.dispatches,
      meanMs: row.mean_ms,
      p50Ms: row.p50_ms,
      p95Ms: row.p95_ms,
      p99Ms: row.p99_ms,
      maxMs: row.max_ms,
    }))
    .sort((a, b) => rank(a.tier) - rank(b.tier) || a.tier.localeCompare(b.tier));
}

interface ErrorRow {
  model: string;
  version: string;
  samples: number;
  first_seen: Date;
  last_seen: Date;
  mae: number;
  bias: number;
  coverage: number;
  mean_actual: number;
  memory_fits: number;
}

async function loadPredictionError(db: Queryable, pattern: string): Promise<ModelVersionError[]> {
  const { rows } = await db.query<ErrorRow>(
    `WITH ${PAIR_CTES},
      pairs AS (SELECT pred.*, tel.cpu_ms AS actual, tel.peak_memory_bytes::float8 AS memory FROM pred JOIN tel USING (request_id)),
      -- The combined prediction is labelled by its components' versions (model_versions), so a
      -- retrained component shows as a new combined version too.
      estimates AS (
        SELECT 'combined' AS model,
          COALESCE((SELECT string_agg(key || '@' || value, ' + ' ORDER BY key) FROM jsonb_each_text(pairs.model_versions)), '') AS version,
          predicted_at, cpu_ms_p50 AS p50, cpu_ms_p90 AS p90, actual, peak_memory_bytes_p90 AS memory_p90, memory
        FROM pairs
        UNION ALL
        SELECT c->'model'->>'name', c->'model'->>'version', predicted_at, (c->'cpuMs'->>'p50')::float8, (c->'cpuMs'->>'p90')::float8, actual,
          (c->'peakMemoryBytes'->>'p90')::float8, memory
        FROM pairs, jsonb_array_elements(CASE WHEN jsonb_typeof(pairs.components) = 'array' THEN pairs.components ELSE '[]'::jsonb END) AS c)
    SELECT model, version, count(*)::int AS samples, min(predicted_at) AS first_seen, max(predicted_at) AS last_seen,
      avg(abs(actual - p50))::float8 AS mae, avg(actual - p50)::float8 AS bias,
      avg(CASE WHEN actual <= p90 THEN 1.0 ELSE 0.0 END)::float8 AS coverage, avg(actual)::float8 AS mean_actual,
      avg(CASE WHEN memory <= memory_p90 * $2 THEN 1.0 ELSE 0.0 END)::float8 AS memory_fits
    FROM estimates GROUP BY 1, 2
    ORDER BY first_seen, model, version`,
    [pattern, MEMORY_MARGIN],
  );
  return rows.map((row) => ({
    model: row.model,
    version: row.version,
    samples: row.samples,
    firstSeen: row.first_seen.getTime(),
    lastSeen: row.last_seen.getTime(),
    maeCpuMsP50: row.mae,
    biasCpuMsP50: row.bias,
    coverageP90: row.coverage,
    meanActualCpuMs: row.mean_actual,
    memoryFitsReservation: row.memory_fits,
  }));
}
