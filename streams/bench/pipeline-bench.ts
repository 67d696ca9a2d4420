import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { corpusDir, type Dataset } from '../../data/code-corpus/dataset';
import { eventType } from '../../schemas/events';
import { deleteSubject } from '../../schemas/registry-http';
import { ensureTopics, untilLed } from '../../schemas/topic-admin';
import { userKeyedPartitions, valueSubject } from '../../schemas/topics';
import type { ExecutionRequest } from '../../schemas/types.generated';
import { createRequestProducer, type RequestProducer } from '../producer';
import { RequestMix } from './request-mix';
import { type BoundBy, drainBound } from './bound';
import { type CpuSpan, localBrokerPid, startCpuAccount } from './cpu-account';
import { type MsCounts, quantile, quantileOfCounts, Series, steadyRate } from './stats';
import { goals } from './pipeline-goals';
import { benchTopic, benchTopicSpecs, mergeCommits, unknownUsage, type WorkerCommits, type WorkerConfig, type WorkerEventLoop, type WorkerGc, type WorkerUsage } from './worker-config';
import { processorNodeFlags } from '../runtime/node-flags';

export interface PipelineBenchOptions {
  brokers: string[];
  registryUrl: string;
  /** Requests per second offered in the latency phase. */
  rate: number;
  /** Seconds each phase measures for (after a warm-up in the latency phase). */
  durationSeconds: number;
  /** Requests published before the throughput phases, which then drain them as fast as they can. */
  backlog: number;
  users: number;
  novelCode: number;
  /** The shipped code estimator's model the predictor runs ('quantile-mlp' is the artifact's choice). */
  estimator: string;
  maxRecordsPerTransaction?: number;
  /** Predictor and scheduler fused (one exactly-once hop), as against two processors linked by prm.demand-predictions. */
  fused: boolean;
  /** Worker processes per system under test (scale-out in one consumer group). */
  instances: number;
  seed: number;
  /** Keep the run's topics, subjects and groups for inspection. */
  keep: boolean;
  log(line: string): void;
}

/** p50 and p99 of one stage of the workers' committed chunks, ms. */
export interface StageMs {
  p50: number;
  p99: number;
}

/** The workers' committed chunks in a phase (see WorkerCommits): how many, how big, and where their time went. */
export interface TransactionBreakdown {
  count: number;
  recordsP50: number;
  /**
   * Records written per input record: what the broker appends (and a transaction commits) for
   * each request. The raw loops write one; the pipeline its outputs and changelog entries.
   */
  writtenPerRecord: number;
  /** First record's timestamp to the chunk being taken up: the producer's send, the fetch, the batch before it. */
  waitMs: StageMs;
  processMs: StageMs;
  /** The transaction's broker round trips (the at-least-once loop: its send and offset commit). */
  commitMs: StageMs;
}

/**
 * Where each record's time went in a latency phase, p50 and p99 over records (not chunks), each
 * from its send: its batch fetched, its chunk taken up, processed, committed. What the phase's
 * end-to-end latency has beyond `committed` is the commit markers and the reader's fetch.
 */
export interface RecordPath {
  fetchedMs: StageMs;
  startedMs: StageMs;
  processedMs: StageMs;
  committedMs: StageMs;
}

export type PhaseName = 'raw-plain' | 'raw-eos' | 'pipeline-max' | 'raw-eos-latency' | 'pipeline-latency' | 'pipeline-latency-sustainable';

export interface PhaseResult {
  phase: PhaseName;
  description: string;
  /** Requests per second offered; null for a backlog drained as fast as possible. */
  offeredPerSecond: number | null;
  /** Records (dispatches or raw records) per second fully written and readable read_committed. */
  achievedPerSecond: number;
  /** Backlog phases: how long the steady window the rate is measured over lasted (see steadyRate). */
  steadySeconds?: number;
  /** Request produce time to the output being readable, ms; null when not measured (backlog). */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  records: number;
  /** Latency phases: requests sent but not dispatched when the phase gave up waiting (its latency is not in p50/p99). */
  undispatched?: number;
  /** CPU seconds of the system under test (the worker process) for the phase. */
  workerCpuSeconds: number;
  /** Worker CPU milliseconds per 1000 records. */
  cpuMsPer1000: number;
  /** The workers' GC pauses in the phase (summed over instances; max of their longest). */
  workerGc: WorkerGc;
  /** The workers' event-loop delay in the phase (the worst instance's). */
  workerEventLoop: WorkerEventLoop;
  /** Where the workers' committed chunks spent their time (latency phases: in the measured window; a pipeline transaction carries a round of them). */
  transactions: TransactionBreakdown | null;
  /** Latency phases: the same, per record, in the measured window. */
  recordPath?: RecordPath | null;
  /** Latency phases: event-loop delay of this process, which publishes the requests and reads the outputs. */
  harnessEventLoop?: { p99Ms: number; maxMs: number };
  /** Where the machine's CPU went: backlog phases from the workers' start to the drain's end, latency phases in the measured window. */
  cpu: PhaseCpu;
  /** Backlog phases: what held the drain back (see drainBound). */
  bound?: { by: BoundBy; reason: string };
  /** Pipeline throughput over the raw exactly-once (and plain) loop's, measured in this run. */
  ratioToRawEos: number | null;
  ratioToRawPlain: number | null;
  /** The offered rate was kept up with (latency phases): all dispatched, no growing backlog. */
  sustained: boolean | null;
  loadAverage: { start: number[]; end: number[] };
}

/**
 * A phase's CPU per 1000 outputs, by whom (see CpuSpan). The worker's own is PhaseResult's
 * cpuMsPer1000. Null where it cannot be read (not Linux; a broker not run by the local stack).
 */
export interface PhaseCpu {
  spanSeconds: number;
  /** All cores' busy time over the span's wall time times the cores: 1 is a saturated machine. */
  machineBusyShare: number | null;
  /** Time the hypervisor took, over the same. */
  stealShare: number | null;
  machineMsPer1000: number | null;
  brokerMsPer1000: number | null;
  harnessMsPer1000: number;
}

export interface PipelineBenchReport {
  benchmark: 'pipeline';
  startedAt: string;
  machine: { cpus: number; loadAverageStart: number[]; loadAverageEnd: number[] };
  options: Omit<PipelineBenchOptions, 'log' | 'brokers' | 'registryUrl'>;
  setup: {
    partitions: number;
    systemUnderTest: string;
    scheduler: string;
    /** Node flags of the worker processes. */
    workerNodeFlags: string[];
    requestBytes: number;
    dispatchBytes: number;
  };
  phases: PhaseResult[];
  /** `met` null: not judged, the run measured too little to tell (`measured` says why; see pipeline-goals). */
  goals: { goal: string; measured: string; met: boolean | null }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
const roundLoop = (l: WorkerEventLoop): WorkerEventLoop => ({ p99Ms: round(l.p99Ms), maxMs: round(l.maxMs), runMs: round(l.runMs, 0), cpuWaitMs: round(l.cpuWaitMs, 0) });
const describeUsage = ({ gc, eventLoop: l }: WorkerUsage) =>
  `worker GC: ${gc.pauses} pauses, ${round(gc.totalMs)} ms in all, longest ${round(gc.maxMs, 1)} ms, ${gc.over20Ms} over 20 ms; ` +
  `event loop delay p99 ${round(l.p99Ms)} ms, max ${round(l.maxMs)} ms; main thread ran ${round(l.runMs, 0)} ms, waited for a CPU ${round(l.cpuWaitMs, 0)} ms`;
const roundGc = (g: WorkerGc): WorkerGc => ({ pauses: g.pauses, totalMs: round(g.totalMs), maxMs: round(g.maxMs), over20Ms: g.over20Ms });
const msPer1000 = (seconds: number, outputs: number) => round((seconds * 1e6) / Math.max(1, outputs), 1);
const nullable = <T, R>(x: T | null, f: (x: T) => R): R | null => (x === null ? null : f(x));
function phaseCpu(span: CpuSpan, outputs: number): PhaseCpu {
  const capacity = span.wallSeconds * span.cpus;
  return {
    spanSeconds: round(span.wallSeconds),
    machineBusyShare: nullable(span.machineBusySeconds, (s) => round(s / capacity, 3)),
    stealShare: nullable(span.stealSeconds, (s) => round(s / capacity, 3)),
    machineMsPer1000: nullable(span.machineBusySeconds, (s) => msPer1000(s, outputs)),
    brokerMsPer1000: nullable(span.brokerSeconds, (s) => msPer1000(s, outputs)),
    harnessMsPer1000: msPer1000(span.harnessSeconds, outputs),
  };
}

/** Starts a phase's CPU account (see CpuSpan); its end counts per output the reader got since. */
function accountOutputs(reader: Reader, brokers: string[]): () => PhaseCpu {
  const account = startCpuAccount(localBrokerPid(brokers));
  const before = reader.arrivals.length;
  return () => phaseCpu(account.end(), reader.arrivals.length - before);
}
const describeCpu = (c: PhaseCpu) =>
  `machine ${c.machineBusyShare === null ? '?' : `${Math.round(c.machineBusyShare * 100)}%`} busy (steal ${c.stealShare === null ? '?' : `${Math.round(c.stealShare * 100)}%`}); ` +
  `CPU ms per 1000: machine ${c.machineMsPer1000 ?? '?'}, broker ${c.brokerMsPer1000 ?? '?'}, this process ${c.harnessMsPer1000}`;
const stage = (ms: number[]): StageMs => ({ p50: round(quantile(ms, 0.5)), p99: round(quantile(ms, 0.99)) });

function breakdown(c: WorkerCommits): TransactionBreakdown | null {
  if (c.records.length === 0) return null;
  const written = c.written.reduce((a, b) => a + b, 0);
  const records = c.records.reduce((a, b) => a + b, 0);
  return { count: c.records.length, recordsP50: quantile(c.records, 0.5), writtenPerRecord: Math.round((written / records) * 100) / 100, waitMs: stage(c.waitMs), processMs: stage(c.processMs), commitMs: stage(c.commitMs) };
}

function recordPath(c: WorkerCommits): RecordPath | null {
  const r = c.perRecord;
  if (Object.keys(r.committedMs).length === 0) return null;
  const of = (counts: MsCounts): StageMs => ({ p50: quantileOfCounts(counts, 0.5), p99: quantileOfCounts(counts, 0.99) });
  return { fetchedMs: of(r.fetchedMs), startedMs: of(r.startedMs), processedMs: of(r.processedMs), committedMs: of(r.committedMs) };
}

const describeStage = (s: StageMs) => `${s.p50}/${s.p99}`;
const describeRecordPath = (r: RecordPath | null): string =>
  r === null
    ? 'no records committed'
    : `per record from its send, p50/p99 ms: fetched ${describeStage(r.fetchedMs)}, taken up ${describeStage(r.startedMs)}, processed ${describeStage(r.processedMs)}, committed ${describeStage(r.committedMs)}`;
const describeBreakdown = (t: TransactionBreakdown | null): string =>
  t === null
    ? 'no transactions reported'
    : `${t.count} chunks of ${t.recordsP50} records (p50), ${t.writtenPerRecord} written per record; p50/p99 ms: waited ${describeStage(t.waitMs)}, processed ${describeStage(t.processMs)}, committed ${describeStage(t.commitMs)}`;

/**
 * `prm bench pipeline`: on fresh prefixed topics, a backlog of realistic requests is drained (a)
 * by a raw consume->produce loop with and without transactions, the ceiling, and (b) by the
 * decision path (predictor + scheduler, exactly-once); then (c) requests are offered at a fixed
 * rate and request->dispatch latency is measured. Each system under test runs in a child process;
 * this process publishes and reads. All on the same broker, in the same run.
 */
export async function runPipelineBench(o: PipelineBenchOptions): Promise<PipelineBenchReport> {
  const runId = randomBytes(4).toString('hex');
  const prefix = `bench.pipeline.${runId}.`;
  const latencyPrefix = `${prefix}lat.`;
  const kafka = new Kafka({ clientId: `prm-bench-${runId}`, brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const loadAverageStart = loadavg();
  const startedAt = new Date().toISOString();
  const programs = await corpusPrograms();
  const mix = new RequestMix({ programs, users: o.users, novelCode: o.novelCode, seed: o.seed, runId });
  const phases: PhaseResult[] = [];
  const producers: RequestProducer[] = [];
  let requestBytes = NaN;
  let dispatchBytes = NaN;
  const partitions = userKeyedPartitions;
  const worker = (mode: WorkerConfig['mode'], p: string, app: string, rawOutTopic = ''): WorkerConfig => ({
    mode, brokers: o.brokers, registryUrl: o.registryUrl, prefix: p, app, partitions, estimator: o.estimator,
    maxRecordsPerTransaction: o.maxRecordsPerTransaction, fused: o.fused, rawInTopic: `${p}prm.requests`, rawOutTopic, rawValueBytes: Math.round(dispatchBytes),
  });
  try {
    await ensureTopics(admin, benchTopicSpecs(prefix), { create: true, replicationFactor: 1 });
    const dispatchPartitions = benchTopic(prefix, 'prm.dispatches').partitions;
    await createRawTopics(admin, [`${prefix}raw-eos`, `${prefix}raw-plain`], dispatchPartitions);

    o.log(`bench pipeline: run ${runId}, ${cpus().length} cpus, load ${loadAverageStart.map((x) => x.toFixed(2)).join(' ')}`);
    const producer = await createRequestProducer({ brokers: o.brokers, registryUrl: o.registryUrl, topicPrefix: prefix, clientId: `prm-bench-${runId}` });
    producers.push(producer);
    requestBytes = await prefill(producer, mix, o.backlog, o.log);

    const max = await drainPhase(kafka, o, 'pipeline-max', worker('pipeline', prefix, `${prefix}app`), `${prefix}prm.dispatches`);
    dispatchBytes = max.meanBytes;
    phases.push(max.result);
    const eos = await drainPhase(kafka, o, 'raw-eos', worker('raw-eos', prefix, `${prefix}raw-eos`, `${prefix}raw-eos`), `${prefix}raw-eos`);
    phases.push(eos.result);
    const plain = await drainPhase(kafka, o, 'raw-plain', worker('raw-plain', prefix, `${prefix}raw-plain`, `${prefix}raw-plain`), `${prefix}raw-plain`);
    phases.push(plain.result);
    max.result.ratioToRawEos = round(max.result.achievedPerSecond / eos.result.achievedPerSecond, 3);
    max.result.ratioToRawPlain = round(max.result.achievedPerSecond / plain.result.achievedPerSecond, 3);
    eos.result.ratioToRawPlain = round(eos.result.achievedPerSecond / plain.result.achievedPerSecond, 3);

    // Each latency phase on topics of its own: its reader sees only its own dispatches.
    const latencyPhase = async (phase: PhaseName, p: string, rate: number) => {
      await ensureTopics(admin, benchTopicSpecs(p), { create: true, replicationFactor: 1 });
      const latencyProducer = await createRequestProducer({ brokers: o.brokers, registryUrl: o.registryUrl, topicPrefix: p, clientId: `prm-bench-${runId}` });
      producers.push(latencyProducer);
      if (phase !== 'raw-eos-latency') return ratePhase(kafka, o, phase, worker('pipeline', p, `${p}app`), `${p}prm.dispatches`, latencyProducer, mix, rate);
      await createRawTopics(admin, [`${p}raw-eos`], dispatchPartitions);
      return ratePhase(kafka, o, phase, worker('raw-eos', p, `${p}raw-eos`, `${p}raw-eos`), `${p}raw-eos`, latencyProducer, mix, rate);
    };
    // The ceiling's latency first: one exactly-once hop, where the pipeline has two.
    const rawLatency = await latencyPhase('raw-eos-latency', `${prefix}rawlat.`, o.rate);
    phases.push(rawLatency);
    const latency = await latencyPhase('pipeline-latency', latencyPrefix, o.rate);
    phases.push(latency);
    if (!latency.sustained) {
      // Report what it does sustain: 60% of the throughput it reached on the backlog, leaving
      // room to catch up after start-up (tasks open, the analyser's cache is cold).
      const sustainable = Math.max(10, Math.floor((max.result.achievedPerSecond * 0.6) / 10) * 10);
      o.log(`bench pipeline: ${o.rate}/s was not sustained; measuring latency at ${sustainable}/s (60% of the measured maximum)`);
      phases.push(await latencyPhase('pipeline-latency-sustainable', `${prefix}lat2.`, sustainable));
    }
  } finally {
    await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
    if (!o.keep) await cleanUp(admin, o, prefix, [prefix, `${prefix}rawlat.`, latencyPrefix, `${prefix}lat2.`].flatMap((p) => benchTopicSpecs(p).map((s) => s.name)));
    await admin.disconnect();
  }
  const report: PipelineBenchReport = {
    benchmark: 'pipeline',
    startedAt,
    machine: { cpus: cpus().length, loadAverageStart, loadAverageEnd: loadavg() },
    options: {
      rate: o.rate, durationSeconds: o.durationSeconds, backlog: o.backlog, users: o.users, novelCode: o.novelCode, estimator: o.estimator,
      maxRecordsPerTransaction: o.maxRecordsPerTransaction, fused: o.fused, instances: o.instances, seed: o.seed, keep: o.keep,
    },
    setup: {
      partitions,
      systemUnderTest: `${o.instances} child process(es) per phase in one consumer group (StreamApp with predictor + scheduler, ${o.fused ? 'fused: one task and transaction per partition' : 'unfused: two hops through prm.demand-predictions'}, or the raw loop); this process publishes and reads; broker on the same machine`,
      scheduler: `pool 'bench': ${partitions} instances, one per scheduler task, each larger than a run can fill, so capacity never queues a job (no executor frees it)`,
      workerNodeFlags: workerNodeFlags(),
      requestBytes: round(requestBytes), dispatchBytes: round(dispatchBytes),
    },
    phases,
    goals: [],
  };
  report.goals = goals(report);
  return report;
}

/** Creates plain topics (the raw loop's output) and waits, as ensureTopics does, until every partition has a leader. */
async function createRawTopics(admin: Admin, topics: string[], numPartitions: number): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })), waitForLeaders: false });
  await untilLed(admin, topics, 60_000);
}

async function corpusPrograms(): Promise<string[]> {
  const dataset = JSON.parse(await readFile(join(corpusDir, 'dataset.json'), 'utf8')) as Dataset;
  return Promise.all(dataset.programs.map((p) => readFile(join(corpusDir, p.file), 'utf8')));
}

/** Publishes `n` requests as fast as the producer allows; returns their mean encoded size (bytes). */
const requestType = eventType('ExecutionRequest');

/**
 * Publishes batches without waiting for each, at most `limit` at a time; the first failure is
 * rethrown by the next call (a rejection nobody awaits would kill the run before its clean-up).
 */
class Publisher {
  private readonly inFlight = new Set<Promise<unknown>>();
  private failure: unknown;

  constructor(private readonly producer: RequestProducer, private readonly limit: number) {}

  get busy(): boolean {
    this.check();
    return this.inFlight.size >= this.limit;
  }

  publish(batch: ExecutionRequest[]): void {
    this.check();
    const p: Promise<unknown> = this.producer
      .publishExecutionRequests(batch)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when a slot is free. */
  async slot(): Promise<void> {
    while (this.busy) await Promise.race(this.inFlight);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.check();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

async function prefill(producer: RequestProducer, mix: RequestMix, n: number, log: (line: string) => void): Promise<number> {
  const started = Date.now();
  let sent = 0;
  let bytes = 0;
  const publisher = new Publisher(producer, 4);
  let lastLog = started;
  while (sent < n) {
    const batch = Array.from({ length: Math.min(1000, n - sent) }, () => mix.next(Date.now()));
    for (const r of batch) bytes += requestType.toBuffer(r).length + 5; // + the registry's wire-format frame
    sent += batch.length;
    publisher.publish(batch);
    await publisher.slot();
    if (Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      log(`  backlog: ${sent}/${n} requests published`);
    }
  }
  await publisher.drain();
  const seconds = (Date.now() - started) / 1000;
  log(`  backlog: ${n} requests published in ${seconds.toFixed(1)} s (${Math.round(n / seconds)}/s)`);
  return bytes / Math.max(1, n);
}

interface Reader {
  arrivals: Series;
  /** Receive time minus the record's timestamp (the request's submission time). */
  latencies: Series;
  /** The record timestamps (submission times), in arrival order. */
  stamps: Series;
  bytes: number;
  stop(): Promise<void>;
}

/** Reads a topic read_committed from the start, noting when each record became readable. */
async function startReader(kafka: Kafka, topic: string, groupId: string, log: (line: string) => void): Promise<Reader> {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 50, maxBytesPerPartition: 4 * 1024 * 1024 });
  let stopping = false;
  // kafkajs restarts a crashed consumer by itself; once stopping, a restart would outlive the run.
  consumer.on(consumer.events.CRASH, (e) => {
    log(`  reader of ${topic} crashed (${e.payload.error.message})${e.payload.restart && !stopping ? ', restarting' : ''}`);
  });
  const r: Reader = {
    arrivals: new Series(), latencies: new Series(), stamps: new Series(), bytes: 0,
    stop: async () => {
      stopping = true;
      await consumer.stop().catch(() => undefined);
      await consumer.disconnect();
    },
  };
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const stamp = Number(m.timestamp);
          r.arrivals.push(now);
          r.latencies.push(now - stamp);
          r.stamps.push(stamp);
          r.bytes += m.value?.length ?? 0;
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reader of ${topic} did not join its group in 60 s`)), 60_000);
    });
    await Promise.race([joined, timeout]).finally(() => clearTimeout(timer));
  } catch (err) {
    await r.stop().catch(() => undefined);
    throw err;
  }
  return r;
}

interface Worker {
  ready: Promise<void>;
  /** The measured window starts: GC and event-loop figures count from here (CPU counts from ready). */
  markWindow(): void;
  stop(): Promise<WorkerUsage>;
}


/**
 * `instances` worker processes of one system under test, in one consumer group: partitions (and
 * with them the state) split between them, as when a processor is scaled out.
 */
function startWorkers(config: WorkerConfig, instances: number, log: (line: string) => void): Worker {
  const workers = Array.from({ length: instances }, (_, i) => startWorker(config, instances === 1 ? config.mode : `${config.mode}#${i}`, log));
  return {
    ready: Promise.all(workers.map((w) => w.ready)).then(() => undefined),
    markWindow: () => workers.forEach((w) => w.markWindow()),
    stop: async () =>
      (await Promise.all(workers.map((w) => w.stop()))).reduce((a, b) => ({
        cpuSeconds: a.cpuSeconds + b.cpuSeconds,
        gc: { pauses: a.gc.pauses + b.gc.pauses, totalMs: a.gc.totalMs + b.gc.totalMs, maxMs: Math.max(a.gc.maxMs, b.gc.maxMs), over20Ms: a.gc.over20Ms + b.gc.over20Ms },
        eventLoop: {
          p99Ms: Math.max(a.eventLoop.p99Ms, b.eventLoop.p99Ms),
          maxMs: Math.max(a.eventLoop.maxMs, b.eventLoop.maxMs),
          runMs: a.eventLoop.runMs + b.eventLoop.runMs,
          cpuWaitMs: a.eventLoop.cpuWaitMs + b.eventLoop.cpuWaitMs,
        },
        commits: mergeCommits(a.commits, b.commits),
      })),
  };
}

/**
 * The workers run processors as a deployment should (processorNodeFlags); then
 * PRM_BENCH_WORKER_NODE_FLAGS="--heap-prof --v8-pool-size=4", node flags for the workers only,
 * which win over those.
 */
function workerNodeFlags(): string[] {
  return [...processorNodeFlags(), ...(process.env.PRM_BENCH_WORKER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
}

function parseEvent(line: string): ({ event: string } & Partial<WorkerUsage>) | undefined {
  try {
    return JSON.parse(line) as { event: string } & Partial<WorkerUsage>;
  } catch {
    return undefined;
  }
}

function startWorker(config: WorkerConfig, label: string, log: (line: string) => void): Worker {
  // PRM_BENCH_CPU_PROFILE_DIR=dir: each worker writes a V8 CPU profile there (node --cpu-prof).
  const profile = process.env.PRM_BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.PRM_BENCH_CPU_PROFILE_DIR] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...workerNodeFlags(), '--require', require.resolve('tsx/cjs'), join(__dirname, 'worker.ts'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', (line) => log(`  [${label}] ${line}`));
  const events = createInterface({ input: child.stdout! });
  let onStopped: (usage: WorkerUsage) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench worker (${label}) exited with code ${code}`)));
    events.on('line', (line) => {
      // Node's own tracing (PRM_BENCH_WORKER_NODE_FLAGS=--trace-gc) writes plain lines on stdout too.
      if (!line.startsWith('{')) return log(`  [${label}] ${line}`);
      const e = parseEvent(line);
      if (e === undefined) return log(`  [${label}] an unreadable event line (${line.length} characters, killed while writing it?): ${line.slice(0, 120)}...`);
      if (e.event === 'ready') resolve();
      if (e.event === 'stopped') onStopped({ cpuSeconds: e.cpuSeconds ?? NaN, gc: e.gc ?? unknownUsage.gc, eventLoop: e.eventLoop ?? unknownUsage.eventLoop, commits: e.commits ?? unknownUsage.commits });
    });
  });
  ready.catch(() => undefined);
  return {
    ready,
    markWindow: () => child.kill('SIGUSR2'),
    stop: () =>
      new Promise<WorkerUsage>((resolve) => {
        if (child.exitCode !== null) return resolve(unknownUsage);
        let usage: WorkerUsage = unknownUsage;
        onStopped = (u) => (usage = u);
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve(usage);
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a worker over the backlog until it is drained or the phase's time is up. */
async function drainPhase(kafka: Kafka, o: PipelineBenchOptions, phase: PhaseName, config: WorkerConfig, outTopic: string): Promise<{ result: PhaseResult; meanBytes: number }> {
  const start = loadavg();
  o.log(`bench pipeline: phase ${phase}: draining ${o.backlog} requests (at most ${o.durationSeconds} s of output)`);
  const reader = await startReader(kafka, outTopic, `${config.app}.reader`, o.log);
  const worker = startWorkers(config, o.instances, o.log);
  let usage: WorkerUsage = unknownUsage;
  let cpu: PhaseCpu | undefined;
  try {
    await worker.ready;
    const endAccount = accountOutputs(reader, o.brokers);
    const began = Date.now();
    let lastCount = 0;
    let lastLog = began;
    for (;;) {
      await sleep(250);
      const n = reader.arrivals.length;
      const first = n > 0 ? reader.arrivals.values()[0]! : undefined;
      if (n >= o.backlog) break;
      if (first !== undefined && Date.now() - first >= o.durationSeconds * 1000) break;
      if (first === undefined && Date.now() - began > 120_000) throw new Error(`${phase}: no output in 120 s`);
      if (Date.now() - lastLog >= 2000) {
        o.log(`  ${phase}: ${n} records, ${Math.round(((n - lastCount) * 1000) / (Date.now() - lastLog))}/s, load ${loadavg()[0]!.toFixed(2)}`);
        lastLog = Date.now();
        lastCount = n;
      }
    }
    cpu = endAccount();
  } finally {
    usage = await worker.stop();
    await reader.stop();
  }
  const records = reader.arrivals.length;
  const steady = steadyRate(reader.arrivals.values());
  const reported = usage !== unknownUsage;
  o.log(`  ${phase}: ${records} records, steady ${Math.round(steady.perSecond)}/s over ${steady.seconds.toFixed(1)} s; ` +
    (reported ? `${describeUsage(usage)}; ` : 'the worker stopped without reporting its usage (GC, event loop, transactions unknown); ') +
    `${describeCpu(cpu!)}; ${describeBreakdown(breakdown(usage.commits))}`);
  return {
    meanBytes: reader.bytes / Math.max(1, records),
    result: {
      phase,
      description: phase === 'pipeline-max'
        ? 'predictor + scheduler, exactly-once, draining the backlog'
        : phase === 'raw-eos'
          ? 'raw kafkajs consume->produce, one transaction per chunk (records + offsets)'
          : 'raw kafkajs consume->produce, idempotent producer + offset commit (at-least-once)',
      offeredPerSecond: null,
      achievedPerSecond: round(steady.perSecond, 0),
      steadySeconds: round(steady.seconds, 2),
      p50Ms: null, p99Ms: null, maxMs: null,
      records,
      workerCpuSeconds: round(usage.cpuSeconds, 2),
      cpuMsPer1000: msPer1000(usage.cpuSeconds, records),
      workerGc: roundGc(usage.gc),
      workerEventLoop: roundLoop(usage.eventLoop),
      transactions: breakdown(usage.commits),
      cpu: cpu!,
      bound: reported
        ? drainBound({ spanSeconds: cpu!.spanSeconds, machineBusyShare: cpu!.machineBusyShare, mainThreadRunMs: usage.eventLoop.runMs, instances: o.instances })
        : { by: 'unknown', reason: 'the worker did not report its usage' },
      ratioToRawEos: null, ratioToRawPlain: null,
      sustained: null,
      loadAverage: { start, end: loadavg() },
    },
  };
}

/**
 * Offers requests at `rate` for a warm-up and then the measured duration, each stamped with the
 * time it is handed to the producer; latency is the time until its dispatch is readable.
 */
async function ratePhase(
  kafka: Kafka, o: PipelineBenchOptions, phase: PhaseName, config: WorkerConfig, outTopic: string, producer: RequestProducer, mix: RequestMix, rate: number,
): Promise<PhaseResult> {
  const start = loadavg();
  const warmupMs = Math.min(5000, (o.durationSeconds * 1000) / 4);
  o.log(`bench pipeline: phase ${phase}: ${rate} requests/s, a warm-up (at least ${(warmupMs / 1000).toFixed(1)} s, until dispatches keep up) + ${o.durationSeconds} s measured`);
  const reader = await startReader(kafka, outTopic, `${config.app}.reader`, o.log);
  const worker = startWorkers(config, o.instances, o.log);
  let usage: WorkerUsage = unknownUsage;
  let sent = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let caughtUp = false;
  let cpu: PhaseCpu | undefined;
  // This process publishes and reads on one event loop: a late reader adds to every latency it
  // reads, so its own delay is reported beside the workers'.
  const harnessLoop = monitorEventLoopDelay({ resolution: 10 });
  harnessLoop.enable();
  try {
    await worker.ready;
    const began = Date.now();
    const publisher = new Publisher(producer, 8);
    let lastLog = began;
    const offer = (): void => {
      const due = Math.floor(((Date.now() - began) * rate) / 1000) - sent;
      if (due > 0 && !publisher.busy) {
        const now = Date.now();
        const batch = Array.from({ length: Math.min(due, 5000) }, () => mix.next(now));
        sent += batch.length;
        publisher.publish(batch);
      }
      if (Date.now() - lastLog >= 2000) {
        lastLog = Date.now();
        o.log(`  ${phase}: sent ${sent}, dispatched ${reader.arrivals.length}, load ${loadavg()[0]!.toFixed(2)}`);
      }
    };
    // Warm-up: tasks open (fence, restore) on their first records, so measure only once the
    // dispatches have caught up with what was offered (within 0.2 s of it), or after 60 s.
    while (Date.now() - began < warmupMs || (reader.arrivals.length < sent - rate * 0.2 && Date.now() - began < 60_000)) {
      offer();
      await sleep(5);
    }
    caughtUp = reader.arrivals.length >= sent - rate * 0.2;
    windowStart = Date.now();
    worker.markWindow();
    harnessLoop.reset();
    windowEnd = windowStart + o.durationSeconds * 1000;
    const endAccount = accountOutputs(reader, o.brokers);
    while (Date.now() < windowEnd) {
      offer();
      await sleep(5);
    }
    cpu = endAccount();
    await publisher.drain();
    // Let what was sent be dispatched: until all are, nothing moves for 15 s, or 30 s passed (a
    // rate it cannot sustain leaves a backlog that could take minutes: the phase says so).
    let last = -1;
    let still = Date.now();
    const giveUp = Date.now() + 30_000;
    while (reader.arrivals.length < sent && Date.now() - still < 15_000 && Date.now() < giveUp) {
      await sleep(250);
      if (reader.arrivals.length !== last) [last, still] = [reader.arrivals.length, Date.now()];
    }
  } finally {
    harnessLoop.disable();
    usage = await worker.stop();
    await reader.stop();
  }
  const harnessEventLoop = { p99Ms: round(harnessLoop.percentile(99) / 1e6), maxMs: round(harnessLoop.max / 1e6) };
  const arrivals = reader.arrivals.values();
  const stamps = reader.stamps.values();
  const all = reader.latencies.values();
  const measured = all.filter((_, i) => stamps[i]! >= windowStart && stamps[i]! < windowEnd);
  const inWindow = arrivals.filter((t) => t >= windowStart && t < windowEnd).length;
  const achieved = inWindow / o.durationSeconds;
  const dispatched = arrivals.length;
  // Kept up: caught up after its start, every request dispatched, output at the offered rate.
  const sustained = caughtUp && dispatched >= sent && achieved >= 0.95 * rate;
  const p50 = quantile(measured, 0.5);
  const p99 = quantile(measured, 0.99);
  if (!caughtUp) o.log(`  ${phase}: dispatches never caught up with the offered rate in the 60 s warm-up`);
  o.log(`  ${phase}: sent ${sent}, dispatched ${dispatched}, ${Math.round(achieved)}/s in the window, p50 ${round(p50)} ms, p99 ${round(p99)} ms${sustained ? '' : ' (NOT sustained; latency of the dispatched ones only)'}; ${describeUsage(usage)}; ${describeCpu(cpu!)}; ${describeBreakdown(breakdown(usage.commits))}; ${describeRecordPath(recordPath(usage.commits))}; this process' event loop delay p99 ${harnessEventLoop.p99Ms} ms, max ${harnessEventLoop.maxMs} ms`);
  return {
    phase,
    description: config.mode === 'pipeline'
      ? `predictor + scheduler, exactly-once, ${rate} requests/s offered`
      : `raw kafkajs consume->produce, one transaction per chunk, ${rate} requests/s offered`,
    offeredPerSecond: rate,
    achievedPerSecond: round(achieved, 0),
    p50Ms: round(p50), p99Ms: round(p99), maxMs: round(quantile(measured, 1)),
    records: dispatched,
    undispatched: Math.max(0, sent - dispatched),
    workerCpuSeconds: round(usage.cpuSeconds, 2),
    cpuMsPer1000: msPer1000(usage.cpuSeconds, dispatched),
    workerGc: roundGc(usage.gc),
    workerEventLoop: roundLoop(usage.eventLoop),
    transactions: breakdown(usage.commits),
    recordPath: recordPath(usage.commits),
    harnessEventLoop,
    cpu: cpu!,
    ratioToRawEos: null, ratioToRawPlain: null,
    sustained,
    loadAverage: { start, end: loadavg() },
  };
}

async function cleanUp(admin: Admin, o: PipelineBenchOptions, prefix: string, subjectsOf: string[]): Promise<void> {
  const problems: string[] = [];
  const attempt = async <T>(what: string, step: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await step();
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
      return fallback;
    }
  };
  const topics = await attempt('list topics', async () => (await admin.listTopics()).filter((t) => t.startsWith(prefix)), [] as string[]);
  if (topics.length > 0) await attempt('delete topics', () => admin.deleteTopics({ topics, timeout: 30_000 }), undefined);
  const groups = await attempt('list groups', async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix)), [] as string[]);
  // One by one: a group still being left by a stopped member refuses, and must not stop the rest.
  for (const g of groups) await attempt(`delete group ${g}`, () => admin.deleteGroups([g]), undefined);
  for (const name of subjectsOf) await deleteSubject({ url: o.registryUrl }, valueSubject(name)).catch(() => undefined);
  o.log(`bench pipeline: deleted ${topics.length} topics, ${groups.length} consumer groups and the run's schema subjects under ${prefix}` +
    (problems.length > 0 ? ` (not all: ${problems.join('; ')})` : ''));
}
