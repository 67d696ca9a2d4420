import type { ExecutionRequest, JobDispatch } from '../../../schemas/types.generated';
import { notRunTelemetry, RequestCache, sandboxLimits, telemetryOf } from '../../../streams/executors/sandbox-executor';

describe('sandbox executor core', () => {
  it('turns an allocation into sandbox limits: CPU is the reserved cores over the wall limit', () => {
    expect(sandboxLimits({ cpuMillicores: 500, memoryBytes: 256 * 1024 * 1024, timeoutMs: 10_000 })).toEqual({ cpuMs: 5000, memoryMb: 256, wallMs: 10_000 });
    // Above the sandbox's ceilings the job runs at them; a tiny allocation still gets 1 unit.
    expect(sandboxLimits({ cpuMillicores: 64_000, memoryBytes: 1e15, timeoutMs: 7_200_000 })).toEqual({ cpuMs: 3_600_000, memoryMb: 65_536, wallMs: 3_600_000 });
    expect(sandboxLimits({ cpuMillicores: 1, memoryBytes: 1, timeoutMs: 1 })).toEqual({ cpuMs: 1, memoryMb: 1, wallMs: 1 });
  });

  it('reports which run of the request it measured, ran or not, so the scheduler settles that run alone', () => {
    const dispatch: JobDispatch = {
      requestId: 'r', userId: 'u', pool: 'p', instanceId: 'vm', dispatchedAt: new Date(1000), queuedMs: 0, priorityScore: 1,
      allocation: { cpuMillicores: 1000, memoryBytes: 2 ** 28, timeoutMs: 10_000 },
      priority: { base: 1, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'test' }, attempt: 2,
    };
    const result = {
      status: 'OK' as const, cpu_ms: 40, cpu_user_ms: 30, cpu_sys_ms: 10, peak_memory_mb: 12, io_read_bytes: 0, io_write_bytes: 0, wall_ms: 50,
      startup_ms: 20, exit_code: 0, signal: 0, stdout: '', stderr: '',
    };
    expect(telemetryOf(dispatch, result, 'host', 1000, 1050)).toMatchObject({ requestId: 'r', exitStatus: 'OK', exitCode: 0, attempt: 2 });
    expect(notRunTelemetry(dispatch, 'host', 1000)).toMatchObject({ exitStatus: 'NOT_RUN', attempt: 2 });
    // A dispatch written before attempts were counted is the first run.
    const { attempt: _, ...older } = dispatch;
    expect(notRunTelemetry(older, 'host', 1000).attempt).toBe(1);
  });

  it('keeps the most recent requests up to its capacity', () => {
    const cache = new RequestCache(2);
    const req = (id: string) => ({ requestId: id, userId: 'u', code: `// ${id}`, language: 'JAVASCRIPT' }) as ExecutionRequest;
    cache.put(req('a'));
    cache.put(req('b'));
    cache.put(req('c'));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')!.code).toBe('// c');
    expect(cache.size).toBe(2);
    expect(() => new RequestCache(0)).toThrow(/capacity/);
  });
});
