import { AssignerProtocol, type GroupDescription, type MemberDescription } from 'kafkajs';
import { decodeMemberData, encodeMemberData } from '../../../streams/runtime/kafka/co-partitioned-assigner';
import { previousIncarnations, removePreviousIncarnations } from '../../../streams/runtime/kafka/previous-incarnation';

function member(memberId: string, userData: Buffer): MemberDescription {
  return {
    memberId, clientId: 'app', clientHost: '/127.0.0.1', memberAssignment: Buffer.alloc(0),
    memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['in'], userData }),
  };
}

describe('member data', () => {
  it('carries the owned tasks and the stable instance, and reads an older member\'s bare array of tasks', () => {
    const meta = (userData: Buffer) => member('m', userData).memberMetadata;
    expect(decodeMemberData(meta(encodeMemberData({ owned: [0, 2], instance: 'app.p.vm-1' })))).toEqual({ owned: [0, 2], instance: 'app.p.vm-1' });
    expect(decodeMemberData(meta(encodeMemberData({ owned: [1] })))).toEqual({ owned: [1] });
    expect(decodeMemberData(meta(Buffer.from('[3,4]')))).toEqual({ owned: [3, 4] });
    expect(decodeMemberData(meta(Buffer.from('not json')))).toEqual({ owned: [] });
    expect(decodeMemberData(meta(Buffer.from('{"owned":["x",5],"instance":7}')))).toEqual({ owned: [5] });
  });
});

describe('previous incarnations', () => {
  const group: GroupDescription = {
    groupId: 'app.p', protocol: 'prm-co-partitioned', protocolType: 'consumer', state: 'Stable',
    members: [
      member('app-1', encodeMemberData({ owned: [0], instance: 'app.p.vm-1' })),
      member('app-2', encodeMemberData({ owned: [1], instance: 'app.p.vm-2' })),
      member('app-3', encodeMemberData({ owned: [2] })),
      member('app-4', Buffer.from('[3]')),
    ],
  };

  it('are the members that name this instance, and no other', () => {
    expect(previousIncarnations(group, 'app.p.vm-1')).toEqual(['app-1']);
    expect(previousIncarnations(group, 'app.p.vm-9')).toEqual([]);
  });

  it('are removed from the group before the new run joins; nothing is asked of a group without them', async () => {
    const removed: Array<{ groupId: string; memberIds: string[] }> = [];
    const admin = {
      describeGroups: async (ids: string[]) => ({ groups: ids.map((id) => (id === group.groupId ? group : { ...group, groupId: id, members: [] })) }),
      removeGroupMembers: async (request: { groupId: string; memberIds: string[] }) => {
        removed.push(request);
      },
    };
    expect(await removePreviousIncarnations(admin, 'app.p', 'app.p.vm-2')).toEqual(['app-2']);
    expect(await removePreviousIncarnations(admin, 'app.p', 'app.p.vm-9')).toEqual([]);
    expect(removed).toEqual([{ groupId: 'app.p', memberIds: ['app-2'] }]);
  });
});
