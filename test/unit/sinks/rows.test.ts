import { COMBINED_MODEL, forecastRows, predictionErrorRows, predictionRow, requestRow, telemetryRow } from '../../../sinks/rows';
import type { ExecutionTelemetry, PredictedDemand } from '../../../schemas/types.generated';

const q = (p50: number) => ({ p50, p90: p50 * 2, p99: p50 * 3 });
const t0 = new Date('2026-01-05T10:00:00Z');

const prediction: PredictedDemand = {
  requestId: 'r1',
  userId: 'u1',
  predictedAt: t0,
  submittedAt: t0,
  tier: 'FREE',
  priority: 3,
  deadline: null,
  cpuMs: q(100),
  peakMemoryBytes: q(1000),
  ioBytes: q(10),
  durationMs: q(200),
  components: [
    { source: 'USER_PROFILE', model: { name: 'profile-ewma', version: 'v7' }, weight: 0.6, cpuMs: q(90), peakMemoryBytes: q(900), ioBytes: q(9), durationMs: q(180) },
    { source: 'CODE_ANALYSIS', model: { name: 'code-ridge', version: 'v2' }, weight: 0.4, cpuMs: q(120), peakMemoryBytes: q(1100), ioBytes: q(11), durationMs: q(230) },
  ],
  profileObservations: 12,
};

const telemetry: ExecutionTelemetry = {
  requestId: 'r1',
  userId: 'u1',
  instanceId: 'vm-1',
  startedAt: new Date(t0.getTime() + 1000),
  endedAt: new Date(t0.getTime() + 1250),
  cpuMs: 150,
  peakMemoryBytes: 800,
  ioReadBytes: 4,
  ioWriteBytes: 3,
  exitStatus: 'OK',
  exitCode: 0,
  allocated: { cpuMillicores: 500, memoryBytes: 4096, timeoutMs: 10_000 },
};

describe('row mappings', () => {
  it('stores a request by size and hash, never the code', () => {
    const row = requestRow({ requestId: 'r1', userId: 'u1', tier: 'PREMIUM', priority: 9, language: 'JAVASCRIPT', code: 'é', submittedAt: t0, resourceHints: { cpuMs: 5 } });
    expect(row.code_bytes).toBe(2);
    expect(row.code_sha256).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    expect(Object.values(row)).not.toContain('é');
    expect(row.hint_cpu_ms).toBe(5);
    expect(row.hint_memory_bytes).toBeNull();
  });

  it('flattens telemetry allocations', () => {
    expect(telemetryRow(telemetry)).toMatchObject({ ended_at: telemetry.endedAt, allocated_cpu_millicores: 500, allocated_timeout_ms: 10_000, exit_code: 0 });
  });

  it('keeps the model version of every component of a prediction', () => {
    const row = predictionRow(prediction);
    expect(row.model_versions).toEqual({ 'profile-ewma': 'v7', 'code-ridge': 'v2' });
    expect(row.cpu_ms_p90).toBe(200);
    expect(row.duration_ms_p99).toBe(600);
  });

  it('turns a forecast into one row per horizon point', () => {
    const rows = forecastRows({
      forecastId: 'f1',
      pool: 'default',
      issuedAt: t0,
      metric: 'CPU_CORES',
      stepMs: 300_000,
      model: { name: 'holt-winters', version: 'v1' },
      points: [1, 2, 3].map((i) => ({ at: new Date(t0.getTime() + i * 300_000), expected: i, p50: i, p90: i + 1, p99: i + 2 })),
    });
    expect(rows.map((r) => r.target_at.getTime() - t0.getTime())).toEqual([300_000, 600_000, 900_000]);
    expect(new Set(rows.map((r) => r.forecast_id))).toEqual(new Set(['f1']));
  });

  it('measures prediction error per model version and quantity against what the run used', () => {
    const rows = predictionErrorRows(prediction, telemetry);
    expect(rows).toHaveLength(3 * 4);
    const combinedCpu = rows.find((r) => r.model_name === COMBINED_MODEL.name && r.quantity === 'cpu_ms');
    expect(combinedCpu).toMatchObject({ predicted_p50: 100, predicted_p90: 200, actual: 150, observed_at: telemetry.endedAt });
    const codeDuration = rows.find((r) => r.model_name === 'code-ridge' && r.quantity === 'duration_ms');
    expect(codeDuration).toMatchObject({ model_version: 'v2', predicted_p50: 230, actual: 250 });
    const profileIo = rows.find((r) => r.model_name === 'profile-ewma' && r.quantity === 'io_bytes');
    expect(profileIo?.actual).toBe(7);
  });

  it('refuses to compare a prediction with another request\'s telemetry', () => {
    expect(() => predictionErrorRows(prediction, { ...telemetry, requestId: 'r2' })).toThrow(/different requests/);
  });
});
