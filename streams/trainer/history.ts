import type { CodeFeatures } from '../../models/code/features';
import type { Estimate } from '../../models/code/samples';
import { featuresFromEvent } from '../../models/training/code-features-event';
import type { TrainingRow } from '../../models/training/dataset';
import type { PoolSeries } from '../../models/training/forecast-model';
import type { Queryable } from '../../sinks/database';
import type { CodeFeaturesRow } from '../../sinks/tables';

/**
 * The trainer's SQL over PRM's history. Plain SQL (time_bucket is shimmed on plain PostgreSQL),
 * identical on TimescaleDB and PostgreSQL. Windows are half-open: [from, to) of event time.
 */
export interface Window {
  from: Date;
  to: Date;
}

/**
 * The USER_PROFILE component the request's prediction mixed in, with the evidence it rested on
 * (predictions made before components carried evidence have none and join nothing). $1 and $2
 * are the window; `f` the request's features row.
 */
const PROFILE_COMPONENT_JOIN = `
       LEFT JOIN LATERAL (
         SELECT c AS component
           FROM prm.demand_predictions p, jsonb_array_elements(p.components) AS c
          WHERE p.request_id = f.request_id AND p.predicted_at >= $1 AND p.predicted_at < $2
            AND c ->> 'source' = 'USER_PROFILE' AND jsonb_typeof(c -> 'evidence') = 'number'
          ORDER BY p.predicted_at DESC LIMIT 1
       ) prof ON TRUE`;

/** How far before a telemetry row its prediction may lie (bounds the scan of demand_predictions). */
const PREDICTION_LOOKBACK = `INTERVAL '7 days'`;

/**
 * Fills prm.prediction_errors for the executions that ended in the window: per request, one row
 * per model (the combined prediction as 'combined'/'n/a', and each component's model at its
 * version) and quantity, the same rows sinks/rows.ts predictionErrorRows makes. Idempotent: a
 * row already there (its unique key) is skipped, so re-running a window inserts nothing twice.
 */
export async function recordPredictionErrors(db: Queryable, window: Window): Promise<number> {
  const result = await db.query(
    `INSERT INTO prm.prediction_errors (observed_at, request_id, user_id, model_name, model_version, quantity, predicted_p50, predicted_p90, actual)
     SELECT t.ended_at, t.request_id, t.user_id, m.model_name, m.model_version, q.quantity, q.p50, q.p90, q.actual
       FROM prm.execution_telemetry t
       JOIN prm.demand_predictions p
         ON p.request_id = t.request_id AND p.predicted_at >= $1::timestamptz - ${PREDICTION_LOOKBACK} AND p.predicted_at < $2::timestamptz
       CROSS JOIN LATERAL (
         SELECT 'combined' AS model_name, 'n/a' AS model_version,
                jsonb_build_object(
                  'cpuMs', jsonb_build_object('p50', p.cpu_ms_p50, 'p90', p.cpu_ms_p90),
                  'peakMemoryBytes', jsonb_build_object('p50', p.peak_memory_bytes_p50, 'p90', p.peak_memory_bytes_p90),
                  'ioBytes', jsonb_build_object('p50', p.io_bytes_p50, 'p90', p.io_bytes_p90),
                  'durationMs', jsonb_build_object('p50', p.duration_ms_p50, 'p90', p.duration_ms_p90)) AS estimate
         UNION ALL
         SELECT c -> 'model' ->> 'name', c -> 'model' ->> 'version', c FROM jsonb_array_elements(p.components) AS c
       ) m
       CROSS JOIN LATERAL (VALUES
         ('cpu_ms', 'cpuMs', t.cpu_ms),
         ('peak_memory_bytes', 'peakMemoryBytes', t.peak_memory_bytes::double precision),
         ('io_bytes', 'ioBytes', (t.io_read_bytes + t.io_write_bytes)::double precision),
         ('duration_ms', 'durationMs', round(EXTRACT(EPOCH FROM t.ended_at - t.started_at) * 1000)::double precision)
       ) AS a (quantity, field, actual)
       CROSS JOIN LATERAL (
         SELECT a.quantity, (m.estimate -> a.field ->> 'p50')::double precision AS p50,
                (m.estimate -> a.field ->> 'p90')::double precision AS p90, a.actual
       ) q
      WHERE t.ended_at >= $1 AND t.ended_at < $2
     ON CONFLICT DO NOTHING`,
    [window.from, window.to],
  );
  return result.rowCount ?? 0;
}

/** A code_features row as the trainer selects it, joined with the run's measured usage and what was predicted for it. */
type TrainingRowRecord = Pick<CodeFeaturesRow,
  | 'request_id' | 'user_id' | 'analyzed_at' | 'parse_status' | 'code_bytes' | 'lines' | 'cyclomatic_complexity' | 'max_nesting_depth'
  | 'loop_count' | 'max_loop_nesting' | 'function_count' | 'recursive_function_count' | 'import_count'> & {
  cpu_ms: number;
  peak_memory_bytes: string;
  duration_ms: number;
  recorded: RecordedComponent | null;
  profile: ProfileComponent | null;
};

interface RecordedComponent {
  cpuMs: { p50: number; p90: number; p99: number };
  peakMemoryBytes: { p50: number; p90: number; p99: number };
  durationMs: { p50: number; p90: number; p99: number };
}

interface ProfileComponent extends RecordedComponent {
  evidence: number;
}

/**
 * The code estimator's training window from prm.code-features (the event view): each request
 * analysed in the window with its features and the measured usage of its (latest) successful
 * execution, and, when the code-estimator version `codeModel` predicted it, that prediction
 * (from the stored PredictedDemand's CODE_ANALYSIS component).
 */
export async function readEventTrainingRows(db: Queryable, window: Window, codeModel: { name: string; version: string }): Promise<TrainingRow[]> {
  const result = await db.query<TrainingRowRecord>(
    `SELECT DISTINCT ON (f.request_id)
            f.request_id, f.user_id, f.analyzed_at, f.parse_status, f.code_bytes, f.lines, f.cyclomatic_complexity,
            f.max_nesting_depth, f.loop_count, f.max_loop_nesting, f.function_count, f.recursive_function_count, f.import_count,
            t.cpu_ms, t.peak_memory_bytes, EXTRACT(EPOCH FROM t.ended_at - t.started_at)::double precision * 1000 AS duration_ms,
            rec.component AS recorded, prof.component AS profile
       FROM prm.code_features f
       JOIN prm.execution_telemetry t
         ON t.request_id = f.request_id AND t.ended_at >= f.analyzed_at AND t.exit_status = 'OK'
       LEFT JOIN LATERAL (
         SELECT c AS component
           FROM prm.demand_predictions p, jsonb_array_elements(p.components) AS c
          WHERE p.request_id = f.request_id AND p.predicted_at >= $1 AND p.predicted_at < $2
            AND c ->> 'source' = 'CODE_ANALYSIS' AND c -> 'model' ->> 'name' = $3 AND c -> 'model' ->> 'version' = $4
          ORDER BY p.predicted_at DESC LIMIT 1
       ) rec ON TRUE${PROFILE_COMPONENT_JOIN}
      WHERE f.analyzed_at >= $1 AND f.analyzed_at < $2
      ORDER BY f.request_id, t.ended_at DESC`,
    [window.from, window.to, codeModel.name, codeModel.version],
  );
  return result.rows.map((r) => ({
    requestId: r.request_id,
    userId: r.user_id,
    analyzedAt: r.analyzed_at,
    features: featuresFromEvent({
      parseStatus: r.parse_status,
      codeBytes: r.code_bytes,
      lines: r.lines,
      cyclomaticComplexity: r.cyclomatic_complexity,
      maxNestingDepth: r.max_nesting_depth,
      loopCount: r.loop_count,
      maxLoopNesting: r.max_loop_nesting,
      functionCount: r.function_count,
      recursiveFunctionCount: r.recursive_function_count,
      importCount: r.import_count,
    }),
    cpuMs: r.cpu_ms,
    peakMemoryBytes: Number(r.peak_memory_bytes),
    durationMs: r.duration_ms,
    ...(r.recorded ? { recorded: estimateOf(r.recorded) } : {}),
    ...profileOf(r.profile),
  }));
}

/**
 * The code estimator's training window from prm.request_features (the analyser's features,
 * recorded from the requests' code): each request analysed in the window with the measured
 * usage of its (latest) successful execution.
 */
export async function readAnalyzedTrainingRows(db: Queryable, window: Window): Promise<TrainingRow[]> {
  const result = await db.query<{
    request_id: string; user_id: string; analyzed_at: Date; features: CodeFeatures; cpu_ms: number; peak_memory_bytes: string; duration_ms: number;
    profile: ProfileComponent | null;
  }>(
    `SELECT DISTINCT ON (f.request_id) f.request_id, f.user_id, f.analyzed_at, f.features,
            t.cpu_ms, t.peak_memory_bytes, EXTRACT(EPOCH FROM t.ended_at - t.started_at)::double precision * 1000 AS duration_ms,
            prof.component AS profile
       FROM prm.request_features f
       JOIN prm.execution_telemetry t ON t.request_id = f.request_id AND t.ended_at >= f.analyzed_at AND t.exit_status = 'OK'${PROFILE_COMPONENT_JOIN}
      WHERE f.analyzed_at >= $1 AND f.analyzed_at < $2
      ORDER BY f.request_id, t.ended_at DESC`,
    [window.from, window.to],
  );
  return result.rows.map((r) => ({
    requestId: r.request_id, userId: r.user_id, analyzedAt: r.analyzed_at, features: r.features,
    cpuMs: r.cpu_ms, peakMemoryBytes: Number(r.peak_memory_bytes), durationMs: r.duration_ms, ...profileOf(r.profile),
  }));
}

/**
 * Stores the analyser's features of requests (idempotent: a request already there is skipped).
 * Returns nothing: how many rows were new says nothing of what a retried write stored.
 */
export async function recordRequestFeatures(db: Queryable, analysed: readonly { requestId: string; userId: string; analyzedAt: Date; features: CodeFeatures }[]): Promise<void> {
  if (analysed.length === 0) return;
  await db.query(
    `INSERT INTO prm.request_features (analyzed_at, request_id, user_id, features)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::jsonb[]) ON CONFLICT DO NOTHING`,
    [analysed.map((a) => a.analyzedAt), analysed.map((a) => a.requestId), analysed.map((a) => a.userId), analysed.map((a) => JSON.stringify(a.features))],
  );
}

const MIB = 1024 * 1024;

function estimateOf(c: RecordedComponent): Estimate {
  const mib = (q: RecordedComponent['peakMemoryBytes']) => ({ p50: q.p50 / MIB, p90: q.p90 / MIB, p99: q.p99 / MIB });
  return { cpu_ms: { ...c.cpuMs }, peak_memory_mb: mib(c.peakMemoryBytes), duration_ms: { ...c.durationMs } };
}

function profileOf(c: ProfileComponent | null): Pick<TrainingRow, 'profile'> {
  return c ? { profile: { estimate: estimateOf(c), evidence: c.evidence } } : {};
}

/** Rows per hour of the training window (time_bucket): how the window's data is spread. */
export async function windowBuckets(db: Queryable, window: Window): Promise<{ bucket: Date; requests: number; executions: number }[]> {
  const result = await db.query<{ bucket: Date; requests: string; executions: string }>(
    `SELECT time_bucket(INTERVAL '1 hour', f.analyzed_at) AS bucket, count(DISTINCT f.request_id) AS requests, count(t.request_id) AS executions
       FROM prm.code_features f
       LEFT JOIN prm.execution_telemetry t ON t.request_id = f.request_id AND t.ended_at >= f.analyzed_at AND t.exit_status = 'OK'
      WHERE f.analyzed_at >= $1 AND f.analyzed_at < $2
      GROUP BY 1 ORDER BY 1`,
    [window.from, window.to],
  );
  return result.rows.map((r) => ({ bucket: r.bucket, requests: Number(r.requests), executions: Number(r.executions) }));
}

/**
 * CPU-time error of each model version over the window, from prm.prediction_errors: hourly
 * buckets (time_bucket, as the prediction_error_hourly aggregate keeps them) summed per version.
 */
export interface VersionError {
  modelName: string;
  modelVersion: string;
  samples: number;
  /** Mean |ln(1 + p50) - ln(1 + actual)| of CPU time. */
  maeLogCpuMs: number;
  coverageP90CpuMs: number;
  firstHour: Date;
  lastHour: Date;
}

export async function predictionErrorByVersion(db: Queryable, window: Window): Promise<VersionError[]> {
  const result = await db.query<{ model_name: string; model_version: string; samples: string; mae: number; coverage: number; first_hour: Date; last_hour: Date }>(
    `SELECT model_name, model_version, sum(samples) AS samples, sum(mae * samples) / sum(samples) AS mae,
            sum(coverage * samples) / sum(samples) AS coverage, min(bucket) AS first_hour, max(bucket) AS last_hour
       FROM (SELECT time_bucket(INTERVAL '1 hour', observed_at) AS bucket, model_name, model_version, count(*) AS samples,
                    avg(abs(ln(1 + greatest(predicted_p50, 0)) - ln(1 + greatest(actual, 0)))) AS mae,
                    avg(CASE WHEN actual <= predicted_p90 THEN 1.0 ELSE 0.0 END)::double precision AS coverage
               FROM prm.prediction_errors
              WHERE quantity = 'cpu_ms' AND observed_at >= $1 AND observed_at < $2
              GROUP BY 1, 2, 3) hourly
      GROUP BY model_name, model_version ORDER BY model_name, min(bucket)`,
    [window.from, window.to],
  );
  return result.rows.map((r) => ({
    modelName: r.model_name, modelVersion: r.model_version, samples: Number(r.samples), maeLogCpuMs: Number(r.mae),
    coverageP90CpuMs: Number(r.coverage), firstHour: r.first_hour, lastHour: r.last_hour,
  }));
}

/**
 * Each pool's CPU load in cores on the forecaster's grid over the window, as the forecaster
 * builds it from ClusterMetrics (forecaster.ts coresDemanded: the larger of use and
 * reservation): time_bucket averages of the raw samples, steps without a sample NaN.
 */
export async function readClusterLoadSeries(db: Queryable, window: Window, stepSeconds: number): Promise<PoolSeries[]> {
  const result = await db.query<{ pool: string; bucket: Date; cores: number }>(
    `SELECT pool, time_bucket(make_interval(secs => $3), at) AS bucket,
            avg(greatest(cpu_utilization, reserved_fraction) * cpu_capacity_millicores / 1000.0)::double precision AS cores
       FROM prm.cluster_metrics
      WHERE at >= $1 AND at < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [window.from, window.to, stepSeconds],
  );
  const stepMs = stepSeconds * 1000;
  const byPool = new Map<string, { bucket: Date; cores: number }[]>();
  for (const r of result.rows) {
    const rows = byPool.get(r.pool) ?? [];
    rows.push(r);
    byPool.set(r.pool, rows);
  }
  return [...byPool].map(([pool, rows]) => {
    const startMs = rows[0]!.bucket.getTime();
    const values = new Float64Array(Math.round((rows[rows.length - 1]!.bucket.getTime() - startMs) / stepMs) + 1).fill(NaN);
    for (const r of rows) values[Math.round((r.bucket.getTime() - startMs) / stepMs)] = Number(r.cores);
    return { pool, series: { startSeconds: startMs / 1000, stepSeconds, values } };
  });
}
