import type { Admin } from 'kafkajs';
import { ConfigError } from '../errors';
import { consumerGroupId } from '../topology';

export interface LayoutGuardOptions {
  app: string;
  /** The processors this runner runs as one task, in chain order (one when unfused). */
  unit: readonly string[];
  /** Every processor of the topology by name, with its input topics: what a group name of this app can be made of, and where such a group commits. */
  processors: ReadonlyMap<string, readonly string[]>;
  /** The unit's input topics (whose committed offsets say the group has run). */
  inputs: readonly string[];
}

/**
 * A unit's consumer group is named after it: `<app>.predictor` alone, `<app>.predictor+scheduler`
 * fused. Running the same processors under another fusing therefore joins a new group, which
 * has no committed offsets and reads its inputs from the beginning: every request would be
 * predicted and dispatched again, while the old layout's offsets and open work are left behind.
 * There is no migration between layouts, so a unit whose group has never committed refuses to
 * start while a group of another layout sharing one of its processors has committed offsets.
 */
export async function refuseLayoutChange(admin: Admin, o: LayoutGuardOptions): Promise<void> {
  const own = consumerGroupId(o.app, o.unit.join('+'));
  if (await hasCommitted(admin, own, o.inputs)) return;
  const prefix = `${o.app}.`;
  const { groups } = await admin.listGroups();
  for (const { groupId } of groups) {
    if (groupId === own || !groupId.startsWith(prefix)) continue;
    const members = groupId.slice(prefix.length).split('+');
    if (!members.every((m) => o.processors.has(m)) || !members.some((m) => o.unit.includes(m))) continue;
    const topics = new Set(members.flatMap((m) => o.processors.get(m)!));
    if (!(await hasCommitted(admin, groupId, [...topics]))) continue;
    throw new ConfigError(
      `${o.unit.join('+')} would start a new consumer group, ${own}, while ${groupId} (the same processors laid out ` +
        `${members.length > 1 ? 'fused' : 'unfused'}) has committed offsets: this app ran with another fusing (--fuse). ` +
        `A new group reads its inputs from the beginning and would process them again, and there is no migration between layouts. ` +
        `Run with the fusing the app ran with, or under a new app id to start over on purpose.`,
    );
  }
}

async function hasCommitted(admin: Admin, groupId: string, topics: readonly string[]): Promise<boolean> {
  const offsets = await admin.fetchOffsets({ groupId, topics: [...topics] });
  return offsets.some((t) => t.partitions.some((p) => p.offset !== '-1'));
}
