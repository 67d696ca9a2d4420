import type { Admin, Consumer, Kafka } from 'kafkajs';
import { isNotYetServed } from '../../../schemas/topic-admin';
import { retry } from '../../../sinks/retry';

/**
 * When a reader that starts where its group left off has read what its topic held at start-up:
 * the readiness the trainer's feature recorder and the model followers wait on.
 *
 * Progress is taken from kafkajs' end-of-batch events, not from the messages handled: a
 * partition's last offsets can hold no message a handler sees (a transactional writer's commit
 * marker, records compacted away), and kafkajs reports a batch of only those without calling
 * the handler. The event comes after the handler has finished the batch. A consumer that
 * crashes for good rejects the wait with what was left, where it would otherwise never end.
 */
export interface CatchUp {
  /** Resolves once every partition is read to its end at start-up; rejects if the consumer stopped for good first. */
  readonly done: Promise<void>;
  /** Follows the consumer's batches and crashes; call before it runs. */
  watch(consumer: Pick<Consumer, 'on' | 'events'>): void;
}

/** A topic just created, or any answer kafkajs itself calls retriable. */
function isLeaderMissing(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true || isNotYetServed(error);
}

interface CatchUpOptions {
  admin: Admin;
  topic: string;
  /** Start from this group's committed offsets; without it (or where it has none) from the beginning. */
  groupId?: string;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** Reads the topic's end offsets (and the group's committed ones) now, before the consumer starts. */
async function catchUpFromNow({ admin, topic, groupId, onRetry }: CatchUpOptions): Promise<CatchUp> {
  // A topic created a moment ago may have no leader yet: kafkajs' admin does not retry that.
  const offsets = await retry(() => admin.fetchTopicOffsets(topic), { maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 2000, retriable: isLeaderMissing, onRetry });
  const committed = groupId ? await admin.fetchOffsets({ groupId, topics: [topic] }) : [];
  const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  const ends = new Map<number, bigint>();
  for (const p of offsets) {
    const from = done.get(p.partition) ?? -1n;
    if (BigInt(p.high) > BigInt(p.low) && BigInt(p.high) > from) ends.set(p.partition, BigInt(p.high) - 1n);
  }
  return trackCatchUp(topic, ends);
}

/**
 * A consumer of `topic` in `groupId`, subscribed from its committed offsets (the beginning where it
 * has none), and when it will have read what the topic held now; the caller runs it. The end
 * offsets are read before the consumer starts, so nothing it reads first is missed.
 */
export async function subscribeCatchingUp(
  kafka: Kafka, o: { topic: string; groupId: string; onRetry?: CatchUpOptions['onRetry'] },
): Promise<{ consumer: Consumer; catchUp: CatchUp }> {
  const admin = kafka.admin();
  await admin.connect();
  let catchUp: CatchUp;
  try {
    catchUp = await catchUpFromNow({ admin, topic: o.topic, groupId: o.groupId, onRetry: o.onRetry });
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId: o.groupId });
  catchUp.watch(consumer);
  await consumer.connect();
  await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
  return { consumer, catchUp };
}

/** The tracking alone, on given last offsets per partition (exported for unit tests). */
export function trackCatchUp(topic: string, ends: Map<number, bigint>): CatchUp {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that never awaits `done` must not see an unhandled rejection.
  done.catch(() => undefined);
  if (ends.size === 0) resolve();
  return {
    done,
    watch(consumer) {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const end = ends.get(payload.partition);
        if (payload.topic !== topic || end === undefined || BigInt(payload.lastOffset) < end) return;
        ends.delete(payload.partition);
        if (ends.size === 0) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || ends.size === 0) return;
        const left = [...ends].map(([partition, end]) => `${partition} (to offset ${end})`).join(', ');
        reject(new Error(`the consumer of ${topic} stopped before reading it to its end; partitions left: ${left}: ${payload.error.message}`));
      });
    },
  };
}
