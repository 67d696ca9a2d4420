import { createAnalyzer } from '../../../models/code/analyzer';
import type { Estimator } from '../../../models/code/estimator';
import type { ExecutionRequest, ExecutionTelemetry } from '../../../schemas/types.generated';
import { ManualClock } from '../../../streams/runtime/clock';
import { localTopics } from '../../../streams/processors/event-topics';

export const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);

/** A clock at T0 and topics validated against it, as the driver runs them. */
export function setup() {
  const clock = new ManualClock(T0);
  return { clock, topics: localTopics(() => clock.now()) };
}

export const analyzer = createAnalyzer({ cacheSize: 16 });

/**
 * A deterministic stand-in for the trained code estimator: usage grows with the analyser's
 * estimated operations, so code that does more is predicted to cost more.
 */
export const opsEstimator: Estimator = {
  name: 'log-ridge',
  estimate: (fs) =>
    fs.map((f) => {
      const base = 5 + f.estimatedOps / 1000;
      const q = (x: number) => ({ p50: x, p90: 2 * x, p99: 4 * x });
      return { cpu_ms: q(base), peak_memory_mb: q(30 + f.estimatedAllocations / 1e5), duration_ms: q(base * 1.2) };
    }),
  dispose: () => {},
};

export function request(over: Partial<ExecutionRequest> & { requestId: string; userId: string }): ExecutionRequest {
  return {
    tier: 'STANDARD',
    priority: 5,
    language: 'JAVASCRIPT',
    code: 'let s = 0; for (let i = 0; i < 1000; i++) s += i; console.log(s);',
    submittedAt: new Date(T0),
    deadline: null,
    resourceHints: null,
    ...over,
  };
}

export function telemetry(over: Partial<ExecutionTelemetry> & { requestId: string; userId: string; startedAt: Date }): ExecutionTelemetry {
  const cpuMs = over.cpuMs ?? 100;
  return {
    instanceId: 'pool-a-0',
    endedAt: new Date(over.startedAt.getTime() + cpuMs + 20),
    cpuMs,
    peakMemoryBytes: 64 * 1024 * 1024,
    ioReadBytes: 1024,
    ioWriteBytes: 2048,
    exitStatus: 'OK',
    exitCode: 0,
    allocated: { cpuMillicores: 1000, memoryBytes: 256 * 1024 * 1024, timeoutMs: 10_000 },
    ...over,
  };
}
