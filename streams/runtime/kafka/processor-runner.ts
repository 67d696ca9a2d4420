import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, ConsumerGroupMetadata, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { ChangeLoggingStore } from '../changelogging-store';
import type { DeadLetterSink } from '../dead-letter-sink';
import { ConfigError, isRetriable, StreamError, TaskRevokedError } from '../errors';
import { registerGauges, type TaskStores } from '../gauges';
import { instanceIdProblem } from '../instance-id';
import { type Logger, silentLogger } from '../logger';
import { RuntimeMetrics } from '../metrics';
import { type RetryOptions, withRetry } from '../retry';
import { jsonSerde, type Serde } from '../serde';
import { type OutboundMessage, type RuntimeEntry, Task } from '../task';
import { type ChainPlan, planChain, TaskChain } from '../task-chain';
import {
  type AnyProcessor,
  changelogTopic,
  consumerGroupId,
  type DeclaredProcessor,
  emptyStore,
  erase,
  RUNTIME_STORE,
  storeNames,
  transactionalId,
} from '../topology';
import { coPartitionedAssigner } from './co-partitioned-assigner';
import { removePreviousIncarnations } from './previous-incarnation';
import { isRebalanceError } from './fencing';
import { refuseLayoutChange } from './layout-guard';
import { InstanceTransactions } from './instance-transactions';
import { decodeOffsetMetadata, encodeOffsetMetadata, latestStreamTimes, type StreamTimes } from './offset-metadata';
import { restoreChangelogs } from './restore';
import { prepareTopics } from './topics';
import { TaskTurns } from './task-turns';

export interface ProcessorRunnerOptions {
  app: string;
  processor: DeclaredProcessor;
  /**
   * Processors fused after `processor` (see TaskChain): each reads a topic an earlier one
   * writes, and gets those records in the same task and transaction. The runner is then one
   * consumer group, `<app>.<first>+<second>...`; each processor keeps its own stores and changelogs.
   */
  fused?: readonly DeclaredProcessor[];
  /** Every processor of the topology, to check that no other one writes a fused topic. */
  topology?: readonly DeclaredProcessor[];
  kafka: Kafka;
  deadLetters: DeadLetterSink;
  metrics?: RuntimeMetrics;
  logger?: Logger;
  /** Retries of a chunk whose task failed to open, process or commit it (each after reopening the task). */
  retry?: RetryOptions;
  /** Records per transaction; larger batches from a fetch are split. Default 2000. */
  maxRecordsPerTransaction?: number;
  /** Consumer session timeout: how long a dead instance holds its partitions. Default 10 s. */
  sessionTimeoutMs?: number;
  /**
   * Broker aborts a transaction left open this long by a dead producer. Default 10 s (Kafka
   * Streams' for exactly-once): a SIGKILLed instance's open transaction holds back its partitions'
   * readers, and the restore of a task it owned, until then. A round commits in milliseconds.
   */
  transactionTimeoutMs?: number;
  /**
   * This instance's part of its transactional id, `<app>.<processor>.<instanceId>`. Default: a
   * random one per start. A stable one (unique per instance, e.g. a StatefulSet pod name) lets a
   * restarted instance abort its predecessor's open transaction at once instead of after
   * `transactionTimeoutMs`. Two live instances with the same id fence each other.
   */
  instanceId?: string;
  /** Replication of the changelog topics it creates. Default 1 (the local stack). */
  replicationFactor?: number;
  /**
   * Fetched batches processed at once. The chunks of every batch processed when a transaction
   * starts commit together (see InstanceTransactions); batches of one task (its input topics
   * share a partition number) take turns. Default DEFAULT_CONCURRENT_BATCHES.
   */
  concurrentBatches?: number;
  /** Wall clock for restore and transaction timing. */
  now?: () => number;
  /** Told of every committed chunk, with where its time went (a benchmark's breakdown). */
  onCommit?: (timing: CommitTiming) => void;
}

/** Where a committed chunk's time went, in wall-clock milliseconds. */
export interface CommitTiming {
  partition: number;
  /** Input records the chunk committed. */
  records: number;
  /** Records the chunk's transaction wrote for it: outputs, changelog entries, dead letters. */
  written: number;
  /** Timestamp of the chunk's first record: for records stamped when produced, when it was sent. */
  firstRecordAt: number;
  /** Every record's timestamp, in order: a latency tail is per record, and a stall puts many records in one chunk. */
  recordTimestamps: number[];
  /** kafkajs handed over the fetched batch holding the chunk (before it waited for its task's turn). */
  fetchedAt: number;
  /** The chunk was taken up (its task open). */
  startedAt: number;
  /** Its records were processed and their outputs, changelog entries and dead letters encoded. */
  processedAt: number;
  /** Its transaction committed. */
  committedAt: number;
}

/** A store of a live task, with where its changes are logged. */
interface LoggedStore {
  changelog: string;
  serde: Serde<unknown>;
  store: ChangeLoggingStore<unknown>;
}

/** A task that is live on this instance: its processing core, stores and input positions. */
interface LiveTask {
  chain: TaskChain;
  stores: LoggedStore[];
  /** Each chained processor's stores, by name, in chain order (what its gauges read). */
  processorStores: TaskStores[];
  /** Next offset to process per input topic: what the last commit recorded. */
  positions: Map<string, bigint>;
}

const runtimeEntrySerde = jsonSerde<RuntimeEntry>();

/**
 * Reading offsets an open transaction is committing waits for it to end: a live owner's commits
 * in milliseconds, a dead one's when the broker aborts it (transaction timeout plus the broker's
 * check for timed-out transactions, up to a minute with the default timeouts).
 */
const STABLE_OFFSETS_RETRY: RetryOptions = { retries: 30, initialDelayMs: 50, maxDelayMs: 3000 };

/** About two minutes of attempts: a broker restart, with its controller election, fits in it. */
const REJOIN_RETRY: RetryOptions = { retries: 15, initialDelayMs: 500, maxDelayMs: 10_000 };

/**
 * What a consumer crash calls for. kafkajs restarts a consumer itself only when the crash's
 * innermost cause is retriable; a broker that is away can also surface as a final error (a
 * KafkaJSNonRetriableError around "group coordinator not found" once kafkajs' own retries are
 * spent), and then the runner rejoins. Anything else is a fatal stop.
 */
export function crashAction(crash: { error: unknown; restart: boolean }): 'kafkajs-restarts' | 'restart' | 'fail' {
  if (crash.restart) return 'kafkajs-restarts';
  return isRetriable(crash.error) ? 'restart' : 'fail';
}

/**
 * Fetched batches a runner processes at once by default (see ProcessorRunnerOptions.concurrentBatches).
 * kafkajs fetches again only once every batch of the last fetch is processed, so with fewer
 * slots than busy partitions a fetch's batches would commit in several transactions instead of
 * one. PRM's topics have 6 partitions and a task reads up to two busy inputs.
 */
export const DEFAULT_CONCURRENT_BATCHES = 12;

/**
 * A transactional producer's retries. The broker answers CONCURRENT_TRANSACTIONS to a transaction
 * begun while the last one's commit markers are still being written, a few milliseconds on an
 * idle broker and more on a busy one. A producer that commits every few milliseconds (a steady,
 * moderate rate) meets it often; the Java client retries it after 20 ms (KAFKA-5477), and so did
 * this, which held its partitions for 20 ms or more at every meeting and was most of the raw
 * exactly-once loop's p99 in `prm bench pipeline` (66 ms; 23 to 35 ms with a first retry after
 * 2 ms). Backing off from 2 ms doubles each time, so a broker restart (~2 min) is still waited out.
 * Factor and multiplier are kafkajs' defaults, spelled out so the schedule does not depend on them.
 */
export const TASK_PRODUCER_RETRY = { retries: 25, initialRetryTime: 2, maxRetryTime: 10_000, factor: 0.2, multiplier: 2 };

/**
 * Runs one processor on Kafka with exactly-once semantics (v2, KIP-447): a member of the consumer
 * group `<app>.<processor>`; per owned input partition a task, restored from the changelogs
 * before it processes; one transactional producer for the instance
 * (`<app>.<processor>.<instanceId>`), whose transactions each commit the chunks every task
 * processed meanwhile: outputs, changelog entries, dead letters and the input offsets, fenced by
 * the group generation (see InstanceTransactions). With `fused` processors, the same for the
 * chain `<processor>+<fused>...` as a whole (see TaskChain).
 */
export class ProcessorRunner {
  readonly stopped: Promise<void>;
  private readonly chain: AnyProcessor[];
  /** Every processor of the topology with its input topics (the layout guard's view of the app). */
  private readonly processorInputs: ReadonlyMap<string, readonly string[]>;
  private layoutChecked = false;
  private readonly plan: ChainPlan;
  private readonly app: string;
  private readonly kafka: Kafka;
  private readonly sink: DeadLetterSink;
  private readonly metrics: RuntimeMetrics;
  private readonly log: Logger;
  private readonly retry: RetryOptions;
  private readonly maxRecords: number;
  private readonly sessionTimeoutMs: number;
  private readonly transactionTimeoutMs: number;
  private readonly replicationFactor: number;
  private readonly now: () => number;
  private readonly onCommit?: (timing: CommitTiming) => void;
  private readonly groupId: string;
  private readonly inputs: string[];
  private readonly labels: { app: string; processor: string };
  private readonly tasks = new Map<number, LiveTask>();
  private readonly unregisterGauges: (() => void)[];
  private assigned = new Set<number>();
  /** The group generation this member is in (from the last join): every chunk is committed under it. */
  private member?: ConsumerGroupMetadata;
  private readonly transactions: InstanceTransactions;
  /**
   * The transactional id survives process restarts: opened at the first start (not again on an
   * internal restart, whose own producer already ended), it aborts a killed predecessor's leftovers.
   */
  private openAtStart: boolean;
  /** The instance's transactional id when it is stable across restarts: how its members are told apart. */
  private readonly stableInstance?: string;
  /** A task's batches run one after another (see concurrentBatches). */
  private readonly turns = new TaskTurns();
  private readonly concurrentBatches: number;
  private admin?: Admin;
  private consumer?: Consumer;
  private stopping = false;
  private restarting = false;
  private settle!: { resolve: () => void; reject: (err: unknown) => void };

  constructor(options: ProcessorRunnerOptions) {
    this.chain = [options.processor, ...(options.fused ?? [])].map(erase);
    this.plan = planChain(this.chain, (options.topology ?? []).map(erase));
    this.processorInputs = new Map([...(options.topology ?? []), ...this.chain].map((p) => [p.name, Object.values(p.inputs).map((t) => t.name)]));
    this.app = options.app;
    this.kafka = options.kafka;
    this.sink = options.deadLetters;
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.retry = options.retry ?? { retries: 5, initialDelayMs: 200, maxDelayMs: 5000 };
    this.maxRecords = options.maxRecordsPerTransaction ?? 2000;
    this.concurrentBatches = options.concurrentBatches ?? DEFAULT_CONCURRENT_BATCHES;
    if (!Number.isInteger(this.concurrentBatches) || this.concurrentBatches < 1) throw new ConfigError(`concurrentBatches must be a positive integer, got ${this.concurrentBatches}`);
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 10_000;
    this.replicationFactor = options.replicationFactor ?? 1;
    this.now = options.now ?? Date.now;
    this.onCommit = options.onCommit;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) throw new ConfigError(`maxRecordsPerTransaction must be a positive integer, got ${this.maxRecords}`);
    if (this.sessionTimeoutMs < 1000) throw new ConfigError(`sessionTimeoutMs must be at least 1000, got ${this.sessionTimeoutMs}`);
    const instanceIdRefused = options.instanceId === undefined ? undefined : instanceIdProblem(options.instanceId);
    if (instanceIdRefused) throw new ConfigError(`instanceId ${instanceIdRefused}`);
    this.groupId = consumerGroupId(this.app, this.plan.name);
    this.inputs = this.plan.inputs;
    this.labels = { app: this.app, processor: this.plan.name };
    this.log = (options.logger ?? silentLogger).child({ app: this.app, processor: this.plan.name });
    this.openAtStart = options.instanceId !== undefined;
    const instanceTransactionalId = transactionalId(this.app, this.plan.name, options.instanceId ?? randomUUID());
    this.stableInstance = options.instanceId === undefined ? undefined : instanceTransactionalId;
    this.transactions = new InstanceTransactions({
      groupId: this.groupId,
      logger: this.log,
      now: this.now,
      onRoundCommitted: () => this.metrics.transactions.labels(this.labels).inc(),
      createProducer: () =>
        this.kafka.producer({
          transactionalId: instanceTransactionalId,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: this.transactionTimeoutMs,
          retry: TASK_PRODUCER_RETRY,
          createPartitioner: Partitioners.DefaultPartitioner,
        }),
    });
    this.stopped = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A fatal stop is reported through `stopped`; keep an unobserved rejection from killing the process.
    this.stopped.catch(() => undefined);
    this.unregisterGauges = this.chain.map((p, i) =>
      registerGauges(this.metrics.registry, this.app, p, () => [...this.tasks.values()].map((t) => t.processorStores[i]!)));
  }

  /** Joins the group and starts processing; resolves once consuming has started. */
  async start(): Promise<void> {
    try {
      // Topics just created may not have their leaders known to every broker yet: a retriable
      // answer ("does not host this topic-partition") is retried from a clean slate.
      await this.connectWithRetry(this.retry, 'could not start, retrying');
    } catch (err) {
      this.stopping = true;
      await this.shutdown();
      this.settle.reject(err);
      throw err;
    }
  }

  /** Connects, retrying a retriable failure from a clean slate; gives up early once stopping. */
  private async connectWithRetry(retry: RetryOptions, retrying: string): Promise<void> {
    await withRetry(
      async () => {
        if (this.stopping) return;
        try {
          await this.connect();
        } catch (err) {
          await this.shutdown();
          throw err;
        }
      },
      { ...retry, onRetry: (err, attempt, delayMs) => this.log.warn(retrying, { err, attempt, delayMs }) },
    );
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    this.admin = admin;
    await admin.connect();
    const partitions = await prepareChainTopics(admin, this.app, this.chain, this.sink.topic, this.replicationFactor);
    // Once per process: after its first start the group has committed, and a rejoin changes no layout.
    if (!this.layoutChecked) {
      await refuseLayoutChange(admin, { app: this.app, unit: this.chain.map((p) => p.name), processors: this.processorInputs, inputs: this.inputs });
      this.layoutChecked = true;
    }
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: this.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.sessionTimeoutMs / 5)),
      rebalanceTimeout: 60_000,
      maxBytesPerPartition: 1024 * 1024,
      maxWaitTimeInMs: 200,
      partitionAssigners: [coPartitionedAssigner(() => [...this.tasks.keys()], this.stableInstance)],
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.onAssignment(e.payload));
    consumer.on(consumer.events.CRASH, (e) => {
      if (consumer !== this.consumer) return;
      const action = crashAction(e.payload);
      if (action === 'kafkajs-restarts') this.log.warn('consumer crashed, kafkajs is restarting it', { err: e.payload.error });
      else if (action === 'restart') this.restart(e.payload.error);
      else this.fail(e.payload.error);
    });
    await consumer.connect();
    // Before joining: a task this instance gets must not wait for its predecessor's transaction.
    if (this.openAtStart) {
      await this.transactions.open();
      this.openAtStart = false;
    }
    // Fenced by now (the open above, or this process' producer): a rebalance need not wait for
    // the members an earlier run of this instance left behind to time out.
    if (this.stableInstance !== undefined) {
      const removed = await removePreviousIncarnations(admin, this.groupId, this.stableInstance);
      if (removed.length > 0) this.log.info('removed the members an earlier run of this instance left in the group', { members: removed });
    }
    await consumer.subscribe({ topics: this.inputs, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.concurrentBatches,
      eachBatch: (payload) => {
        const fetchedAt = this.now();
        return this.turns.run(payload.batch.partition, () => this.onBatch(payload, fetchedAt));
      },
    });
    this.log.info('processor started', { group: this.groupId, inputs: this.inputs, partitions });
  }

  /**
   * Graceful stop: the chunks in flight finish their transaction (or abort), the member leaves
   * the group so its partitions move at once, then the producer closes.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    await this.shutdown();
    this.settle.resolve();
    this.log.info('processor stopped');
  }

  private onAssignment(joined: { generationId: number; memberId: string; memberAssignment: Record<string, number[]> }): void {
    const next = new Set(joined.memberAssignment[this.inputs[0]!] ?? []);
    for (const p of [...this.tasks.keys()]) if (!next.has(p)) this.closeTask(p, 'revoked');
    this.assigned = next;
    this.member = { generationId: joined.generationId, memberId: joined.memberId };
    this.log.info('partitions assigned', { partitions: [...next].sort((a, b) => a - b), generation: joined.generationId });
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, fetchedAt: number): Promise<void> {
    const partition = batch.partition;
    const live = () => !this.stopping && isRunning() && !isStale() && this.assigned.has(partition);
    for (let i = 0; i < batch.messages.length && live(); i += this.maxRecords) {
      const chunk = batch.messages.slice(i, i + this.maxRecords);
      let done: 'processed' | 'repositioned';
      try {
        done = await withRetry(() => this.processChunk(batch.topic, partition, chunk, heartbeat, batch.highWatermark, fetchedAt), {
          ...this.retry,
          onRetry: (err, attempt, delayMs) => this.log.warn('transaction failed, retrying after restoring the task', { err, attempt, delayMs, partition }),
        });
      } catch (err) {
        if (err instanceof TaskRevokedError) {
          this.log.info('partition revoked while its chunk was retried: leaving it to its new owner', { partition });
          return;
        }
        // A zombie's offsets refused by the group coordinator: kafkajs rejoins the group.
        if (isRebalanceError(err)) throw err;
        this.fail(err);
        return;
      }
      if (done === 'repositioned') return;
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
    }
  }

  /** Processes one chunk and commits it with the instance's next transaction, opening (restoring) the task first if needed. */
  private async processChunk(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    heartbeat: () => Promise<void>,
    highWatermark: string,
    fetchedAt: number,
  ): Promise<'processed' | 'repositioned'> {
    // A retry after the partition moved must not reopen the task under its new owner.
    if (!this.tasks.has(partition) && !this.assigned.has(partition)) throw new TaskRevokedError(`task ${this.plan.name}/${partition} is no longer assigned here`);
    const t = this.tasks.get(partition) ?? (await this.openTask(partition, topic, heartbeat));
    const position = t.positions.get(topic)!;
    const todo = chunk.filter((m) => BigInt(m.offset) >= position);
    if (todo.length === 0) {
      // Everything here was committed already (by a previous owner).
      if (BigInt(chunk[chunk.length - 1]!.offset) + 1n < position) {
        this.consumer!.seek({ topic, partition, offset: position.toString() });
        return 'repositioned';
      }
      return 'processed';
    }
    const next = BigInt(todo[todo.length - 1]!.offset) + 1n;
    const startedAt = this.now();
    try {
      const latency = this.metrics.processingLatency.labels(this.labels);
      for (const m of todo) {
        const started = performance.now();
        t.chain.handle({
          topic,
          partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
          timestamp: Number(m.timestamp),
          headers: headersOf(m),
        });
        latency.observe((performance.now() - started) / 1000);
      }
      const fx = t.chain.drain();
      const messages: OutboundMessage[] = [...fx.outputs];
      for (const letter of fx.deadLetters) {
        const encoded = await this.sink.encode(letter);
        messages.push({ topic: this.sink.topic, key: encoded.key, value: encoded.value, timestamp: letter.timestamp, headers: encoded.headers ?? {} });
      }
      for (const { changelog, serde, store } of t.stores) {
        for (const c of store.changes()) {
          messages.push({
            topic: changelog,
            partition,
            key: Buffer.from(c.key, 'utf8'),
            value: c.value === undefined ? null : serde.serialize(c.value),
            timestamp: this.now(),
            headers: {},
          });
        }
      }
      const processedAt = this.now();
      const committedAt = await this.transactions.submit({
        messages,
        offset: { topic, partition, offset: next.toString(), metadata: encodeOffsetMetadata(t.chain.streamTimes()) },
        member: this.member!,
        isCurrent: () => this.tasks.get(partition) === t,
      });
      for (const { store } of t.stores) store.commit();
      t.positions.set(topic, next);
      this.metrics.recordsIn.labels(this.labels).inc(fx.recordsIn);
      this.metrics.recordsOut.labels(this.labels).inc(fx.outputs.length);
      this.metrics.deadLetters.labels(this.labels).inc(fx.deadLetters.length);
      this.metrics.lateRecords.labels(this.labels).inc(fx.late);
      this.metrics.commitLatency.labels(this.labels).observe((committedAt - processedAt) / 1000);
      // The optional call builds the timestamps only for a listener.
      this.onCommit?.({
        partition, records: todo.length, written: messages.length, firstRecordAt: Number(todo[0]!.timestamp), recordTimestamps: todo.map((m) => Number(m.timestamp)), fetchedAt, startedAt, processedAt, committedAt,
      });
      this.metrics.consumerLag.labels({ ...this.labels, topic, partition: String(partition) }).set(Number(BigInt(highWatermark) - next));
      return 'processed';
    } catch (err) {
      this.metrics.transactionAborts.labels({ ...this.labels, reason: (err as Error).name ?? 'error' }).inc();
      // The task's memory may hold writes that never committed: drop it, and the retry reopens
      // it from the changelog and the committed offsets.
      this.closeTask(partition, 'aborted');
      throw err;
    }
  }

  /**
   * Takes ownership of a partition. The committed offsets are read first, waiting while a
   * transaction (an older owner's) is still committing them; the changelogs are then replayed to
   * their end, which a read_committed reader reaches only once every transaction writing them has
   * ended. An older owner that has not committed by then never will: the group coordinator
   * refuses its offsets, so its writes abort.
   */
  private async openTask(partition: number, batchTopic: string, heartbeat: () => Promise<void>): Promise<LiveTask> {
    const { positions, streamTimes } = await this.committedPositions(partition);
    const stores: LoggedStore[] = [];
    const taskStores = this.chain.map(() => new Map<string, ChangeLoggingStore<unknown>>());
    const targets = this.chain.flatMap((p, i) =>
      storeNames(p).map((name) => {
        const inner = emptyStore(p, name);
        const store = new ChangeLoggingStore(inner);
        const serde = storeSerde(p, name);
        const changelog = changelogTopic(this.app, p.name, name);
        taskStores[i]!.set(name, store);
        stores.push({ changelog, serde, store });
        return {
          topic: changelog,
          partition,
          apply: (key: string, value: Buffer | null) => (value === null ? inner.delete(key) : inner.put(key, serde.deserialize(value))),
        };
      }),
    );
    const restore = await restoreChangelogs({
      kafka: this.kafka,
      admin: this.admin!,
      targets,
      logger: this.log,
      now: this.now,
      heartbeat: () => heartbeat().catch((err: unknown) => this.log.debug('heartbeat during restore failed', { err })),
    });
    this.metrics.restoreSeconds.labels(this.labels).observe(restore.durationMs / 1000);
    this.metrics.restoredRecords.labels(this.labels).inc(restore.records);

    for (const [topic, offset] of positions) {
      if (topic !== batchTopic) this.consumer!.seek({ topic, partition, offset: offset.toString() });
    }
    const tasks = this.chain.map((processor, i) => new Task({ processor, partition, stores: taskStores[i]!, handsOver: this.plan.fused }));
    const chain = new TaskChain(tasks, this.plan);
    chain.restoreStreamTimes(streamTimes);
    const live: LiveTask = { chain, stores, processorStores: taskStores, positions };
    this.tasks.set(partition, live);
    this.metrics.activeTasks.labels(this.labels).set(this.tasks.size);
    this.log.info('task restored', {
      event: 'restore',
      partition,
      records: restore.records,
      durationMs: restore.durationMs,
      keys: Object.fromEntries(stores.map((s) => [s.changelog, s.store.size])),
      positions: Object.fromEntries([...positions].map(([t, o]) => [t, o.toString()])),
    });
    return live;
  }

  /** The next offset of each input, and the stream times committed with them (see offset-metadata). */
  private async committedPositions(partition: number): Promise<{ positions: Map<string, bigint>; streamTimes: StreamTimes }> {
    const admin = this.admin!;
    // UNSTABLE_OFFSET_COMMIT (retriable) while an older owner's transaction commits them; a
    // dead one's is aborted by the broker after its transaction timeout.
    const committed = await withRetry(() => admin.fetchOffsets({ groupId: this.groupId, topics: this.inputs, requireStable: true }), {
      ...STABLE_OFFSETS_RETRY,
      onRetry: (err, attempt) => this.log.info('committed offsets not stable yet: an earlier transaction is still open', { partition, attempt, err: (err as Error).message }),
    });
    const out = new Map<string, bigint>();
    const times: StreamTimes[] = [];
    for (const topic of this.inputs) {
      const entry = committed.find((c) => c.topic === topic)?.partitions.find((x) => x.partition === partition);
      times.push(decodeOffsetMetadata(entry?.metadata));
      const offset = entry?.offset ?? '-1';
      if (BigInt(offset) >= 0n) {
        out.set(topic, BigInt(offset));
      } else {
        const ends = await admin.fetchTopicOffsets(topic);
        out.set(topic, BigInt(ends.find((e) => e.partition === partition)?.low ?? '0'));
      }
    }
    return { positions: out, streamTimes: latestStreamTimes(times) };
  }

  /** Drops a task's state: a chunk of it not yet committed is refused (see TaskCommit.isCurrent). */
  private closeTask(partition: number, reason: string): void {
    if (!this.tasks.delete(partition)) return;
    this.metrics.activeTasks.labels(this.labels).set(this.tasks.size);
    for (const topic of this.inputs) this.metrics.consumerLag.remove({ ...this.labels, topic, partition: String(partition) });
    this.log.info('task closed', { partition, reason });
  }

  /**
   * A consumer that kafkajs gave up on while the broker was away: leave the group, drop every
   * task (a task is only ever reopened by fencing and restoring, so nothing is done twice) and
   * join again, waiting out the broker for as long as a restart takes.
   */
  private restart(err: unknown): void {
    if (this.stopping || this.restarting) return;
    this.restarting = true;
    this.metrics.consumerRestarts.labels(this.labels).inc();
    this.log.warn('consumer crashed while the broker was away: rejoining the group', { event: 'restart', err });
    // Not awaited, as in fail(): the crash handler runs inside kafkajs' consumer.
    setImmediate(() => {
      void this.rejoin().finally(() => {
        this.restarting = false;
      });
    });
  }

  private async rejoin(): Promise<void> {
    await this.shutdown();
    try {
      await this.connectWithRetry(REJOIN_RETRY, 'could not rejoin, retrying');
      // stop() during the rejoin found nothing to stop yet; stop what the rejoin started.
      if (this.stopping) await this.shutdown();
    } catch (err) {
      this.fail(err);
    }
  }

  /** A fatal error: log it with everything known, stop, and reject `stopped`. Never a silent hang. */
  private fail(err: unknown): void {
    if (this.stopping) return;
    this.stopping = true;
    this.log.error('processor stopped on a fatal error', { event: 'fatal', err });
    // Not awaited: kafkajs' disconnect waits for the batch handler this may be called from.
    setImmediate(() => {
      void this.shutdown().finally(() => this.settle.reject(err));
    });
  }

  private async shutdown(): Promise<void> {
    await this.consumer?.disconnect().catch((err: unknown) => this.log.warn('consumer did not disconnect cleanly', { err }));
    for (const p of [...this.tasks.keys()]) this.closeTask(p, 'shutdown');
    for (const unregister of this.unregisterGauges) unregister();
    await this.transactions.close();
    await this.admin?.disconnect().catch(() => undefined);
  }
}

function storeSerde(p: AnyProcessor, name: string): Serde<unknown> {
  if (name === RUNTIME_STORE) return runtimeEntrySerde as Serde<unknown>;
  const def = p.stores[name];
  if (!def) throw new StreamError(`processor '${p.name}' has no store '${name}'`);
  return def.serde;
}

/** Prepares every processor's topics (see prepareTopics); a chain's processors must agree on the task count. */
async function prepareChainTopics(admin: Admin, app: string, chain: readonly AnyProcessor[], deadLetterTopic: string, replicationFactor: number): Promise<number> {
  let tasks: number | undefined;
  for (const p of chain) {
    const n = await prepareTopics(admin, app, p, deadLetterTopic, replicationFactor);
    if (tasks !== undefined && n !== tasks) {
      throw new ConfigError(`chain ${chain.map((c) => c.name).join('+')}: '${p.name}' has ${n} partitions per input, the chain's first processor ${tasks}`);
    }
    tasks = n;
  }
  return tasks!;
}

function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}
