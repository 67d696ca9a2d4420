import { createAnalyzer } from '../../../models/code/analyzer';
import type { Estimator } from '../../../models/code/estimator';
import type { CodeFeatures } from '../../../models/code/features';
import type { Estimate } from '../../../models/code/samples';
import { checkOnWorkload, type WorkloadProgram } from '../../../models/code/workload-check';

const MIB = 1024 * 1024;

/** An estimator that reads the loop bound and predicts cpu = bound / 1000 ms, memory 100 MiB at p90. */
const byLoopBound: Estimator = {
  name: 'quantile-mlp',
  estimate: (fs: CodeFeatures[]): Estimate[] => fs.map((f) => ({
    cpu_ms: { p50: f.maxLoopBound / 1000, p90: f.maxLoopBound / 500, p99: f.maxLoopBound / 100 },
    peak_memory_mb: { p50: 50, p90: 100, p99: 200 },
    duration_ms: { p50: f.maxLoopBound / 1000, p90: f.maxLoopBound / 1000, p99: f.maxLoopBound / 1000 },
  })),
  dispose: () => {},
};

function program(id: string, trips: number, cpuMs: number, memoryMib: number): WorkloadProgram {
  return { id, code: `let h = 0;\nfor (let i = 0; i < ${trips}; i++) h += i;\n`, usage: { cpuMs, peakMemoryBytes: memoryMib * MIB, durationMs: cpuMs * 2 } };
}

test('the workload check compares each program\'s estimate with its recorded usage', () => {
  const programs = [
    program('a', 100_000, 100, 10), // p50 100 ms exactly; p90 200 covers it
    program('b', 1_000_000, 3000, 110), // p50 1000 ms, 2000 off; p90 2000 misses; memory fits only with the 15% margin
    program('c', 10_000_000, 10_000, 200), // p50 10 s exact; memory over p90 × 1.15
  ];
  const c = checkOnWorkload(programs, createAnalyzer({ cacheSize: 0 }), byLoopBound, 1.15);
  expect(c.jobs).toBe(3);
  expect(c.unparsed).toBe(0);
  expect(c.model).toBe('quantile-mlp');
  expect(c.cpu_ms.mean_abs_error).toBeCloseTo(2000 / 3, 2);
  expect(c.cpu_ms.coverage_p90).toBeCloseTo(2 / 3, 3);
  expect(c.cpu_ms.spearman).toBeCloseTo(1, 6);
  expect(c.cpu_ms.median_abs_log_error).toBe(0);
  expect(c.peak_memory_mb.coverage_p90).toBeCloseTo(1 / 3, 3);
  expect(c.peak_memory_mb.coverage_reserved).toBeCloseTo(2 / 3, 3);
  expect(c.peak_memory_mb.reservation_margin).toBe(1.15);
  // Durations are twice the CPU: every median is half the truth.
  expect(c.duration_ms.median_abs_log_error).toBeCloseTo(Math.log1p(2 * 10_000) - Math.log1p(10_000), 2);
});

test('an unparsable program is counted and still estimated, and an empty workload is refused', () => {
  const analyzer = createAnalyzer({ cacheSize: 0 });
  const c = checkOnWorkload([program('a', 1000, 1, 1), { id: 'bad', code: 'for (', usage: { cpuMs: 5, peakMemoryBytes: MIB, durationMs: 5 } }], analyzer, byLoopBound, 1);
  expect(c.unparsed).toBe(1);
  expect(c.jobs).toBe(2);
  expect(() => checkOnWorkload([], analyzer, byLoopBound, 1.15)).toThrow(RangeError);
});
