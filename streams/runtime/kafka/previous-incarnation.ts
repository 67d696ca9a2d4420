import { AssignerProtocol, type Admin, type GroupDescription, type PartitionAssigner } from 'kafkajs';
import { decodeMemberData, encodeMemberData } from './co-partitioned-assigner';

/**
 * The members of a group that an earlier run of `instance` left behind. Kafka keeps a member
 * whose process died until its session times out, and a rebalance waits for it: without this,
 * a restarted instance gets its partitions back only a session timeout after the crash.
 * kafkajs has no static membership (group.instance.id), which would let the broker hand the
 * restarted member its old place; the members' metadata carries the instance instead.
 */
export function previousIncarnations(group: Pick<GroupDescription, 'members'>, instance: string): string[] {
  return group.members.filter((m) => decodeMemberData(m.memberMetadata).instance === instance).map((m) => m.memberId);
}

/**
 * Removes what an earlier run of this instance left in `groupId`. Called before this run's
 * consumer joins, so every member it finds is dead or a zombie: one this instance's producer
 * has already fenced, whose transactions can no longer commit. Returns the members removed.
 */
export async function removePreviousIncarnations(admin: Pick<Admin, 'describeGroups' | 'removeGroupMembers'>, groupId: string, instance: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const stale = groups.flatMap((g) => (g.groupId === groupId ? previousIncarnations(g, instance) : []));
  if (stale.length > 0) await admin.removeGroupMembers({ groupId, memberIds: stale });
  return stale;
}

/**
 * `base` with the member's stable instance in its metadata, for consumers whose assigner does
 * not read member data (kafkajs' round-robin), so their restarts can remove their predecessors
 * too. The protocol name is unchanged: untagged members of the same group stay compatible.
 */
export function tagWithInstance(base: PartitionAssigner, instance: string): PartitionAssigner {
  return (config) => {
    const assigner = base(config);
    return {
      ...assigner,
      protocol: ({ topics }) => ({
        name: assigner.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: assigner.version, topics, userData: encodeMemberData({ owned: [], instance }) }),
      }),
    };
  };
}
