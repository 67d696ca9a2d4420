import { createTranspiler, type Transpiler } from '../../../sandbox/transpile';

describe('TypeScript transpiler', () => {
  const open: Transpiler[] = [];
  const transpiler = (...args: Parameters<typeof createTranspiler>) => {
    const t = createTranspiler(...args);
    open.push(t);
    return t;
  };
  afterAll(() => Promise.all(open.map((t) => t.close())));

  it('erases types and turns imports into requires, without type-checking', async () => {
    const t = transpiler();
    const out = await t.transpile(`
      import { createHash } from 'node:crypto';
      interface Point { x: number; y: number }
      enum Axis { X = 1, Y = 2 }
      const n: number = "three"; // a type error: still emitted, as tsc does
      function norm<T extends Point>(p: T): number { return Math.hypot(p.x, p.y); }
      console.log(norm({ x: 3, y: 4 }), Axis.Y, n, createHash('sha1').update('a').digest('hex').length);
    `);
    expect(out.ok).toBe(true);
    const js = out.ok ? out.js : '';
    expect(js).toContain('require("node:crypto")');
    expect(js).not.toMatch(/interface|: number|<T extends/);
    // The emitted program computes what the typed one says.
    const logged: unknown[] = [];
    new Function('require', 'exports', 'console', js)(require, {}, { log: (...a: unknown[]) => logged.push(...a) });
    expect(logged).toEqual([5, 2, 'three', 40]);
  });

  it('refuses code that does not parse, with where and why, and goes on compiling', async () => {
    const t = transpiler();
    const out = await t.transpile('const ok = 1;\nlet x: = 5;');
    expect(out).toEqual({ ok: false, reason: expect.stringMatching(/^program\.ts\(2,8\): TS1110: Type expected\./) });
    expect(await t.transpile('export const y: string = "fine";')).toMatchObject({ ok: true });
  });

  it('survives code nested past the compiler\'s stack', async () => {
    const t = transpiler();
    const out = await t.transpile(`let a = ${'('.repeat(100_000)}1${')'.repeat(100_000)};`);
    expect(out).toEqual({ ok: false, reason: expect.stringMatching(/compiler gave up: Maximum call stack size exceeded/) });
    expect(await t.transpile('const z: number = 2;')).toMatchObject({ ok: true });
  });

  it('gives up on a program that takes longer than its time, not counting the compiler\'s start, and starts a new compiler for the next', async () => {
    const t = transpiler({ timeoutMs: 100 });
    const small = 'function f(p: { x: number }): number { let s = 0; for (let i = 0; i < p.x; i++) s += i; return s; }\n';
    // Loading the compiler takes hundreds of ms; the first program's time starts after it.
    expect(await t.transpile(small)).toMatchObject({ ok: true });
    expect(await t.transpile(small.repeat(20_000))).toEqual({ ok: false, reason: 'the program did not compile within 100 ms' });
    expect(await t.transpile(small)).toMatchObject({ ok: true });
  });

  it('gives up on a program that needs more heap than its worker has, and starts a new compiler for the next', async () => {
    const t = transpiler({ maxHeapMb: 64, timeoutMs: 60_000 });
    const small = 'function f(p: { x: number }): number { let s = 0; for (let i = 0; i < p.x; i++) s += i; return s; }\n';
    expect(await t.transpile(small)).toMatchObject({ ok: true });
    // ~2 MB of source: its syntax tree outgrows 64 MB of heap.
    expect(await t.transpile(small.repeat(20_000))).toEqual({ ok: false, reason: expect.stringMatching(/^the TypeScript compiler failed on the program: .*memory limit/) });
    expect(await t.transpile(small)).toMatchObject({ ok: true });
    // Two compiler starts and a 64 MB heap filled: about 2 s idle, over Jest's 5 s default with
    // both cores busy (a soak running beside the unit tests).
  }, 20_000);

  it('compiles programs one at a time, each answered with its own output', async () => {
    const t = transpiler();
    const outs = await Promise.all([1, 2, 3].map((i) => t.transpile(`export const v${i}: number = ${i};`)));
    expect(outs.map((o) => (o.ok ? /exports\.v(\d) = (\d)/.exec(o.js)?.slice(1) : o.reason))).toEqual([['1', '1'], ['2', '2'], ['3', '3']]);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => createTranspiler({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createTranspiler({ maxHeapMb: 1.5 })).toThrow(RangeError);
  });
});
