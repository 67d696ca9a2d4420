import { randomUUID } from 'node:crypto';
import { batchOf, connectDatabase, createBatchWriter, migrate, refreshAggregates, rows, tables, type Database } from '../../sinks';
import { migrations } from '../../sinks/migrations/schema';
import type { ExecutionTelemetry, PredictedDemand } from '../../schemas/types.generated';
import { freshPlainDatabase, ownEmbeddedTimescale, type EngineUnderTest } from '../support/databases';

/**
 * The sinks on both engines PRM supports: TimescaleDB (DATABASE_URL from the shared test setup
 * when it is TimescaleDB, else an embedded server of this file's own) and plain PostgreSQL (a
 * fresh database on PLAIN_DATABASE_URL's server). Same writes, same reads, same answers.
 */

const quiet = () => undefined;
const run = randomUUID().slice(0, 8);
const user = (n: number) => `it-${run}-u${n}`;
const base = Date.parse('2024-03-04T00:00:00Z'); // a Monday
const at = (minutes: number) => new Date(base + minutes * 60_000);

async function timescale(): Promise<EngineUnderTest> {
  const shared = process.env.DATABASE_URL;
  if (shared) {
    const db = await connectDatabase({ url: shared, log: quiet, connectAttempts: 3 });
    if (db.engine.kind === 'timescaledb') return { db, cleanup: () => deleteRunRows(db) };
    await db.close();
  }
  return ownEmbeddedTimescale('prm-sinks-');
}

function plain(): Promise<EngineUnderTest> {
  return freshPlainDatabase(`prm_it_${run.replace(/-/g, '')}`);
}

/** On a shared database, leave nothing of this run behind. */
async function deleteRunRows(db: Database): Promise<void> {
  const like = `it-${run}-%`;
  for (const table of ['execution_requests', 'execution_telemetry', 'demand_predictions', 'job_dispatches', 'prediction_errors', 'code_features']) {
    await db.query(`DELETE FROM prm.${table} WHERE user_id LIKE $1`, [like]);
  }
  for (const table of ['cluster_metrics', 'cluster_load_forecasts', 'scale_commands']) {
    await db.query(`DELETE FROM prm.${table} WHERE pool LIKE $1`, [like]);
  }
  await db.query(`DELETE FROM prm.model_versions WHERE model_name LIKE $1`, [like]);
  await refreshAggregates(db, { from: at(-60), to: at(24 * 60) });
  await db.close();
}

function telemetry(n: number, userN: number, endMinute: number, cpuMs: number): ExecutionTelemetry {
  return {
    requestId: `it-${run}-r${n}`,
    userId: user(userN),
    instanceId: 'vm-1',
    startedAt: new Date(at(endMinute).getTime() - 2000),
    endedAt: at(endMinute),
    cpuMs,
    peakMemoryBytes: 1_000_000 + n,
    ioReadBytes: 100,
    ioWriteBytes: 50,
    exitStatus: n % 10 === 0 ? 'ERROR' : 'OK',
    exitCode: n % 10 === 0 ? 1 : 0,
    allocated: { cpuMillicores: 1000, memoryBytes: 2 ** 31, timeoutMs: 30_000 },
  };
}

/** 30 executions of user 1 spread over three hours (10 per hour, cpu 1..30 ms) and 6 of user 2. */
const history = [
  ...Array.from({ length: 30 }, (_, i) => telemetry(i, 1, i * 6 + 3, i + 1)),
  ...Array.from({ length: 6 }, (_, i) => telemetry(100 + i, 2, i * 20 + 1, 1000)),
];

const q = (p50: number) => ({ p50, p90: p50 * 1.5, p99: p50 * 2 });
const prediction = (t: ExecutionTelemetry): PredictedDemand => ({
  requestId: t.requestId,
  userId: t.userId,
  predictedAt: new Date(t.startedAt.getTime() - 60_000),
  submittedAt: new Date(t.startedAt.getTime() - 60_000),
  tier: 'STANDARD',
  priority: 5,
  deadline: null,
  cpuMs: q(10),
  peakMemoryBytes: q(1_000_000),
  ioBytes: q(150),
  durationMs: q(2000),
  components: [{ source: 'USER_PROFILE', model: { name: 'profile-ewma', version: `it-${run}` }, weight: 1, cpuMs: q(10), peakMemoryBytes: q(1_000_000), ioBytes: q(150), durationMs: q(2000) }],
  profileObservations: 3,
});

describe.each([
  ['TimescaleDB', timescale, 'timescaledb'],
  ['plain PostgreSQL', plain, 'postgresql'],
] as const)('sinks on %s', (_name, start, kind) => {
  let engine: EngineUnderTest;
  let db: Database;

  beforeAll(async () => {
    engine = await start();
    db = engine.db;
    await migrate(db, { log: quiet });
  }, 240_000);

  afterAll(async () => {
    await engine?.cleanup();
  }, 60_000);

  it('detects the engine', () => {
    expect(db.engine.kind).toBe(kind);
  });

  it('migrates idempotently: a second run applies nothing', async () => {
    const again = await migrate(db, { log: quiet });
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied.map((label) => label.slice(0, 3))).toEqual(migrations.map((m) => String(m.id).padStart(3, '0')));
    const recorded = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM prm.schema_migrations');
    expect(recorded.rows[0]?.n).toBe(migrations.length);
  });

  it('writes every table in one transaction', async () => {
    const t = history[0]!;
    const p = prediction(t);
    const writer = createBatchWriter(db, { log: quiet });
    const pool = `it-${run}-pool`;
    const result = await writer.write([
      batchOf(tables.executionRequests, [rows.requestRow({ requestId: t.requestId, userId: t.userId, tier: 'FREE', priority: 1, language: 'TYPESCRIPT', code: 'console.log(1)', submittedAt: p.submittedAt })]),
      batchOf(tables.demandPredictions, [rows.predictionRow(p)]),
      batchOf(tables.clusterMetrics, [rows.clusterMetricsRow({ pool, at: at(5), instancesRunning: 3, instancesBooting: 1, cpuCapacityMillicores: 12_000, memoryCapacityBytes: 3 * 2 ** 33, cpuUtilization: 0.5, memoryUtilization: 0.4, ioUtilization: 0.1, queueDepth: 2 })]),
      batchOf(tables.clusterLoadForecasts, rows.forecastRows({ forecastId: `it-${run}-f`, pool, issuedAt: at(5), metric: 'CPU_CORES', stepMs: 300_000, model: { name: 'holt-winters', version: 'v1' }, points: [1, 2].map((i) => ({ at: at(5 + 5 * i), expected: i, p50: i, p90: i + 1, p99: i + 2 })) })),
      batchOf(tables.scaleCommands, [rows.scaleCommandRow({ commandId: `it-${run}-c`, pool, issuedAt: at(5), action: 'SCALE_OUT', deltaInstances: 2, effectiveBy: at(10), reason: 'FORECAST_DEMAND', explanation: 'forecast p90 above capacity' })]),
      batchOf(tables.jobDispatches, [rows.dispatchRow({ requestId: t.requestId, userId: t.userId, pool, instanceId: 'vm-1', dispatchedAt: t.startedAt, allocation: t.allocated, queuedMs: 1500, priorityScore: 4.2, priority: { base: 4, aging: 0.2, size: 0, deadlineUrgency: 0, explanation: 'tier STANDARD' } })]),
      batchOf(tables.executionTelemetry, [rows.telemetryRow(t)]),
      batchOf(tables.predictionErrors, rows.predictionErrorRows(p, t)),
      batchOf(tables.modelVersions, [rows.modelVersionRow({ modelName: `it-${run}-model`, version: 'v1', algorithm: 'holt-winters', trainedAt: at(60), windowStart: at(0), windowEnd: at(60), trainingRows: 12, validationMetrics: { mae: 0.1 }, baselineMetrics: { mae: 0.2 }, promoted: true, artifactUri: 'file:///tmp/m' })]),
      batchOf(tables.codeFeatures, [rows.codeFeaturesRow({ requestId: t.requestId, userId: t.userId, analyzedAt: p.submittedAt, language: 'TYPESCRIPT', parseStatus: 'OK', codeBytes: 14, lines: 1, cyclomaticComplexity: 1, maxNestingDepth: 0, loopCount: 0, maxLoopNesting: 0, functionCount: 0, recursiveFunctionCount: 0, importCount: 0, externalDependencies: ['lodash', 'zod'], literalBytes: 0, parseMs: 0.4 })]),
    ]);
    expect(result).toEqual({ inserted: 1 + 1 + 1 + 2 + 1 + 1 + 1 + 8 + 1 + 1, duplicates: 0 });
    const deps = await db.query<{ deps: string[] }>('SELECT external_dependencies AS deps FROM prm.code_features WHERE request_id = $1', [t.requestId]);
    expect(deps.rows[0]?.deps).toEqual(['lodash', 'zod']);
    const versions = await db.query<{ v: Record<string, string> }>('SELECT model_versions AS v FROM prm.demand_predictions WHERE request_id = $1', [t.requestId]);
    expect(versions.rows[0]?.v).toEqual({ 'profile-ewma': `it-${run}` });
  });

  it('replays a batch without inserting anything twice, and stores only what is new in a mixed one', async () => {
    const writer = createBatchWriter(db, { log: quiet, maxRowsPerStatement: 7 });
    const batch = history.slice(1).map(rows.telemetryRow);
    expect(await writer.write([batchOf(tables.executionTelemetry, batch)])).toEqual({ inserted: batch.length, duplicates: 0 });
    expect(await writer.write([batchOf(tables.executionTelemetry, batch)])).toEqual({ inserted: 0, duplicates: batch.length });
    const all = history.map(rows.telemetryRow);
    expect(await writer.write([batchOf(tables.executionTelemetry, all)])).toEqual({ inserted: 0, duplicates: all.length });
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM prm.execution_telemetry WHERE user_id LIKE $1', [`it-${run}-%`]);
    expect(stored.rows[0]?.n).toBe(history.length);
  });

  it('keeps a retried dispatch beside its first run, even at the same event time, and skips a replayed one', async () => {
    const writer = createBatchWriter(db, { log: quiet });
    const t = history[2]!;
    const dispatch = (attempt: number) => rows.dispatchRow({
      requestId: t.requestId, userId: t.userId, pool: `it-${run}-pool`, instanceId: 'vm-1', dispatchedAt: t.startedAt, allocation: t.allocated,
      queuedMs: 0, priorityScore: 1, priority: { base: 1, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'tier STANDARD' }, attempt,
    });
    expect(await writer.write([batchOf(tables.jobDispatches, [dispatch(1), dispatch(2)])])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await writer.write([batchOf(tables.jobDispatches, [dispatch(2)])])).toEqual({ inserted: 0, duplicates: 1 });
    const stored = await db.query<{ attempt: number }>('SELECT attempt FROM prm.job_dispatches WHERE request_id = $1 ORDER BY attempt', [t.requestId]);
    expect(stored.rows.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('keeps the telemetry of each run of a request, even ending at the same instant, and skips a replayed one', async () => {
    const writer = createBatchWriter(db, { log: quiet });
    // A run presumed lost and its retry, both refused at once (NOT_RUN) in the same millisecond.
    const report = (attempt: number) => rows.telemetryRow({ ...telemetry(998, 97, 40, 0), exitStatus: 'NOT_RUN', exitCode: null, attempt });
    expect(await writer.write([batchOf(tables.executionTelemetry, [report(1), report(2)])])).toEqual({ inserted: 2, duplicates: 0 });
    expect(await writer.write([batchOf(tables.executionTelemetry, [report(2)])])).toEqual({ inserted: 0, duplicates: 1 });
    const stored = await db.query<{ attempt: number }>('SELECT attempt FROM prm.execution_telemetry WHERE request_id = $1 ORDER BY attempt', [report(1).request_id]);
    expect(stored.rows.map((r) => r.attempt)).toEqual([1, 2]);
  });

  it('writes nothing of a transaction in which one batch fails, and does not retry a data error', async () => {
    const writer = createBatchWriter(db, { log: quiet });
    const fresh = rows.telemetryRow(telemetry(999, 3, 30, 1));
    const bad = { ...rows.clusterMetricsRow({ pool: `it-${run}-bad`, at: at(1), instancesRunning: 1, instancesBooting: 0, cpuCapacityMillicores: 1, memoryCapacityBytes: 1, cpuUtilization: 0, memoryUtilization: 0, ioUtilization: 0, queueDepth: 0 }), instances_running: 1.5 };
    await expect(writer.write([batchOf(tables.executionTelemetry, [fresh]), batchOf(tables.clusterMetrics, [bad])])).rejects.toMatchObject({ code: '22P02' });
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM prm.execution_telemetry WHERE request_id = $1', [fresh.request_id]);
    expect(stored.rows[0]?.n).toBe(0);
  });

  it('reads the rows back by time_bucket with the same answer on both engines', async () => {
    const hourly = await db.query<{ bucket: Date; n: number; cpu: number }>(
      `SELECT time_bucket(INTERVAL '1 hour', ended_at) AS bucket, count(*)::int AS n, sum(cpu_ms) AS cpu
         FROM prm.execution_telemetry WHERE user_id = $1 GROUP BY 1 ORDER BY 1`,
      [user(1)],
    );
    expect(hourly.rows.map((r) => [r.bucket.toISOString(), r.n, r.cpu])).toEqual([
      ['2024-03-04T00:00:00.000Z', 10, 55],
      ['2024-03-04T01:00:00.000Z', 10, 155],
      ['2024-03-04T02:00:00.000Z', 10, 255],
    ]);
    // Weekly buckets start on Monday 2000-01-03 on TimescaleDB; the shim uses the same origin.
    const weekly = await db.query<{ bucket: Date }>(
      `SELECT DISTINCT time_bucket(INTERVAL '7 days', ended_at) AS bucket FROM prm.execution_telemetry WHERE user_id = $1`,
      [user(2)],
    );
    expect(weekly.rows.map((r) => r.bucket.toISOString())).toEqual(['2024-03-04T00:00:00.000Z']);
    const quarterHours = await db.query<{ bucket: Date; n: number }>(
      `SELECT time_bucket(INTERVAL '15 minutes', ended_at) AS bucket, count(*)::int AS n
         FROM prm.execution_telemetry WHERE user_id = $1 GROUP BY 1 ORDER BY 1`,
      [user(2)],
    );
    expect(quarterHours.rows.map((r) => [r.bucket.toISOString().slice(11, 16), r.n])).toEqual([
      ['00:00', 1], ['00:15', 1], ['00:30', 1], ['01:00', 1], ['01:15', 1], ['01:30', 1],
    ]);
  });

  it('serves the trainer\'s windows from the aggregates after a refresh', async () => {
    await refreshAggregates(db, { from: at(-60), to: at(24 * 60) });
    const usage = await db.query<{ bucket: Date; executions: string; failures: string; cpu_ms_sum: number; cpu_ms_max: number; duration_ms_avg: number }>(
      `SELECT bucket, executions, failures, cpu_ms_sum, cpu_ms_max, duration_ms_avg FROM prm.user_usage_hourly WHERE user_id = $1 ORDER BY bucket`,
      [user(1)],
    );
    expect(usage.rows.map((r) => [r.bucket.toISOString(), Number(r.executions), Number(r.failures), r.cpu_ms_sum, r.cpu_ms_max, Math.round(r.duration_ms_avg)])).toEqual([
      ['2024-03-04T00:00:00.000Z', 10, 1, 55, 10, 2000],
      ['2024-03-04T01:00:00.000Z', 10, 1, 155, 20, 2000],
      ['2024-03-04T02:00:00.000Z', 10, 1, 255, 30, 2000],
    ]);
    const errors = await db.query<{ model_version: string; quantity: string; samples: string; mae_p50: number }>(
      `SELECT model_version, quantity, samples, mae_p50 FROM prm.prediction_error_hourly WHERE model_name = 'profile-ewma' AND model_version = $1 AND quantity = 'cpu_ms'`,
      [`it-${run}`],
    );
    expect(errors.rows).toHaveLength(1);
    expect(Number(errors.rows[0]?.samples)).toBe(1);
    expect(errors.rows[0]?.mae_p50).toBeCloseTo(9); // predicted 10, used 1
    const load = await db.query<{ samples: string; cpu_cores_used_avg: number }>(
      `SELECT samples, cpu_cores_used_avg FROM prm.cluster_load_5m WHERE pool = $1`,
      [`it-${run}-pool`],
    );
    expect(load.rows.map((r) => [Number(r.samples), r.cpu_cores_used_avg])).toEqual([[1, 6]]);
  });

  if (kind === 'postgresql') {
    it('keeps rows in monthly partitions created on demand', async () => {
      const parts = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'prm.execution_telemetry'::regclass ORDER BY 1`,
      );
      expect(parts.rows.map((r) => r.name)).toEqual(['execution_telemetry_default', 'execution_telemetry_p202403']);
      const inDefault = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM prm.execution_telemetry_default');
      expect(inDefault.rows[0]?.n).toBe(0);
    });

    it('makes partitions for the months a batch has rows in, not every month between them', async () => {
      const writer = createBatchWriter(db, { log: quiet });
      const sample = (when: Date) => rows.clusterMetricsRow({ pool: `it-${run}-months`, at: when, instancesRunning: 1, instancesBooting: 0, cpuCapacityMillicores: 1000,
        memoryCapacityBytes: 2 ** 30, cpuUtilization: 0.5, memoryUtilization: 0.5, ioUtilization: 0, queueDepth: 0 });
      await writer.write([batchOf(tables.clusterMetrics, [sample(new Date('2001-06-15T00:00:00Z')), sample(new Date('2003-02-10T00:00:00Z'))])]);
      const parts = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'prm.cluster_metrics'::regclass AND c.relname BETWEEN 'cluster_metrics_p2000' AND 'cluster_metrics_p2004' ORDER BY 1`,
      );
      expect(parts.rows.map((r) => r.name)).toEqual(['cluster_metrics_p200106', 'cluster_metrics_p200302']);
    });

    it('makes each month its partition in UTC whatever the session\'s time zone', async () => {
      // New York's DST ends on 3 November 2024: months counted in that zone gave a November that
      // overlapped December, and every December row was refused.
      const bounds = await db.session(async (session) => {
        await session.query(`SET TimeZone = 'America/New_York'`);
        await session.query(`SELECT prm.ensure_partitions('prm.cluster_metrics'::regclass, '2024-10-15T00:00:00Z', '2024-12-15T00:00:00Z')`);
        await session.query(`SET TimeZone = 'UTC'`);
        return session.query<{ name: string; bound: string }>(
          `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'prm.cluster_metrics'::regclass AND c.relname > 'cluster_metrics_p202409' ORDER BY 1`,
        );
      });
      expect(bounds.rows.map((r) => [r.name, r.bound])).toEqual([
        ['cluster_metrics_p202410', "FOR VALUES FROM ('2024-10-01 00:00:00+00') TO ('2024-11-01 00:00:00+00')"],
        ['cluster_metrics_p202411', "FOR VALUES FROM ('2024-11-01 00:00:00+00') TO ('2024-12-01 00:00:00+00')"],
        ['cluster_metrics_p202412', "FOR VALUES FROM ('2024-12-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')"],
      ]);
    });
  } else {
    it('keeps rows in hypertable chunks', async () => {
      const chunks = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM show_chunks('prm.execution_telemetry', older_than => TIMESTAMPTZ '2024-03-06', newer_than => TIMESTAMPTZ '2024-03-03')`);
      expect(chunks.rows[0]?.n).toBeGreaterThanOrEqual(1);
    });
  }
});
