import { loadEstimator } from '../../../models/code/estimator';
import { trainEstimator } from '../../../models/code/estimator-training';
import { fitDomain, guardDomain, pullIntoDomain, sizeFeaturesOf } from '../../../models/code/extrapolation';
import { featureVector, type CodeFeatures } from '../../../models/code/features';
import { targets, type Estimate, type Sample } from '../../../models/code/samples';
import { seededRandom } from '../../../models/seeded-random';
import { initTfBackend } from '../../../models/tf/backend';

const d = featureVector.length;
const col = (name: string) => featureVector.findIndex((f) => f.name === name);
const ops = col('log_estimated_ops');
const loopBound = col('log_max_loop_bound');
const allocation = col('log_max_allocation_size');
const bytes = col('log_bytes');

/** Every feature 1 (log_bytes 2.5), except the given ones. */
function vector(set: Record<number, number> = {}): number[] {
  return Array.from({ length: d }, (_, j) => set[j] ?? (j === bytes ? 2.5 : 1));
}

// Features from 0 to 1, the size features up to 6 (a million), log_bytes from 2 to 3.
const domain = { lower: Array.from({ length: d }, (_, j) => (j === bytes ? 2 : 0)), upper: vector({ [ops]: 6, [loopBound]: 6, [allocation]: 6, [col('log_estimated_allocations')]: 6, [bytes]: 3 }) };

/** A model that saturates: usage grows with the features it saw, and stops at the range's edge. */
function saturating(xs: number[][]): Estimate[] {
  return xs.map((x) => {
    const work = 10 ** Math.min(6, x[ops]!);
    const data = 10 ** Math.min(6, x[allocation]!);
    return { cpu_ms: { p50: work, p90: 2 * work, p99: 4 * work }, duration_ms: { p50: work, p90: work, p99: work }, peak_memory_mb: { p50: data, p90: data, p99: data } };
  });
}

test('the domain is each feature\'s training range', () => {
  expect(fitDomain([[1, 5], [3, -2], [2, 0]])).toEqual({ lower: [1, -2], upper: [3, 5] });
  expect(() => fitDomain([])).toThrow(RangeError);
});

test('an input inside the range is left as it is', () => {
  const x = vector({ [ops]: 5, [loopBound]: 4, [bytes]: 2.5 });
  for (const t of targets) expect(pullIntoDomain(domain, x, t)).toEqual({ x, decades: 0 });
});

test('a program beyond the range is scaled down whole by its target\'s largest excess, then clamped', () => {
  // Loop bound two decades over, operations one: the work is 100x beyond; allocation half a decade over.
  const x = vector({ [ops]: 7, [loopBound]: 8, [allocation]: 6.5, [bytes]: 3.5, [col('max_nesting')]: 4 });
  const cpu = pullIntoDomain(domain, x, 'cpu_ms');
  expect(cpu.decades).toBeCloseTo(2);
  expect(cpu.x[loopBound]).toBeCloseTo(6);
  expect(cpu.x[ops]).toBeCloseTo(5); // lowered with the loop bound, not left at the edge
  expect(cpu.x[allocation]).toBeCloseTo(4.5); // the smaller copy allocates less too
  expect(cpu.x[bytes]).toBe(3); // other features clamped
  expect(cpu.x[col('max_nesting')]).toBe(1);
  const memory = pullIntoDomain(domain, x, 'peak_memory_mb');
  expect(memory.decades).toBeCloseTo(0.5);
  expect(memory.x[allocation]).toBeCloseTo(6);
  expect(memory.x[loopBound]).toBe(6);
  expect(sizeFeaturesOf.cpu_ms).toEqual(sizeFeaturesOf.duration_ms);
});

test('the guard asks the model only inside the range and scales its quantiles 10x per decade beyond it', () => {
  const seen: number[][] = [];
  const guarded = guardDomain(domain, (xs) => {
    seen.push(...xs);
    return saturating(xs);
  });
  const inside = vector({ [ops]: 3, [allocation]: 2 });
  const beyond = vector({ [ops]: 6, [loopBound]: 9, [allocation]: 7 }); // work 3 decades over, data 1
  const [a, b] = guarded([inside, beyond]);
  expect(a).toEqual(saturating([inside])[0]);
  for (const x of seen) x.forEach((v, j) => expect(v >= domain.lower[j]! && v <= domain.upper[j]!).toBe(true));
  // The pulled-back copy has ops 3 (6 - 3 decades): 1e3, times 1e3.
  expect(b!.cpu_ms.p50).toBeCloseTo(1e6);
  expect(b!.cpu_ms.p90).toBeCloseTo(2e6);
  expect(b!.duration_ms.p99).toBeCloseTo(1e6);
  // Memory: allocation 7 pulled to 6 (1e6), times 10.
  expect(b!.peak_memory_mb.p50).toBeCloseTo(1e7);
  // Two model calls when something moved (CPU and duration share one), one when nothing did.
  const calls: number[] = [];
  const counting = guardDomain(domain, (xs) => {
    calls.push(xs.length);
    return saturating(xs);
  });
  counting([beyond]);
  counting([inside]);
  expect(calls).toEqual([1, 1, 1]);
});

describe('trained estimators carry their range', () => {
  jest.setTimeout(20_000);
  beforeAll(async () => {
    await initTfBackend();
  });

  /** CPU is 1 ms per 1,000 operations, over 10^2..10^6 operations. */
  function samples(): Sample[] {
    const random = seededRandom(3);
    return Array.from({ length: 60 }, (_, i) => {
      const size = 2 + 4 * random();
      const x = vector({ [ops]: size, [loopBound]: size - 1, [allocation]: 0, [col('log_estimated_allocations')]: 0 });
      return { id: `p${i}`, group: `g${i % 3}`, x, y: { cpu_ms: 10 ** (size - 3), duration_ms: 10 ** (size - 3), peak_memory_mb: 1 } };
    });
  }

  it('records the training range, and both of its models scale by proportion beyond it', async () => {
    const artifact = await trainEstimator(samples(), { seed: 1, heldOutShare: 0.25, mlp: { epochs: 20 }, backend: 'test', corpus: {} });
    expect(artifact.domain!.upper[ops]).toBeLessThanOrEqual(6);
    expect(artifact.domain!.upper[ops]).toBeGreaterThan(5.5);
    const upper = artifact.domain!.upper;
    // One program at the edge of the range and the same program 1,000 times bigger.
    const edge = features(upper[ops]!, upper[loopBound]!);
    const bigger = features(upper[ops]! + 3, upper[loopBound]! + 3);
    for (const name of ['quantile-mlp', 'log-ridge'] as const) {
      const estimator = await loadEstimator(artifact, name);
      try {
        const [atEdge, big] = estimator.estimate([edge, bigger]);
        expect(big!.cpu_ms.p50 / atEdge!.cpu_ms.p50).toBeCloseTo(1000, 0);
        expect(big!.peak_memory_mb.p50).toBeCloseTo(atEdge!.peak_memory_mb.p50, 6);
      } finally {
        estimator.dispose();
      }
    }
  });
});

/** Analyser features whose vector has the given operations and loop bound (log10(1 + n)) and no allocations. */
function features(logOps: number, logLoopBound: number): CodeFeatures {
  return {
    parsed: true, bytes: 9, lines: 9, loc: 9, cyclomatic: 9, maxFunctionCyclomatic: 9, maxNesting: 1, loops: 9, maxLoopDepth: 1,
    unboundedLoops: 9, maxLoopBound: 10 ** logLoopBound - 1, functions: 9, recursiveFunctions: 9, mutualRecursion: false,
    recursionBranching: 1, recursionArgument: 9, imports: 9, externalImports: 0, maxArrayLiteral: 9, maxStringLiteral: 9,
    maxNumericLiteral: 0, maxAllocationSize: 0, allocations: 9, allocationsInLoops: 9, typedArrays: 9, mapsAndSets: 9,
    stringOps: 9, jsonCalls: 9, sortCalls: 9, higherOrderCalls: 9, regexps: 0, classes: 9, tryCatch: 0, asyncFunctions: 3,
    awaits: 3, promises: 3, timers: 9, estimatedTimerDelayMs: 9, estimatedOps: 10 ** logOps - 1, estimatedAllocations: 0,
  };
}
