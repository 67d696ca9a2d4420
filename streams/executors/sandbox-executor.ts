import type { Executor, ExecutionResult } from '../../sandbox/executor';
import type { Limits } from '../../sandbox/limits';
import type { ExecutionRequest, ExecutionTelemetry, JobDispatch, ResourceAllocation } from '../../schemas/types.generated';

const MiB = 1024 * 1024;
/** The sandbox's own ceilings (sandbox/limits.ts): an allocation above them is run at them. */
const CEILING = { cpuMs: 3_600_000, memoryMb: 65_536, wallMs: 3_600_000 };

const clamp = (x: number, max: number) => Math.min(max, Math.max(1, Math.floor(x)));

/**
 * The sandbox limits of an allocation: the wall-clock limit as given, CPU time as the reserved
 * cores over that wall time (a 500-millicore job for 10 s may burn 5 s of CPU), memory in MiB.
 */
export function sandboxLimits(a: ResourceAllocation): Limits {
  return {
    cpuMs: clamp(Math.ceil((a.cpuMillicores / 1000) * a.timeoutMs), CEILING.cpuMs),
    memoryMb: clamp(a.memoryBytes / MiB, CEILING.memoryMb),
    wallMs: clamp(a.timeoutMs, CEILING.wallMs),
  };
}

/** What the sandbox measured, as the telemetry event; times are the host's wall clock. */
export function telemetryOf(d: JobDispatch, result: ExecutionResult, host: string, startedAt: number, endedAt: number): ExecutionTelemetry {
  return {
    requestId: d.requestId, userId: d.userId, instanceId: host,
    startedAt: new Date(startedAt), endedAt: new Date(Math.max(startedAt, endedAt)),
    cpuMs: result.cpu_ms, peakMemoryBytes: Math.round(result.peak_memory_mb * MiB),
    ioReadBytes: result.io_read_bytes, ioWriteBytes: result.io_write_bytes,
    exitStatus: result.status,
    // A code the process chose; a kill by a limit or a signal has none.
    exitCode: result.signal === 0 && (result.status === 'OK' || result.status === 'ERROR') ? result.exit_code : null,
    allocated: d.allocation,
    attempt: d.attempt ?? 1,
  };
}

/**
 * The outcome of a dispatch the executor could not run at all (its request never reached the
 * executor): NOT_RUN, having used nothing.
 * It is still reported, because the scheduler frees a run's room only when its telemetry comes;
 * a dispatch dropped without a word would hold its room for good.
 */
export function notRunTelemetry(d: JobDispatch, host: string, at: number): ExecutionTelemetry {
  return {
    requestId: d.requestId, userId: d.userId, instanceId: host, startedAt: new Date(at), endedAt: new Date(at),
    cpuMs: 0, peakMemoryBytes: 0, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'NOT_RUN', exitCode: null, allocated: d.allocation,
    attempt: d.attempt ?? 1,
  };
}

/** Runs one dispatched request's code in the sandbox under its allocation. */
export async function executeDispatch(
  d: JobDispatch, request: Pick<ExecutionRequest, 'code' | 'language'>, executor: Executor, host: string, now: () => number,
): Promise<ExecutionTelemetry> {
  const startedAt = now();
  const result = await executor.run({ code: request.code, typescript: request.language === 'TYPESCRIPT', limits: sandboxLimits(d.allocation) });
  return telemetryOf(d, result, host, startedAt, now());
}

/**
 * Requests by id, for executors whose dispatches arrive keyed differently from the requests
 * (prm.dispatches by request id, prm.requests by user id). Bounded: the oldest go first.
 */
export class RequestCache {
  private readonly byId = new Map<string, Pick<ExecutionRequest, 'code' | 'language' | 'userId'>>();

  constructor(private readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`request cache capacity must be a positive integer, got ${capacity}`);
  }

  put(r: ExecutionRequest): void {
    this.byId.delete(r.requestId);
    this.byId.set(r.requestId, { code: r.code, language: r.language, userId: r.userId });
    if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value as string);
  }

  get(requestId: string): Pick<ExecutionRequest, 'code' | 'language' | 'userId'> | undefined {
    return this.byId.get(requestId);
  }

  get size(): number {
    return this.byId.size;
  }
}
