import { mergeMsCounts, type MsCounts } from './stats';
import { findTopic, prefixedCatalogue, type TopicSpec } from '../../schemas/topics';

/** What the bench parent tells a worker process to run. */
export interface WorkerConfig {
  mode: 'pipeline' | 'raw-eos' | 'raw-plain';
  brokers: string[];
  registryUrl: string;
  /** Topic prefix of the run (the pipeline's catalogue). */
  prefix: string;
  /** Application id: consumer groups, transactional ids, changelogs. */
  app: string;
  /** Partitions of the user-keyed topics: the scheduler's task count. */
  partitions: number;
  /** Code estimator of the shipped artifact the predictor uses. */
  estimator: string;
  maxRecordsPerTransaction?: number;
  /** Pipeline: predictor and scheduler fused into one task per partition (StreamAppOptions.fuse). */
  fused: boolean;
  /** Raw loop: where it reads the requests and writes its records, and their size. */
  rawInTopic: string;
  rawOutTopic: string;
  rawValueBytes: number;
}

export interface WorkerGc {
  pauses: number;
  totalMs: number;
  maxMs: number;
  /** Pauses longer than 20 ms. */
  over20Ms: number;
}

/**
 * How late a worker's event loop ran timers (10 ms resolution), and how long its main thread
 * ran and waited for a CPU (Linux' run-queue wait: the machine's contention).
 */
export interface WorkerEventLoop {
  p99Ms: number;
  maxMs: number;
  runMs: number;
  cpuWaitMs: number;
}

/**
 * Where each committed chunk's time went (see CommitTiming), one entry per transaction (per offset
 * commit in the at-least-once loop), in milliseconds: waiting from its first record's timestamp
 * until taken up (the producer's send, the fetch, the batch before it), processing, and
 * committing (the transaction's round trips).
 */
export interface WorkerCommits {
  records: number[];
  /** Per chunk, the records its transaction wrote (outputs, changelog entries, dead letters). */
  written: number[];
  waitMs: number[];
  processMs: number[];
  commitMs: number[];
  /**
   * The same path per record, each stage from the record's timestamp (its send) in ms: the fetch
   * handing its batch over, its chunk taken up, processed, committed. A stall shows here as the
   * many records that waited behind it, where the per-chunk figures count it once.
   */
  perRecord: Record<RecordStage, MsCounts>;
}

const recordStages = ['fetchedMs', 'startedMs', 'processedMs', 'committedMs'] as const;
export type RecordStage = (typeof recordStages)[number];

/** No commits yet: a worker's log at its start and at the start of a measured window. */
export function emptyCommits(): WorkerCommits {
  return { records: [], written: [], waitMs: [], processMs: [], commitMs: [], perRecord: perStage(() => ({})) };
}

function perStage(f: (stage: RecordStage) => MsCounts): Record<RecordStage, MsCounts> {
  return Object.fromEntries(recordStages.map((stage) => [stage, f(stage)])) as Record<RecordStage, MsCounts>;
}

/** Two instances' commits as one phase's. */
export function mergeCommits(a: WorkerCommits, b: WorkerCommits): WorkerCommits {
  return {
    records: [...a.records, ...b.records],
    written: [...a.written, ...b.written],
    waitMs: [...a.waitMs, ...b.waitMs],
    processMs: [...a.processMs, ...b.processMs],
    commitMs: [...a.commitMs, ...b.commitMs],
    perRecord: perStage((stage) => mergeMsCounts(a.perRecord[stage], b.perRecord[stage])),
  };
}

/** What a worker reports when it stops: `{"event":"stopped", ...WorkerUsage}` on stdout. */
export interface WorkerUsage {
  cpuSeconds: number;
  gc: WorkerGc;
  eventLoop: WorkerEventLoop;
  commits: WorkerCommits;
}

/** A worker that never reported. */
export const unknownUsage: WorkerUsage = {
  cpuSeconds: NaN,
  gc: { pauses: NaN, totalMs: NaN, maxMs: NaN, over20Ms: NaN },
  eventLoop: { p99Ms: NaN, maxMs: NaN, runMs: NaN, cpuWaitMs: NaN },
  commits: emptyCommits(),
};

/**
 * The run's topics: the whole catalogue under its prefix, so whatever the processors declare
 * (their inputs and outputs change as PRM grows) exists and has a schema.
 */
export function benchTopicSpecs(prefix: string): TopicSpec[] {
  return prefixedCatalogue(prefix);
}

export function benchTopic(prefix: string, catalogueName: string): TopicSpec {
  return findTopic(`${prefix}${catalogueName}`, benchTopicSpecs(prefix));
}
