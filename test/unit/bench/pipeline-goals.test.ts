import type { PhaseName, PhaseResult } from '../../../streams/bench/pipeline-bench';
import { goals, MIN_CHUNKS_PER_PARTITION } from '../../../streams/bench/pipeline-goals';

const partitions = 6;
const enough = MIN_CHUNKS_PER_PARTITION * partitions;

/** A phase as the bench reports it; only what the goals read differs between phases here. */
function phase(name: PhaseName, fields: Partial<PhaseResult> & { chunks?: number | null }): PhaseResult {
  const { chunks = enough, ...rest } = fields;
  const stage = { p50: 1, p99: 2 };
  return {
    phase: name, description: name, offeredPerSecond: null, achievedPerSecond: 0, p50Ms: null, p99Ms: null, maxMs: null, records: 0,
    workerCpuSeconds: 0, cpuMsPer1000: 0,
    workerGc: { pauses: 0, totalMs: 0, maxMs: 0, over20Ms: 0 },
    workerEventLoop: { p99Ms: 0, maxMs: 0, runMs: 0, cpuWaitMs: 0 },
    transactions: chunks === null ? null : { count: chunks, recordsP50: 900, writtenPerRecord: 1, waitMs: stage, processMs: stage, commitMs: stage },
    cpu: { spanSeconds: 1, machineBusyShare: null, stealShare: null, machineMsPer1000: null, brokerMsPer1000: null, harnessMsPer1000: 0 },
    ratioToRawEos: null, ratioToRawPlain: null, sustained: null, loadAverage: { start: [], end: [] },
    ...rest,
  };
}

const verdicts = (phases: PhaseResult[]) => goals({ phases, setup: { partitions } }).map((g) => [g.goal, g.met]);

describe('the pipeline bench goals', () => {
  it('judges throughput, its share of the raw loop and p99 on drains long enough to tell', () => {
    expect(verdicts([
      phase('pipeline-max', { achievedPerSecond: 24_000, ratioToRawEos: 0.2 }),
      phase('raw-eos', { achievedPerSecond: 120_000 }),
      phase('pipeline-latency', { offeredPerSecond: 5000, p99Ms: 50, sustained: true }),
    ])).toEqual([
      ['>= 20,000 requests/s exactly-once', true],
      ['>= 40% of the raw exactly-once loop', false],
      ['p99 <= 50 ms at 5000/s', true],
    ]);
  });

  it('misses p99 when the offered rate was not sustained, however low the p99', () => {
    expect(verdicts([phase('pipeline-latency', { offeredPerSecond: 5000, p99Ms: 20, sustained: false })])).toEqual([['p99 <= 50 ms at 5000/s', false]]);
  });

  it('does not judge a rate drained in too few transactions, and says why', () => {
    // A 20,000-request backlog: a few rounds, whose bursts made the pipeline look 56,734/s.
    const result = goals({
      phases: [phase('pipeline-max', { achievedPerSecond: 56_734, ratioToRawEos: 0.42, chunks: 21 }), phase('raw-eos', { achievedPerSecond: 135_000, chunks: enough })],
      setup: { partitions },
    });
    expect(result.map((g) => g.met)).toEqual([null, null]);
    expect(result[0]!.measured).toBe(`56734/s, not judged: pipeline-max committed 21 chunks, under ${enough} (${MIN_CHUNKS_PER_PARTITION} a partition: a larger --backlog)`);
  });

  it('does not judge the share when only the raw loop drained too briefly, nor a drain whose worker reported nothing', () => {
    const result = goals({
      phases: [phase('pipeline-max', { achievedPerSecond: 24_000, ratioToRawEos: 0.2 }), phase('raw-eos', { achievedPerSecond: 120_000, chunks: null })],
      setup: { partitions },
    });
    expect(result.map((g) => g.met)).toEqual([true, null]);
    expect(result[1]!.measured).toContain("raw-eos's worker reported no chunks");
  });
});
