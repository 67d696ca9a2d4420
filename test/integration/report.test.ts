import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchOf, connectDatabase, createBatchWriter, migrate, rows, tables, type Database } from '../../sinks';
import { loadReportData, writeRunReport, type ReportData } from '../../sinks/report';
import { freshPlainDatabase, type EngineUnderTest } from '../support/databases';
import type {
  ClusterLoadForecastRow,
  ClusterMetricsRow,
  DemandPredictionRow,
  ExecutionRequestRow,
  ExecutionTelemetryRow,
  JobDispatchRow,
  ScaleCommandRow,
} from '../../sinks/tables';

/**
 * The run report's reads on both engines: one run's rows beside rows of other runs (one whose id
 * differs only where an unescaped LIKE '_' would match, one whose id extends the run's) and of
 * another pool, which must not count. Expected figures are worked out by hand below.
 */

const quiet = () => undefined;
const rand = randomUUID().replace(/-/g, '').slice(0, 10);
const runId = `rep_${rand}`;
const lookalikeRun = `repX${rand}`; // matches 'rep_<rand>/%' if '_' were a wildcard
const extendedRun = `rep_${rand}-b`; // starts with the run id, but not with '<run id>/'
const pool = `rep-${rand}-pool`;
const otherPool = `rep-${rand}-other`;
const base = Date.parse('2024-03-04T10:00:00Z');
const at = (seconds: number) => new Date(base + seconds * 1000);
const scope = { runId, pool, from: at(0), to: at(600), bucketMs: 60_000 };

function request(run: string, id: string, user: string, tier: string, submittedS: number): ExecutionRequestRow {
  return {
    submitted_at: at(submittedS), request_id: `${run}/${id}`, user_id: user, tier, priority: 5, language: 'JAVASCRIPT',
    code_bytes: 100, code_sha256: 'x', deadline: null, hint_cpu_ms: null, hint_memory_bytes: null, hint_timeout_ms: null,
  };
}

interface Estimate { p50: number; p90: number }
// Every run peaks at 1000 bytes (telemetry below): the profile's p90 of 1000 fits it, the ridge's 500 does not.
const component = (name: string, version: string, cpu: Estimate, memoryP90: number) => ({
  source: 'USER_PROFILE', model: { name, version }, weight: 0.5,
  cpuMs: { ...cpu, p99: cpu.p90 * 2 }, peakMemoryBytes: { p50: 1, p90: memoryP90, p99: memoryP90 * 2 }, ioBytes: { p50: 1, p90: 2, p99: 3 }, durationMs: { p50: 1, p90: 2, p99: 3 },
});

function prediction(
  run: string, id: string, user: string, tier: string, submittedS: number, predictedS: number, combined: Estimate, profile: [string, Estimate], ridge: Estimate, memoryP90 = 900,
): DemandPredictionRow {
  return {
    predicted_at: at(predictedS), request_id: `${run}/${id}`, user_id: user, submitted_at: at(submittedS), tier, priority: 5,
    cpu_ms_p50: combined.p50, cpu_ms_p90: combined.p90, cpu_ms_p99: combined.p90 * 2,
    peak_memory_bytes_p50: 1, peak_memory_bytes_p90: memoryP90, peak_memory_bytes_p99: memoryP90 * 2, io_bytes_p50: 1, io_bytes_p90: 2, io_bytes_p99: 3,
    duration_ms_p50: 1000, duration_ms_p90: 2000, duration_ms_p99: 3000,
    model_versions: { 'profile-ewma': profile[0], 'code-ridge': 'v1' },
    components: [component('profile-ewma', profile[0], profile[1], 1000), component('code-ridge', 'v1', ridge, 500)],
    profile_observations: 3,
  };
}

function telemetry(run: string, id: string, user: string, startS: number, endS: number, cpuMs: number, status = 'OK'): ExecutionTelemetryRow {
  return {
    ended_at: at(endS), request_id: `${run}/${id}`, user_id: user, instance_id: 'vm-1', started_at: at(startS), cpu_ms: cpuMs,
    peak_memory_bytes: 1000, io_read_bytes: 0, io_write_bytes: 0, exit_status: status, exit_code: status === 'OK' ? 0 : 1,
    allocated_cpu_millicores: 1000, allocated_memory_bytes: 2 ** 30, allocated_timeout_ms: 30_000, attempt: 1,
  };
}

function dispatch(run: string, id: string, user: string, dispatchedS: number, queuedMs: number, inPool = pool): JobDispatchRow {
  return {
    dispatched_at: at(dispatchedS), request_id: `${run}/${id}`, user_id: user, pool: inPool, instance_id: 'vm-1',
    allocated_cpu_millicores: 1000, allocated_memory_bytes: 2 ** 30, allocated_timeout_ms: 30_000, queued_ms: queuedMs, priority_score: 1, priority: {}, attempt: 1,
  };
}

/** Through the sink's own mapping, so columns added to cluster_metrics later get their defaults. */
function metrics(inPool: string, atS: number, running: number): ClusterMetricsRow {
  return rows.clusterMetricsRow({
    at: at(atS), pool: inPool, instancesRunning: running, instancesBooting: running === 3 ? 1 : 0, cpuCapacityMillicores: 2000 * running,
    // Memory in use and reservations grow with the fleet, so a mean over instance time differs from one over samples.
    memoryCapacityBytes: 2 ** 32, cpuUtilization: 0.5, memoryUtilization: 0.1 * running, ioUtilization: 0.1, queueDepth: 0, reservedFraction: 0.25 * running,
  });
}

function forecast(inPool: string, metric: string, issuedS: number, targetS: number, p50: number): ClusterLoadForecastRow {
  return {
    issued_at: at(issuedS), forecast_id: `${inPool}-f${issuedS}`, pool: inPool, metric, step_ms: 60_000, model_name: 'holt-winters',
    model_version: 'v1', target_at: at(targetS), expected: p50, p50, p90: p50 + 1, p99: p50 + 2,
  };
}

function scale(inPool: string, id: string, issuedS: number, action: string, target: number | null, delta: number | null, reason: string): ScaleCommandRow {
  return {
    issued_at: at(issuedS), command_id: `${inPool}-${id}`, pool: inPool, action, target_instances: target, delta_instances: delta,
    effective_by: at(issuedS + 60), reason, explanation: `${reason}: explained`, forecast_id: null,
  };
}

/** u1 (FREE) has r1, r2, r5, r6, r7; u2 (PREMIUM) has r3, r4. Only r1..r4 were predicted and ran. */
function runRows(run: string, scale10 = 1) {
  const e = (p50: number, p90: number) => ({ p50: p50 * scale10, p90: p90 * scale10 });
  return {
    requests: [
      request(run, 'r1', 'u1', 'FREE', 5), request(run, 'r2', 'u1', 'FREE', 65), request(run, 'r3', 'u2', 'PREMIUM', 305),
      request(run, 'r4', 'u2', 'PREMIUM', 365), request(run, 'r5', 'u1', 'FREE', 400), request(run, 'r6', 'u1', 'FREE', 410),
      request(run, 'r7', 'u1', 'FREE', 420),
    ],
    predictions: [
      prediction(run, 'r1', 'u1', 'FREE', 5, 10, e(80, 120), ['v1', e(90, 95)], e(150, 200)),
      // A later re-prediction of r1: the report compares the first one, the one the scheduler used.
      prediction(run, 'r1', 'u1', 'FREE', 5, 120, e(9999, 9999), ['v1', e(9999, 9999)], e(9999, 9999)),
      prediction(run, 'r2', 'u1', 'FREE', 65, 70, e(260, 300), ['v1', e(210, 230)], e(100, 150)),
      prediction(run, 'r3', 'u2', 'PREMIUM', 305, 310, e(50, 60), ['v2', e(40, 45)], e(70, 90)),
      // Its p90 memory of 800 reserves 920 bytes, short of the 1000 the run took; r1..r3's 900 reserve 1035.
      prediction(run, 'r4', 'u2', 'PREMIUM', 365, 370, e(300, 350), ['v2', e(390, 420)], e(500, 600), 800),
    ],
    telemetry: [
      telemetry(run, 'r1', 'u1', 30, 90, 100 * scale10),
      telemetry(run, 'r2', 'u1', 80, 100, 200 * scale10, 'ERROR'),
      telemetry(run, 'r3', 'u2', 320, 325, 50 * scale10),
      telemetry(run, 'r4', 'u2', 390, 510, 400 * scale10),
      // Executions across the window's edges (no request or prediction rows): only their part inside counts.
      telemetry(run, 'r8', 'u3', -30, 30, 60 * scale10),
      telemetry(run, 'r9', 'u3', 570, 630, 120 * scale10),
    ],
    dispatches: [
      dispatch(run, 'r1', 'u1', 30, 100 * scale10), dispatch(run, 'r2', 'u1', 80, 200 * scale10), dispatch(run, 'r5', 'u1', 450, 300 * scale10),
      // r7's run is a retry (its first ran out of memory before the window).
      dispatch(run, 'r6', 'u1', 460, 400 * scale10), { ...dispatch(run, 'r7', 'u1', 470, 1000 * scale10), attempt: 2 },
      // r3 and r4 reach the pool 2 s and 6 s after their dispatch; r1 and r2 at once.
      dispatch(run, 'r3', 'u2', 318, 10 * scale10), dispatch(run, 'r4', 'u2', 384, 20 * scale10),
    ],
  };
}

const running = [1, 1, 2, 2, 3, 3, 2, 2, 1, 1];

async function writeFixture(db: Database): Promise<void> {
  const mine = runRows(runId);
  const others = [runRows(lookalikeRun, 10), runRows(extendedRun, 10)];
  const all = [mine, ...others];
  await createBatchWriter(db, { log: quiet }).write([
    batchOf(tables.executionRequests, all.flatMap((r) => r.requests)),
    batchOf(tables.demandPredictions, all.flatMap((r) => r.predictions)),
    batchOf(tables.executionTelemetry, all.flatMap((r) => r.telemetry)),
    batchOf(tables.jobDispatches, all.flatMap((r) => r.dispatches)),
    batchOf(tables.clusterMetrics, [
      ...running.map((n, i) => metrics(pool, i * 60, n)),
      metrics(pool, 660, 9), // after the window
      ...running.map((_, i) => metrics(otherPool, i * 60, 7)),
    ]),
    batchOf(tables.clusterLoadForecasts, [
      forecast(pool, 'CPU_CORES', 60, 180, 1), forecast(pool, 'CPU_CORES', 120, 180, 2), forecast(pool, 'MEMORY_BYTES', 120, 180, 1e9),
      forecast(otherPool, 'CPU_CORES', 150, 180, 50),
    ]),
    batchOf(tables.scaleCommands, [
      scale(pool, 'c1', 90, 'SCALE_OUT', 2, null, 'queue <b>growing</b>'), scale(pool, 'c2', 430, 'SCALE_IN', null, 1, 'idle'),
      scale(pool, 'c3', 720, 'SCALE_IN', null, 1, 'after the window'), scale(otherPool, 'c1', 100, 'SCALE_OUT', 9, null, 'other pool'),
    ]),
  ]);
}

async function timescale(): Promise<EngineUnderTest> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run with the integration globalSetup');
  const db = await connectDatabase({ url, log: quiet, connectAttempts: 3 });
  return {
    db,
    async cleanup() {
      // The shared database keeps other tests' rows: remove only this file's.
      for (const table of ['execution_requests', 'execution_telemetry', 'demand_predictions', 'job_dispatches']) {
        await db.query(`DELETE FROM prm.${table} WHERE strpos(request_id, $1) > 0`, [rand]);
      }
      for (const table of ['cluster_metrics', 'cluster_load_forecasts', 'scale_commands']) {
        await db.query(`DELETE FROM prm.${table} WHERE strpos(pool, $1) > 0`, [rand]);
      }
      await db.close();
    },
  };
}

function plain(): Promise<EngineUnderTest> {
  return freshPlainDatabase(`prm_report_${rand}`);
}

describe.each([
  ['TimescaleDB', timescale, 'timescaledb'],
  ['plain PostgreSQL', plain, 'postgresql'],
] as const)('run report on %s', (_name, start, kind) => {
  let engine: EngineUnderTest;
  let data: ReportData;

  beforeAll(async () => {
    engine = await start();
    await migrate(engine.db, { log: quiet });
    await writeFixture(engine.db);
    data = await loadReportData(engine.db, scope);
  }, 240_000);

  afterAll(async () => {
    await engine?.cleanup();
  }, 60_000);

  it('runs on the engine it was given', () => {
    expect(engine.db.engine.kind).toBe(kind);
  });

  it('counts only the run and its pool', () => {
    const t = data.totals;
    expect({ requests: t.requests, users: t.users, predictions: t.predictions, dispatches: t.dispatches, retries: t.retries, telemetry: t.telemetry, failed: t.failedExecutions })
      .toEqual({ requests: 7, users: 2, predictions: 5, dispatches: 7, retries: 1, telemetry: 6, failed: 1 });
    // Samples at 0..540 s, each lasting until the next: (1+1+2+2+3+3+2+2+1) × 60 s; the last (540 s) adds nothing.
    expect(t.instanceHours).toBeCloseTo((17 * 60) / 3600, 9);
    expect(t).toMatchObject({ peakInstances: 3, metricsSamples: 10, scaleOuts: 1, scaleIns: 1 });
    expect(t.meanCpuUtilization).toBeCloseTo(0.5, 9);
    // Weighted by instances × 60 s: Σn² / Σn over the nine samples with a successor = 37 / 17 (over samples it would be 18 / 10).
    expect(t.meanMemoryUtilization).toBeCloseTo((0.1 * 37) / 17, 9);
    expect(t.meanReservedFraction).toBeCloseTo((0.25 * 37) / 17, 9);
    // Combined prediction vs actual: |100−80|, |200−260|, |50−50|, |400−300|; covered by p90: 100≤120, 200≤300, 50≤60, not 400≤350.
    expect(t.maeCpuMsP50).toBeCloseTo(45, 9);
    expect(t.coverageP90).toBeCloseTo(0.75, 9);
    // The runs with a dispatch (r1..r4; r8 and r9 have none): dispatch to start 0, 0, 2 and 6 s, runs of 60, 20, 5 and 120 s.
    expect(t.dispatchToStartMsP50).toBeCloseTo(1000, 6);
    expect(t.dispatchToStartMsP95).toBeCloseTo(2000 + 0.85 * 4000, 6);
    expect(t.runMsP50).toBeCloseTo(40_000, 6);
    expect(t.firstSubmittedAt).toBe(at(5).getTime());
    expect(t.lastEndedAt).toBe(at(630).getTime());
  });

  it('gives queue delay percentiles per tier, most entitled tier first', () => {
    // FREE: 100, 200, 300, 400, 1000 ms (interpolated: p95 at rank 3.8 = 400 + 0.8 × 600); PREMIUM: 10, 20 ms.
    expect(data.queueDelay.map((d) => d.tier)).toEqual(['PREMIUM', 'FREE']);
    const [premium, free] = data.queueDelay;
    expect(free).toMatchObject({ dispatches: 5, meanMs: 400, p50Ms: 300, maxMs: 1000 });
    expect(free?.p95Ms).toBeCloseTo(880, 9);
    expect(free?.p99Ms).toBeCloseTo(976, 9);
    expect(premium).toMatchObject({ dispatches: 2, meanMs: 15, p50Ms: 15, maxMs: 20 });
    expect(premium?.p95Ms).toBeCloseTo(19.5, 9);
  });

  it('gives the CPU error of every model version, in the order versions appeared', () => {
    const byKey = data.predictionError.map((e) => [e.model, e.version, e.samples, round(e.maeCpuMsP50), round(e.coverageP90), round(e.memoryFitsReservation), e.firstSeen]);
    expect(byKey).toEqual([
      // first seen with r1 (predicted at 10 s): |100−150|, |200−100|, |50−70|, |400−500| → 67.5; covered 3 of 4; memory p90 500 × 1.15 < 1000
      ['code-ridge', 'v1', 4, 67.5, 0.75, 0, at(10).getTime()],
      ['combined', 'code-ridge@v1 + profile-ewma@v1', 2, 40, 1, 1, at(10).getTime()],
      ['profile-ewma', 'v1', 2, 10, 0.5, 1, at(10).getTime()],
      // retrained profile model from r3 (predicted at 310 s) on; r4's combined memory p90 fell short
      ['combined', 'code-ridge@v1 + profile-ewma@v2', 2, 50, 0.5, 0.5, at(310).getTime()],
      ['profile-ewma', 'v2', 2, 10, 0.5, 1, at(310).getTime()],
    ]);
    const ridge = data.predictionError[0];
    expect(ridge?.biasCpuMsP50).toBeCloseTo((-50 + 100 - 20 - 100) / 4, 9);
    expect(ridge?.meanActualCpuMs).toBeCloseTo(187.5, 9);
  });

  it('buckets cluster demand, pool state and forecasts over the window', () => {
    expect(data.scope.bucketMs).toBe(60_000);
    expect(data.cluster.map((p) => p.t)).toEqual(running.map((_, i) => at(i * 60).getTime()));
    const perMinute = (cpuMs: number) => cpuMs / 60_000;
    // r1 runs 30..90 s (100 ms of CPU, half in each minute), r2 80..100 s, r3 320..325 s, r4 390..510 s (400 ms: 100, 200, 100),
    // r8 −30..30 s and r9 570..630 s (half of each inside the window).
    expect(data.cluster.map((p) => round(p.executedCores * 60_000))).toEqual([80, 250, 0, 0, 0, 50, 100, 200, 100, 60]);
    expect(data.cluster.map((p) => round(p.arrivedCores * 60_000))).toEqual([100, 200, 0, 0, 0, 50, 400, 0, 0, 0]);
    expect(data.cluster.map((p) => round(p.predictedP50Cores * 60_000))).toEqual([80, 260, 0, 0, 0, 50, 300, 0, 0, 0]);
    expect(data.cluster[6]?.predictedP90Cores).toBeCloseTo(perMinute(350), 12);
    expect(data.cluster.map((p) => p.requests)).toEqual([1, 1, 0, 0, 0, 1, 1, 0, 0, 0]);
    expect(data.cluster.map((p) => p.instancesRunning)).toEqual(running);
    expect(data.cluster.map((p) => p.capacityCores)).toEqual(running.map((n) => 2 * n));
    expect(data.cluster.map((p) => p.usedCores)).toEqual(running.map((n) => n));
    expect(data.cluster[4]?.instancesBooting).toBe(1);
    // Target 180 s had two CPU forecasts; the one issued last (p50 2) counts, not the other pool's.
    expect(data.cluster.map((p) => p.forecastCores)).toEqual([null, null, null, 2, null, null, null, null, null, null]);
  });

  it('lists the pool scale commands of the window with their reasons', () => {
    expect(data.scaleCommands).toEqual([
      { t: at(90).getTime(), action: 'SCALE_OUT', targetInstances: 2, deltaInstances: null, effectiveBy: at(150).getTime(), reason: 'queue <b>growing</b>', explanation: 'queue <b>growing</b>: explained' },
      { t: at(430).getTime(), action: 'SCALE_IN', targetInstances: null, deltaInstances: 1, effectiveBy: at(490).getTime(), reason: 'idle', explanation: 'idle: explained' },
    ]);
  });

  it('compares predictions with executions for the busiest users', () => {
    expect(data.users.map((u) => [u.userId, u.requests, u.compared, round(u.maeCpuMsP50 ?? NaN), u.coverageP90])).toEqual([
      ['u1', 5, 2, 40, 1],
      ['u2', 2, 2, 50, 0.5],
    ]);
    const u2 = data.users[1];
    expect(u2?.points.map((p) => [p.t, p.requests, p.predictedCpuMsP50, p.predictedCpuMsP90, p.actualCpuMs, p.predictedDurationMsP50, p.actualDurationMs])).toEqual([
      [at(300).getTime(), 1, 50, 60, 50, 1000, 5000],
      [at(360).getTime(), 1, 300, 350, 400, 1000, 120_000],
    ]);
  });

  it('refuses a window that ends before it starts, and buckets too small for it', async () => {
    await expect(loadReportData(engine.db, { ...scope, to: scope.from })).rejects.toThrow(/must end after it starts/);
    await expect(loadReportData(engine.db, { ...scope, bucketMs: 100 })).rejects.toThrow(/more than 5000/);
  });

  it('keeps only the top users asked for', async () => {
    const one = await loadReportData(engine.db, { ...scope, topUsers: 1 });
    expect(one.users.map((u) => u.userId)).toEqual(['u1']);
  });

  it('writes report.html and report.json for the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prm-report-'));
    try {
      const written = await writeRunReport(engine.db, scope, join(dir, 'runs', runId), { notes: ['replayed <trace>'] });
      expect(written.htmlPath).toBe(join(dir, 'runs', runId, 'report.html'));
      expect(written.jsonPath).toBe(join(dir, 'runs', runId, 'report.json'));
      const html = readFileSync(written.htmlPath, 'utf8');
      expect(html).toContain(`<title>PRM run ${runId}</title>`);
      expect(html).toContain('replayed &#60;trace&#62;');
      expect(html).toContain(`data-chart="cluster-demand"`);
      expect(html).not.toContain('<b>growing</b>');
      expect(JSON.parse(readFileSync(written.jsonPath, 'utf8'))).toEqual(JSON.parse(JSON.stringify(written.data)));
      expect(written.summary).toContain('PREMIUM');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
