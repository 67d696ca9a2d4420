import type { ExecutionTelemetry, PredictedDemand } from '../../schemas/types.generated';

const MIB = 1024 ** 2;
const quantiles = (x: number) => ({ p50: x, p90: 1.5 * x, p99: 2 * x });

/**
 * The prediction the in-process scheduler benches feed for request `bench-<i>`: a minute's run
 * (p90 1.5 min, p99 2 min) of a second's CPU, so it reserves the scheduler's least cores (0.1),
 * and 256 MiB at p50. The benches end runs well within their timeout (three times the p99, at
 * most 5 min): none is presumed lost.
 */
export function benchPrediction(i: number, atMs: number, userId: string): PredictedDemand {
  return {
    requestId: `bench-${i}`, userId, predictedAt: new Date(atMs), submittedAt: new Date(atMs), tier: 'STANDARD', priority: i % 10, deadline: null,
    cpuMs: quantiles(1000), peakMemoryBytes: quantiles(256 * MIB), ioBytes: quantiles(0), durationMs: quantiles(60_000), components: [], profileObservations: 0,
  };
}

/** The telemetry of `bench-<i>`'s run: it ended OK at `endedAtMs`, having started at `startedAtMs`. */
export function benchTelemetry(i: number, userId: string, instanceId: string, startedAtMs: number, endedAtMs: number): ExecutionTelemetry {
  return {
    requestId: `bench-${i}`, userId, instanceId, startedAt: new Date(startedAtMs), endedAt: new Date(endedAtMs),
    cpuMs: 900, peakMemoryBytes: 200 * MIB, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK', exitCode: 0,
    allocated: { cpuMillicores: 1000, memoryBytes: 300 * MIB, timeoutMs: 300_000 },
  };
}
