/**
 * The system under test of `prm bench pipeline`, in a process of its own so that the load
 * generator and the reader (the parent) never share its event loop:
 *
 *   node --require tsx/cjs streams/bench/worker.ts '<WorkerConfig as JSON>'
 *
 * It writes `{"event":"ready"}` on stdout once consuming, and on SIGTERM stops gracefully and
 * writes `{"event":"stopped","cpuSeconds":...,"gc":{...},"eventLoop":{...},"commits":{...}}` (CPU
 * used, GC pauses, event-loop delay and where each transaction's time went, since ready, or since
 * SIGUSR2 marked the start of a measured window) before exiting.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createAnalyzer } from '../../models/code/analyzer';
import { artifactPath, loadEstimator, type ModelName } from '../../models/code/estimator';
import { EventSerde } from '../../schemas/serde';
import { prefixedCatalogue } from '../../schemas/topics';
import { avroDeadLetterSink } from '../dead-letters';
import { registryTopics } from '../processors/event-topics';
import { predictorProcessor } from '../processors/predictor';
import { schedulerProcessor } from '../processors/scheduler';
import { systemClock } from '../runtime/clock';
import { type CommitTiming, DEFAULT_CONCURRENT_BATCHES, TASK_PRODUCER_RETRY } from '../runtime/kafka/processor-runner';
import { StreamApp, kafkajsLogCreator } from '../runtime/kafka/stream-app';
import { jsonLogger } from '../runtime/logger';
import { buildTopology } from '../runtime/topology';
import { countMs } from './stats';
import { AllocationProfile, allocationsKept } from './allocation-profile';
import { benchTopicSpecs, emptyCommits, type WorkerCommits, type WorkerConfig, type WorkerUsage } from './worker-config';
import { REQUEST_PATH } from '../topology';

const logger = jsonLogger({ level: 'warn', fields: { component: 'bench-worker' } });

/** Writes an event line; `then` runs once it is handed to the pipe (exiting before would cut a long line). */
function say(event: Record<string, unknown>, then?: () => void): void {
  process.stdout.write(`${JSON.stringify(event)}\n`, then);
}

/** The committed chunks' timings since ready, or since SIGUSR2 marked the measured window. */
class CommitLog {
  commits: WorkerCommits = emptyCommits();

  add(t: CommitTiming): void {
    this.commits.records.push(t.records);
    this.commits.written.push(t.written);
    this.commits.waitMs.push(t.startedAt - t.firstRecordAt);
    this.commits.processMs.push(t.processedAt - t.startedAt);
    this.commits.commitMs.push(t.committedAt - t.processedAt);
    const r = this.commits.perRecord;
    for (const sentAt of t.recordTimestamps) {
      countMs(r.fetchedMs, t.fetchedAt - sentAt);
      countMs(r.startedMs, t.startedAt - sentAt);
      countMs(r.processedMs, t.processedAt - sentAt);
      countMs(r.committedMs, t.committedAt - sentAt);
    }
  }

  reset(): void {
    this.commits = emptyCommits();
  }
}

async function startPipeline(c: WorkerConfig, log: CommitLog): Promise<() => Promise<void>> {
  const catalogue = prefixedCatalogue(c.prefix);
  const serde = await EventSerde.start({ registry: { url: c.registryUrl }, topics: benchTopicSpecs(c.prefix) });
  const topics = registryTopics(serde, catalogue, () => Date.now());
  const artifact = JSON.parse(readFileSync(artifactPath, 'utf8')) as Parameters<typeof loadEstimator>[0];
  const estimator = await loadEstimator(artifact, c.estimator as ModelName);
  const topology = buildTopology(c.app, [
    predictorProcessor({ topics, analyzer: createAnalyzer(), estimator, estimatorVersion: `shipped-${estimator.name}` }),
    // One instance per scheduler task, each far larger than the run can fill: the bench
    // measures the decision path, not a queue waiting for capacity (no executor frees any).
    schedulerProcessor({ topics, capacity: { pool: 'bench', instances: c.partitions, tasks: c.partitions, instanceCores: 1e9, instanceMemoryBytes: 2 ** 60 } }),
  ]);
  const app = new StreamApp({
    topology,
    kafka: { brokers: c.brokers, clientId: c.app },
    deadLetters: avroDeadLetterSink(serde, systemClock, `${c.prefix}prm.dlq`),
    logger,
    maxRecordsPerTransaction: c.maxRecordsPerTransaction,
    fuse: c.fused ? [REQUEST_PATH] : [],
    onCommit: (t) => log.add(t),
  });
  await app.start();
  return async () => {
    await app.stop();
    estimator.dispose();
  };
}

/**
 * The ceiling: consume the same requests, write one same-sized record per request, nothing in
 * between. With `transactional`, the way the runtime does it: a transactional producer per input
 * partition and one transaction (records and offsets) per chunk; without, an idempotent producer
 * and an offset commit after each chunk's send (at-least-once).
 */
async function startRawLoop(c: WorkerConfig, transactional: boolean, log: CommitLog): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: c.app, brokers: c.brokers, logLevel: logLevel.WARN, logCreator: kafkajsLogCreator(logger) });
  const groupId = `${c.app}.raw`;
  const value = Buffer.alloc(c.rawValueBytes, 7);
  // The same consumer settings as the runtime's ProcessorRunner, batches at once included (and
  // below, the same retries for its transactional producers).
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 200 });
  const producers = new Map<number, Producer>();
  const producerFor = async (partition: number): Promise<Producer> => {
    const known = producers.get(partition);
    if (known) return known;
    const producer = transactional
      ? kafka.producer({ transactionalId: `${c.app}.raw.${partition}`, idempotent: true, maxInFlightRequests: 1, retry: TASK_PRODUCER_RETRY, createPartitioner: Partitioners.DefaultPartitioner })
      : kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    producers.set(partition, producer);
    return producer;
  };
  const maxRecords = c.maxRecordsPerTransaction ?? 2000;
  await consumer.connect();
  await consumer.subscribe({ topics: [c.rawInTopic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: DEFAULT_CONCURRENT_BATCHES,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const fetchedAt = Date.now();
      const producer = await producerFor(batch.partition);
      for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += maxRecords) {
        const chunk = batch.messages.slice(i, i + maxRecords);
        const startedAt = Date.now();
        const last = chunk[chunk.length - 1]!.offset;
        const next = (BigInt(last) + 1n).toString();
        // Keyed by one pool like the scheduler's dispatches, stamped with the request's time.
        const messages = chunk.map((m) => ({ key: 'bench', value, timestamp: m.timestamp }));
        const offsets = [{ topic: batch.topic, partition: batch.partition, offset: next }];
        const processedAt = Date.now();
        if (transactional) {
          const txn = await producer.transaction();
          try {
            await txn.send({ topic: c.rawOutTopic, acks: -1, messages });
            await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
            await txn.commit();
          } catch (err) {
            await txn.abort().catch(() => undefined);
            throw err;
          }
        } else {
          await producer.send({ topic: c.rawOutTopic, acks: -1, messages });
          await consumer.commitOffsets(offsets);
        }
        log.add({
          partition: batch.partition, records: chunk.length, written: messages.length, firstRecordAt: Number(chunk[0]!.timestamp), recordTimestamps: chunk.map((m) => Number(m.timestamp)), fetchedAt, startedAt, processedAt, committedAt: Date.now(),
        });
        resolveOffset(last);
        await heartbeat();
      }
    },
  });
  return async () => {
    await consumer.disconnect();
    await Promise.all([...producers.values()].map((p) => p.disconnect()));
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  const commits = new CommitLog();
  const stop = config.mode === 'pipeline' ? await startPipeline(config, commits) : await startRawLoop(config, config.mode === 'raw-eos', commits);
  // CPU from here on: loading and compiling the code is not the work measured.
  const atReady = process.cpuUsage();
  // GC pauses stop the event loop: a latency tail is read against them.
  const pauses: number[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  // How late timers ran: whatever held the event loop (GC or a long synchronous stretch) delayed every record behind it.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // Linux: how long the main thread was runnable but waiting for a CPU (a 2-core machine shared
  // with the broker), which delays the event loop as surely as anything on it.
  let schedAtMark = mainThreadSchedule();
  // PRM_BENCH_ALLOC_PROFILE_DIR=dir: a sampling profile of allocations from the measured window's
  // start; PRM_BENCH_ALLOC_PROFILE_KEEP says which (AllocationsKept, default all).
  const allocations = process.env.PRM_BENCH_ALLOC_PROFILE_DIR
    ? new AllocationProfile(process.env.PRM_BENCH_ALLOC_PROFILE_DIR, config.mode, allocationsKept(process.env.PRM_BENCH_ALLOC_PROFILE_KEEP))
    : undefined;
  allocations?.restart();
  process.on('SIGUSR2', () => {
    allocations?.restart();
    commits.reset();
    pauses.length = 0;
    loop.reset();
    schedAtMark = mainThreadSchedule();
  });
  say({ event: 'ready' });
  process.once('SIGTERM', () => {
    const cpu = process.cpuUsage(atReady);
    gc.disconnect();
    loop.disable();
    const sched = mainThreadSchedule();
    const usage: WorkerUsage = {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      gc: { pauses: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: pauses.reduce((a, b) => Math.max(a, b), 0), over20Ms: pauses.filter((d) => d > 20).length },
      eventLoop: { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, runMs: sched.runMs - schedAtMark.runMs, cpuWaitMs: sched.waitMs - schedAtMark.waitMs },
      commits: commits.commits,
    };
    // A profile that cannot be written must not keep the worker from stopping and reporting.
    const profiled = allocations?.write().catch((err: unknown) => logger.error('bench worker could not write its allocation profile', { err }));
    void Promise.resolve(profiled)
      .then(stop)
      .catch((err: unknown) => logger.error('bench worker did not stop cleanly', { err }))
      .finally(() => {
        say({ event: 'stopped', ...usage }, () => process.exit(0));
      });
  });
}

/** The main thread's time on a CPU and waiting in the run queue, from /proc (NaN elsewhere). */
function mainThreadSchedule(): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return { runMs: (run ?? NaN) / 1e6, waitMs: (wait ?? NaN) / 1e6 };
  } catch {
    return { runMs: NaN, waitMs: NaN };
  }
}

main().catch((err: unknown) => {
  logger.error('bench worker failed', { err });
  process.exit(1);
});
