import { parse } from '@typescript-eslint/typescript-estree';
import { createAnalyzer } from '../../../models/code/analyzer';
import { StepBudget } from '../../../models/code/budget';
import { featureVector } from '../../../models/code/features';
import { indexProgram } from '../../../models/code/program-index';
import { plus, times, WORK_CAP } from '../../../models/code/saturating';
import { MAX_CALL_TARGETS, walkProgram } from '../../../models/code/walker';
import { codeFeaturesEvent } from '../../../models/training/code-features-event';

/**
 * Sources within the byte limit that used to make the analysis quadratic (the reviewer's
 * repros): 78 s for the first, 46 s and 2.3 GB for the second at a third of its size. The
 * time bounds are generous (parsing 250 KB alone takes up to a second on a loaded machine);
 * the step-budget assertions are what pins the fix down.
 */
const whileLoops = 'let q = y; while(q<1);'.repeat(11000); // 242 KB
const sameNamedCalls = 'function f(){}\n'.repeat(8000) + 'f();'.repeat(32000); // 248 KB

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

function parseSource(source: string) {
  return parse(source, { loc: true, range: true, jsDocParsingMode: 'none', comment: false, tokens: false, jsx: false, loggerFn: false });
}

describe('analysis work is bounded', () => {
  test('a loop counter declared in thousands of scopes is read from a few, not rescanned per loop', () => {
    const { value: f, ms } = timed(() => createAnalyzer({ maxSteps: 1_000_000 }).analyze(whileLoops));
    expect(Buffer.byteLength(whileLoops)).toBeGreaterThan(240_000);
    // Within a budget of ~4 steps a byte: the analysis is linear, not cut short.
    expect(f).toMatchObject({ parsed: true, loops: 11000, unboundedLoops: 11000 });
    expect(ms).toBeLessThan(15_000);
  }, 60_000);

  test('a name defined thousands of times links each call to a bounded number of its functions', () => {
    const { value: f, ms } = timed(() => createAnalyzer().analyze(sameNamedCalls));
    expect(f).toMatchObject({ parsed: true, functions: 8000, recursiveFunctions: 0 });
    expect(ms).toBeLessThan(15_000);
    const small = 'function f(){}\n'.repeat(40) + 'f();'.repeat(10);
    const program = parseSource(small);
    const walk = walkProgram(program, indexProgram(program));
    expect(walk.edges).toHaveLength(10 * MAX_CALL_TARGETS);
    expect(new Set(walk.edges.map((e) => e.to))).toEqual(new Set(Array.from({ length: MAX_CALL_TARGETS }, (_, i) => i + 1)));
  }, 60_000);

  test('past the cap on call targets a function still calls itself: its recursion stays visible', () => {
    const f = createAnalyzer().analyze(`${'function f(){}\n'.repeat(MAX_CALL_TARGETS + 4)}function f(n){ return n && f(n - 1); }\nf(30);`);
    expect(f).toMatchObject({ parsed: true, recursiveFunctions: 1, recursionBranching: 1, recursionArgument: 30 });
  });

  test('an analysis that runs past its step budget is reported like the other limits, and fast', () => {
    const { value: f, ms } = timed(() => createAnalyzer({ maxSteps: 200_000 }).analyze(sameNamedCalls));
    expect(f).toMatchObject({ parsed: false, reason: 'analysis ran past its 200000-step limit', bytes: Buffer.byteLength(sameNamedCalls), estimatedOps: 0 });
    expect(ms).toBeLessThan(15_000);
    // The event says the analysis ran out of time (its work, counted in steps), not that the code was too large.
    const request = { requestId: 'r', userId: 'u', submittedAt: 0, language: 'JAVASCRIPT' } as unknown as Parameters<typeof codeFeaturesEvent>[0];
    expect(codeFeaturesEvent(request, f, 1).parseStatus).toBe('TIMEOUT');
  }, 60_000);

  test('a small program within a small budget is analysed as before; over it, it is refused', () => {
    const source = 'const n = 100;\nlet s = 0;\nfor (let i = 0; i < n; i++) s += i;';
    expect(createAnalyzer({ maxSteps: 10_000 }).analyze(source)).toEqual(createAnalyzer().analyze(source));
    expect(createAnalyzer({ maxSteps: 10 }).analyze(source)).toMatchObject({ parsed: false, reason: 'analysis ran past its 10-step limit' });
  });

  test('the step budget counts the work: twice the source, about twice the steps', () => {
    const steps = (n: number) => {
      const program = parseSource('let q = y; while(q<1);'.repeat(n));
      const budget = new StepBudget(Number.POSITIVE_INFINITY);
      walkProgram(program, indexProgram(program, budget), budget);
      return budget.used;
    };
    expect(steps(2000) / steps(1000)).toBeLessThan(2.2);
  });

  test('a bad step budget is rejected', () => {
    expect(() => createAnalyzer({ maxSteps: 0 })).toThrow(/maxSteps/);
    expect(() => createAnalyzer({ maxSteps: 1.5 })).toThrow(/maxSteps/);
  });
});

describe('work estimates stay finite', () => {
  const finite = (source: string) => {
    const f = createAnalyzer().analyze(source);
    expect(f.parsed).toBe(true);
    for (const [key, value] of Object.entries(f)) if (typeof value === 'number') expect([key, Number.isFinite(value)]).toEqual([key, true]);
    for (const { name, of } of featureVector) expect([name, Number.isFinite(of(f))]).toEqual([name, true]);
    return f;
  };

  test('26 nested loops of 1e12 trips saturate at the cap instead of reaching Infinity or NaN', () => {
    let code = 'function g() {}\n';
    for (let k = 0; k < 26; k++) code += `for (let i${k} = 0; i${k} < 1e12; i${k}++) `;
    const f = finite(`${code}g();`);
    expect(f.estimatedOps).toBe(WORK_CAP);
    // g allocates nothing: a huge weight times 0 is 0, not NaN.
    expect(f.estimatedAllocations).toBe(0);
    expect(f.maxLoopDepth).toBe(26);
  });

  test('a sort of 1e306 elements whose callback calls a function stays finite', () => {
    const f = finite('function g() {}\nconst a = new Array(1e306);\na.sort((x, y) => { g(); return 0; });');
    expect(f.estimatedOps).toBe(WORK_CAP);
    expect(f.maxAllocationSize).toBe(1e306);
    const timer = finite('const a = new Array(1e300);\na.sort((x, y) => { setTimeout(() => {}, 0); return 0; });');
    expect(timer.estimatedTimerDelayMs).toBe(0);
    finite('const a = new Float64Array(1.7e308);\nconst b = "x".repeat(1e308).repeat(1e308);\nfor (let i = 0; i < 1e999; i++) a.sort();');
  });

  test('saturating arithmetic: capped, and a product with 0 is 0', () => {
    expect(times(Number.POSITIVE_INFINITY, 0)).toBe(0);
    expect(times(0, Number.NaN)).toBe(0);
    expect(times(1e12, 1e12)).toBe(WORK_CAP);
    expect(times(3, 4)).toBe(12);
    expect(plus(WORK_CAP, WORK_CAP)).toBe(WORK_CAP);
    expect(plus(Number.NaN, 1)).toBe(0);
    expect(plus(2, 3)).toBe(5);
  });
});
