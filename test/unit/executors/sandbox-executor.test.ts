import type { ExecutionRequest } from '../../../schemas/types.generated';
import { RequestCache, sandboxLimits } from '../../../streams/executors/sandbox-executor';

describe('sandbox executor core', () => {
  it('turns an allocation into sandbox limits: CPU is the reserved cores over the wall limit', () => {
    expect(sandboxLimits({ cpuMillicores: 500, memoryBytes: 256 * 1024 * 1024, timeoutMs: 10_000 })).toEqual({ cpuMs: 5000, memoryMb: 256, wallMs: 10_000 });
    // Above the sandbox's ceilings the job runs at them; a tiny allocation still gets 1 unit.
    expect(sandboxLimits({ cpuMillicores: 64_000, memoryBytes: 1e15, timeoutMs: 7_200_000 })).toEqual({ cpuMs: 3_600_000, memoryMb: 65_536, wallMs: 3_600_000 });
    expect(sandboxLimits({ cpuMillicores: 1, memoryBytes: 1, timeoutMs: 1 })).toEqual({ cpuMs: 1, memoryMb: 1, wallMs: 1 });
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
