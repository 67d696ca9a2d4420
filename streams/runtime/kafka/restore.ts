import { randomUUID } from 'node:crypto';
import { type Admin, AssignerProtocol, type Kafka, type PartitionAssigner } from 'kafkajs';
import { StreamError } from '../errors';
import type { Logger } from '../logger';

/** One changelog partition to replay, and what to do with each entry (null value: tombstone). */
export interface RestoreTarget {
  topic: string;
  partition: number;
  apply(key: string, value: Buffer | null): void;
}

export interface RestoreResult {
  records: number;
  durationMs: number;
  /** Of which: until the restore consumer had its partitions (group join), before any data. */
  assignMs: number;
}

export interface RestoreOptions {
  kafka: Kafka;
  admin: Admin;
  targets: RestoreTarget[];
  logger: Logger;
  /** Called every couple of seconds so a long restore does not get the caller evicted from its group. */
  heartbeat?: () => Promise<void>;
  /** Give up (retriably) if the end offsets are not reached in this time. Default 10 min. */
  timeoutMs?: number;
  /** Wall clock for timing; injected for tests. */
  now?: () => number;
}

/** Assigns each member exactly the requested changelog partitions (kafkajs has no manual assign). */
function fixedAssigner(wanted: Map<string, number[]>): PartitionAssigner {
  return () => ({
    name: 'prm-restore',
    version: 1,
    protocol: ({ topics }) => ({ name: 'prm-restore', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
    async assign({ members }) {
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: Object.fromEntries(wanted), userData: Buffer.alloc(0) }),
      }));
    },
  });
}

/**
 * Replays changelog partitions from the beginning to their high watermark, read_committed: the
 * entries of aborted transactions never reach a store, and a reader passes an open transaction's
 * entries only once it has ended, so an older owner's last transaction is settled first (see
 * ProcessorRunner.openTask). Runs before the task processes anything.
 */
export async function restoreChangelogs(options: RestoreOptions): Promise<RestoreResult> {
  const { kafka, admin, targets, logger, heartbeat, timeoutMs = 600_000, now = Date.now } = options;
  const started = now();
  const remaining = new Map<string, { target: RestoreTarget; end: bigint }>();
  for (const topic of new Set(targets.map((t) => t.topic))) {
    const offsets = await admin.fetchTopicOffsets(topic);
    for (const t of targets.filter((x) => x.topic === topic)) {
      const o = offsets.find((x) => x.partition === t.partition);
      if (!o) throw new StreamError(`changelog ${topic} has no partition ${t.partition}`);
      const end = BigInt(o.high);
      if (end > BigInt(o.low)) remaining.set(`${topic}/${t.partition}`, { target: t, end });
    }
  }
  if (remaining.size === 0) return { records: 0, durationMs: now() - started, assignMs: 0 };

  const wanted = new Map<string, number[]>();
  for (const { target } of remaining.values()) wanted.set(target.topic, [...(wanted.get(target.topic) ?? []), target.partition]);
  const groupId = `prm-restore-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [fixedAssigner(wanted)],
    readUncommitted: false,
    // A throwaway member: a long session keeps a slow, CPU-starved restore from being evicted
    // (which would restart it from offset 0, since it commits nothing).
    sessionTimeout: 60_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 250,
  });
  let records = 0;
  let done!: () => void;
  let failed!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const reached = (topic: string, partition: number, lastOffset: string) => {
    const key = `${topic}/${partition}`;
    const entry = remaining.get(key);
    if (entry && BigInt(lastOffset) + 1n >= entry.end) remaining.delete(key);
    if (remaining.size === 0) done();
  };
  // Batches of only transaction markers never reach eachBatch; this event still reports them.
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => reached(e.payload.topic, e.payload.partition, e.payload.lastOffset));
  consumer.on(consumer.events.CRASH, (e) => failed(e.payload.error));
  let assignedAt: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => (assignedAt ??= now()));
  let lastBeat = now();
  const timer = setTimeout(() => failed(new StreamError(`restore did not reach the changelog end within ${timeoutMs} ms`, { retriable: true })), timeoutMs);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...wanted.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat: ownHeartbeat }) => {
        const target = remaining.get(`${batch.topic}/${batch.partition}`)?.target;
        if (!target) return;
        for (const m of batch.messages) {
          if (m.key === null) continue;
          target.apply(m.key.toString('utf8'), m.value);
          records++;
        }
        if (now() - lastBeat > 2000) {
          lastBeat = now();
          await ownHeartbeat();
          await heartbeat?.();
        }
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch((err: unknown) => logger.warn('restore consumer did not disconnect cleanly', { err }));
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return { records, durationMs: now() - started, assignMs: (assignedAt ?? started) - started };
}
