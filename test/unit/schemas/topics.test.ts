import { eventNames } from '../../../schemas/events';
import { findTopic, prefixedCatalogue, recordKey, topicCatalogue, userKeyedPartitions, valueSubject } from '../../../schemas/topics';
import { sampleEvents } from './samples';

describe('topic catalogue', () => {
  it('names each topic once and carries every event', () => {
    const names = topicCatalogue.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...new Set(topicCatalogue.map((t) => t.event))].sort()).toEqual(eventNames);
  });

  it('keys requests, telemetry, predictions and profiles by user id with equal partition counts (co-partitioned joins)', () => {
    for (const name of ['prm.requests', 'prm.telemetry', 'prm.demand-predictions', 'prm.user-profiles']) {
      expect(findTopic(name)).toMatchObject({ keyField: 'userId', partitions: userKeyedPartitions });
    }
  });

  it('compacts the tables (profiles, model updates) and keeps them forever; the rest expire', () => {
    const compacted = topicCatalogue.filter((t) => t.cleanupPolicy === 'compact').map((t) => t.name);
    expect(compacted).toEqual(['prm.user-profiles', 'prm.model-updates']);
    for (const t of topicCatalogue) expect(t.retentionMs === -1).toBe(t.cleanupPolicy === 'compact');
  });

  it('derives keys from the key field and subjects from the topic name', () => {
    const samples = sampleEvents(new Date('2026-11-28T06:00:00Z'));
    expect(recordKey(findTopic('prm.requests'), samples.ExecutionRequest)).toBe('user-7');
    expect(recordKey(findTopic('prm.model-updates'), samples.ModelUpdated)).toBe('user-demand-lstm');
    expect(valueSubject('prm.requests')).toBe('prm.requests-value');
  });

  it('prefixes names for shared clusters and test runs without touching the rest', () => {
    const prefixed = prefixedCatalogue('t42.');
    expect(prefixed[0]).toEqual({ ...topicCatalogue[0], name: 't42.prm.requests' });
    expect(() => findTopic('prm.requests', prefixed)).toThrow('not in the catalogue');
  });
});
