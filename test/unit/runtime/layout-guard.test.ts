import type { Admin } from 'kafkajs';
import { ConfigError } from '../../../streams/runtime/errors';
import { refuseLayoutChange } from '../../../streams/runtime/kafka/layout-guard';

/** An admin that knows groups and the topics each has committed on. */
function adminWith(committed: Record<string, string[]>): Admin {
  const stub = {
    listGroups: async () => ({ groups: Object.keys(committed).map((groupId) => ({ groupId, protocolType: 'consumer' })) }),
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) =>
      topics.map((topic) => ({ topic, partitions: [{ partition: 0, offset: (committed[groupId] ?? []).includes(topic) ? '42' : '-1', metadata: null }] })),
  };
  return stub as unknown as Admin;
}

// The processors of the app: the predictor reads requests, the scheduler predictions and fleet events.
const processors = new Map<string, readonly string[]>([
  ['predictor', ['prm.requests']],
  ['scheduler', ['prm.demand-predictions', 'prm.fleet']],
  ['sink', ['prm.telemetry']],
]);
const predictor = { app: 'prm.v1', unit: ['predictor'], processors, inputs: ['prm.requests'] };
const fused = { app: 'prm.v1', unit: ['predictor', 'scheduler'], processors, inputs: ['prm.requests', 'prm.fleet'] };

describe('refuseLayoutChange', () => {
  it('refuses a unit whose group never committed while another layout of its processors has', async () => {
    await expect(refuseLayoutChange(adminWith({ 'prm.v1.predictor+scheduler': ['prm.requests'] }), predictor)).rejects.toThrow(ConfigError);
    await expect(refuseLayoutChange(adminWith({ 'prm.v1.predictor+scheduler': ['prm.requests'] }), predictor)).rejects.toThrow(
      'predictor would start a new consumer group, prm.v1.predictor, while prm.v1.predictor+scheduler (the same processors laid out fused) has committed offsets',
    );
    // Fusing an app that ran unfused: the scheduler's group alone is enough to refuse.
    await expect(refuseLayoutChange(adminWith({ 'prm.v1.scheduler': ['prm.demand-predictions'] }), fused)).rejects.toThrow('laid out unfused');
  });

  it('lets a group that has committed go on, and a first start with nothing of the app committed', async () => {
    await expect(refuseLayoutChange(adminWith({ 'prm.v1.predictor': ['prm.requests'], 'prm.v1.predictor+scheduler': ['prm.requests'] }), predictor)).resolves.toBeUndefined();
    await expect(refuseLayoutChange(adminWith({ 'prm.v1.predictor+scheduler': [] }), predictor)).resolves.toBeUndefined();
  });

  it("ignores groups of other processors, of other apps sharing the prefix, and not made of this topology's processors", async () => {
    const others = adminWith({
      'prm.v1.sink': ['prm.telemetry'],
      'prm.v1.extra.predictor': ['prm.requests'],
      'prm.v1.predictor+reporter': ['prm.requests'],
      'prm.predictor': ['prm.requests'],
    });
    await expect(refuseLayoutChange(others, predictor)).resolves.toBeUndefined();
  });
});
