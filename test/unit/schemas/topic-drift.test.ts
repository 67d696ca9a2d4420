import { sameSchema } from '../../../schemas/subject-check';
import { topicConfigs, topicDrift } from '../../../schemas/topic-admin';
import { findTopic } from '../../../schemas/topics';

describe('topic drift', () => {
  const profiles = findTopic('prm.user-profiles');
  const requests = findTopic('prm.requests');

  it('finds none when the cluster matches the catalogue', () => {
    expect(topicDrift(requests, { partitions: 6, replicationFactor: 1, configs: topicConfigs(requests) })).toEqual([]);
    expect(topicConfigs(profiles)).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '-1' });
  });

  it('names each differing setting with expected and actual values', () => {
    const observed = { partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' } };
    expect(topicDrift(profiles, observed)).toEqual([
      { setting: 'partitions', expected: '6', actual: '2' },
      { setting: 'cleanup.policy', expected: 'compact', actual: 'delete' },
      { setting: 'retention.ms', expected: '-1', actual: '604800000' },
    ]);
  });

  it('treats an unreadable setting as drift and ignores cleanup policy order', () => {
    const both = { ...profiles, cleanupPolicy: 'compact' as const };
    expect(topicDrift(both, { partitions: 6, replicationFactor: 1, configs: { 'retention.ms': '-1' } }))
      .toEqual([{ setting: 'cleanup.policy', expected: 'compact', actual: '(unknown)' }]);
    expect(topicDrift(requests, { partitions: 6, replicationFactor: 1, configs: { 'cleanup.policy': ' delete ', 'retention.ms': '604800000' } })).toEqual([]);
  });
});

describe('sameSchema', () => {
  it('ignores key order (registries reorder keys) but not content', () => {
    expect(sameSchema({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] }, { fields: [{ type: 'int', name: 'x' }], name: 'A', type: 'record' })).toBe(true);
    expect(sameSchema({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] }, { type: 'record', name: 'A', fields: [{ name: 'x', type: 'long' }] })).toBe(false);
    expect(sameSchema({ fields: [{ name: 'a' }, { name: 'b' }] }, { fields: [{ name: 'b' }, { name: 'a' }] })).toBe(false);
  });
});
