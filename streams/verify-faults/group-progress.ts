import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

/** Where one consumer group stands: its committed offsets summed over its partitions, and how far behind the ends they are. */
export interface GroupPosition {
  /** Sum of the committed offsets: it grows exactly when the group commits progress. */
  committed: number;
  /** Records (and transaction markers) between the committed offsets and the partitions' ends. */
  lag: number;
}

/**
 * Reads a group's committed offsets and the ends of the topics it consumes. Under exactly-once
 * a processor's offsets move only when its transaction commits, so a rise in `committed` after a
 * fault is the processor working again, not just connected. `lag` counts a trailing commit marker
 * per partition too: a caught-up transactional group sits one or two behind, never at zero.
 */
export async function groupPosition(admin: Admin, groupId: string): Promise<GroupPosition> {
  const offsets = await admin.fetchOffsets({ groupId });
  let committed = 0;
  let lag = 0;
  for (const { topic, partitions } of offsets) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, Number(e.high)]));
    for (const p of partitions) {
      const at = Math.max(0, Number(p.offset));
      committed += at;
      lag += Math.max(0, (ends.get(p.partition) ?? 0) - at);
    }
  }
  return { committed, lag };
}

/**
 * Polls the groups until each has committed past where it stood at `since` (its baseline), and
 * returns the seconds from `since` until the last of them did; undefined at the timeout.
 */
export async function waitForProgress(
  admin: Admin,
  baselines: ReadonlyMap<string, number>,
  since: number,
  timeoutMs: number,
): Promise<number | undefined> {
  const pending = new Set(baselines.keys());
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    if (Date.now() > deadline) return undefined;
    for (const group of [...pending]) {
      const position = await groupPosition(admin, group).catch(() => undefined);
      if (position && position.committed > baselines.get(group)!) pending.delete(group);
    }
    if (pending.size > 0) await sleep(250);
  }
  return (Date.now() - since) / 1000;
}

export async function baselines(admin: Admin, groups: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const group of groups) out.set(group, (await retry(() => groupPosition(admin, group))).committed);
  return out;
}

async function retry<T>(work: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(500);
    }
  }
}
