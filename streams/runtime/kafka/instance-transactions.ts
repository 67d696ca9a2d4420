import type { ConsumerGroupMetadata, Producer } from 'kafkajs';
import { StreamError } from '../errors';
import type { Logger } from '../logger';
import type { OutboundMessage } from '../task';
import { isFencingError } from './fencing';
import { chunkBySize } from './transaction-messages';

/** A processed chunk of one task, waiting to commit: what it writes and where its input resumes. */
export interface TaskCommit {
  /** Outputs, dead letters and changelog entries, in the order they were made. */
  messages: OutboundMessage[];
  /** The input's next offset, with the task's stream times (see offset-metadata). */
  offset: { topic: string; partition: number; offset: string; metadata: string };
  /** The group generation the chunk was processed in: the coordinator refuses it once a rebalance replaced it. */
  member: ConsumerGroupMetadata;
  /** False once the task was dropped (revoked, or reopened after a failure): its work must not commit. */
  isCurrent(): boolean;
}

export interface InstanceTransactionsOptions {
  /** Creates this instance's transactional producer; connecting it fences an older one with the same id. */
  createProducer: () => Producer;
  groupId: string;
  logger: Logger;
  /** Told of every committed transaction and how many chunks it carried. */
  onRoundCommitted?: (chunks: number) => void;
  now?: () => number;
}

/** A submitted chunk and how to tell its owner the outcome. */
interface Pending {
  commit: TaskCommit;
  resolve: (committedAt: number) => void;
  reject: (err: unknown) => void;
}

/**
 * Exactly-once v2 (KIP-447), as Kafka Streams runs it: one transactional producer per instance,
 * and every task's processed chunk that is ready joins the instance's next transaction, so a
 * fetch that brought records for six partitions costs one transaction instead of six. The
 * broker's per-transaction work (partition registration, markers on every partition written) and
 * the round trips are paid once per round.
 *
 * Fencing moves from the producer to the group: the offsets carry the member's generation, and
 * the group coordinator refuses them from a member that a rebalance replaced (a zombie), which
 * aborts its transaction. A new owner reads committed offsets with `requireStable`, so it waits
 * for a transaction that was already committing them.
 *
 * A round that fails aborts as a whole and every task in it must be reopened from the committed
 * state; the producer is dropped and the next round starts from InitProducerId, which also
 * settles whatever the failed abort left open.
 */
export class InstanceTransactions {
  private readonly createProducer: () => Producer;
  private readonly groupId: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly onRoundCommitted: (chunks: number) => void;
  /** Created on the first round and after a failed one; connecting it initialises the transactional id. */
  private producer?: { client: Producer; connected: Promise<void> };
  private next: Pending[] = [];
  private committing?: Promise<void>;
  private flushScheduled = false;

  constructor(options: InstanceTransactionsOptions) {
    this.createProducer = options.createProducer;
    this.groupId = options.groupId;
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.onRoundCommitted = options.onRoundCommitted ?? (() => undefined);
  }

  /**
   * Adds a task's chunk to the next transaction; resolves with the commit time once that
   * transaction committed, rejects if it failed (the task must then be reopened).
   */
  submit(commit: TaskCommit): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.next.push({ commit, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Initialises the transactional id now instead of at the first round. Under a stable instance
   * id, InitProducerId aborts what a killed predecessor left open, so its partitions' readers
   * move on as this instance starts rather than after the transaction timeout: the tasks this
   * instance opens read their committed offsets only once no transaction holds them.
   *
   * kafkajs' connect() alone does not do it: it initialises an idempotent producer id without
   * the transactional id. The transactional one is initialised by the first transaction(), so
   * open() begins one and ends it at once; with nothing sent, the abort stays on the client.
   */
  async open(): Promise<void> {
    try {
      const producer = await this.connectedProducer();
      await (await producer.transaction()).abort();
    } catch (err) {
      await this.dropProducer();
      throw err;
    }
  }

  /** Waits for the transaction in flight, then closes the producer. */
  async close(): Promise<void> {
    await this.committing;
    await this.dropProducer();
  }

  /**
   * Commits on the next turn of the event loop rather than at once: kafkajs hands a fetch's
   * batches to its workers within one turn, so every task's chunk of that fetch joins one round.
   * Chunks submitted while a round commits wait for the next one (one producer, one transaction).
   */
  private schedule(): void {
    if (this.flushScheduled || this.committing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.next.length === 0 || this.committing) return;
      const round = this.next;
      this.next = [];
      this.committing = this.commitRound(round).finally(() => {
        this.committing = undefined;
        if (this.next.length > 0) this.schedule();
      });
    });
  }

  private async commitRound(round: Pending[]): Promise<void> {
    const current: Pending[] = [];
    for (const p of round) {
      // A dropped task's chunk was processed on state that is gone; its owner retries on the reopened task.
      if (p.commit.isCurrent()) current.push(p);
      else p.reject(new StreamError('the task was closed before its chunk committed', { retriable: true }));
    }
    if (current.length === 0) return;
    const member = current[0]!.commit.member;
    if (current.some((p) => p.commit.member.generationId !== member.generationId || p.commit.member.memberId !== member.memberId)) {
      // Chunks from both sides of a rebalance: the older generation's would be refused, so none commit.
      const err = new StreamError('chunks of two group generations met in one transaction (a rebalance is under way)', { retriable: true });
      for (const p of current) p.reject(err);
      return;
    }
    try {
      await this.commitTransaction(current.map((p) => p.commit), member);
    } catch (err) {
      await this.dropProducer();
      const reported = isFencingError(err)
        ? new StreamError(`the instance producer was fenced (another producer took its transactional id, or its transaction outlived the timeout)`, { retriable: true, cause: err })
        : err;
      for (const p of current) p.reject(reported);
      return;
    }
    this.onRoundCommitted(current.length);
    const committedAt = this.now();
    for (const p of current) p.resolve(committedAt);
  }

  private async commitTransaction(commits: TaskCommit[], member: ConsumerGroupMetadata): Promise<void> {
    const producer = await this.connectedProducer();
    const txn = await producer.transaction();
    try {
      for (const send of chunkBySize(commits.flatMap((c) => c.messages))) await txn.sendBatch({ topicMessages: send, acks: -1 });
      await txn.sendOffsets({ consumerGroupId: this.groupId, topics: offsetsByTopic(commits), consumerGroupMetadata: member });
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => undefined);
      throw err;
    }
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const client = this.createProducer();
      this.producer = { client, connected: client.connect() };
    }
    await this.producer.connected;
    return this.producer.client;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    await producer.client.disconnect().catch((err: unknown) => this.log.warn('instance producer did not disconnect cleanly', { err }));
  }
}

/** The round's input offsets, per topic. A task has one chunk in flight, so a partition appears once. */
function offsetsByTopic(commits: TaskCommit[]): { topic: string; partitions: { partition: number; offset: string; metadata: string }[] }[] {
  const byTopic = new Map<string, { partition: number; offset: string; metadata: string }[]>();
  for (const { offset } of commits) {
    const partitions = byTopic.get(offset.topic) ?? [];
    partitions.push({ partition: offset.partition, offset: offset.offset, metadata: offset.metadata });
    byTopic.set(offset.topic, partitions);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
