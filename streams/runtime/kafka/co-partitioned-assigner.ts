import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** The task numbers each member owns, the same partition number in every input topic. */
export type TaskAssignment = Map<string, number[]>;

/**
 * Balances tasks over members, keeping each member's previous tasks while it is under quota, so
 * a rebalance moves (and restores) as little state as it can. Deterministic: sorted member ids.
 */
export function assignTasks(taskCount: number, members: { id: string; owned: number[] }[]): TaskAssignment {
  const sorted = [...members].sort((a, b) => a.id.localeCompare(b.id));
  const out: TaskAssignment = new Map(sorted.map((m) => [m.id, []]));
  if (sorted.length === 0) return out;
  const quota = (i: number) => Math.floor(taskCount / sorted.length) + (i < taskCount % sorted.length ? 1 : 0);
  const taken = new Set<number>();
  sorted.forEach((m, i) => {
    for (const t of m.owned) {
      const mine = out.get(m.id)!;
      if (t < taskCount && !taken.has(t) && mine.length < quota(i)) {
        mine.push(t);
        taken.add(t);
      }
    }
  });
  let i = 0;
  for (let t = 0; t < taskCount; t++) {
    if (taken.has(t)) continue;
    while (out.get(sorted[i % sorted.length]!.id)!.length >= quota(i % sorted.length)) i++;
    out.get(sorted[i % sorted.length]!.id)!.push(t);
    i++;
  }
  for (const tasks of out.values()) tasks.sort((a, b) => a - b);
  return out;
}

/** What a member sends in its protocol metadata: the tasks it owns, and its stable instance if it has one. */
export interface MemberData {
  owned: number[];
  /** The instance's transactional id, when it is stable across restarts (see ProcessorRunnerOptions.instanceId). */
  instance?: string;
}

export function encodeMemberData(data: MemberData): Buffer {
  return Buffer.from(JSON.stringify(data));
}

/** Reads a member's data; a member of an older version sent its owned tasks as a bare array. */
export function decodeMemberData(memberMetadata: Buffer): MemberData {
  const meta = AssignerProtocol.MemberMetadata.decode(memberMetadata);
  if (!meta?.userData?.length) return { owned: [] };
  try {
    const parsed: unknown = JSON.parse(meta.userData.toString());
    if (Array.isArray(parsed)) return { owned: parsed.filter((t): t is number => Number.isInteger(t)) };
    const fields = parsed as { owned?: unknown; instance?: unknown } | null;
    const owned = Array.isArray(fields?.owned) ? fields.owned.filter((t): t is number => Number.isInteger(t)) : [];
    return typeof fields?.instance === 'string' ? { owned, instance: fields.instance } : { owned };
  } catch {
    return { owned: [] };
  }
}

/**
 * A kafkajs assigner that gives a member partition p of every subscribed topic together, so a
 * task sees all of its co-partitioned inputs (kafkajs' round-robin would split them).
 * `owned()` is sent as member metadata for stickiness, with the member's stable `instance`, by
 * which a restarted instance finds the membership its dead predecessor left in the group.
 */
export function coPartitionedAssigner(owned: () => number[], instance?: string): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'prm-co-partitioned',
    version: 1,
    protocol({ topics }) {
      const userData = encodeMemberData(instance === undefined ? { owned: owned() } : { owned: owned(), instance });
      return { name: 'prm-co-partitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData }) };
    },
    async assign({ members, topics }) {
      const counts = topics.map((t) => cluster.findTopicPartitionMetadata(t).length);
      const taskCount = Math.min(...counts);
      const plan = assignTasks(taskCount, members.map((m) => ({ id: m.memberId, owned: decodeMemberData(m.memberMetadata).owned })));
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: Object.fromEntries(topics.map((t) => [t, plan.get(m.memberId) ?? []])),
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
