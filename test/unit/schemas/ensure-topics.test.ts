import { ConfigResourceTypes } from 'kafkajs';
import { ensureTopics, topicConfigs, type TopicAdmin } from '../../../schemas/topic-admin';
import { findTopic } from '../../../schemas/topics';

type Metadata = Awaited<ReturnType<TopicAdmin['fetchTopicMetadata']>>;

const spec = findTopic('prm.dlq');

function kafkaError(type: string): Error {
  return Object.assign(new Error(type === 'UNKNOWN_TOPIC_OR_PARTITION' ? 'This server does not host this topic-partition' : type), { type });
}

/** An admin whose topic is missing, then created; metadata answers come from `answers` in turn (the last one repeats). */
function stubAdmin(answers: Array<Metadata | Error>) {
  const calls = { create: 0, metadata: 0 };
  const admin: TopicAdmin = {
    listTopics: async () => [],
    createTopics: async () => {
      calls.create++;
      return true;
    },
    fetchTopicMetadata: async () => {
      const answer = answers[Math.min(calls.metadata++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    describeConfigs: async () => ({
      throttleTime: 0,
      resources: [{ errorCode: 0, errorMessage: '', resourceName: spec.name, resourceType: ConfigResourceTypes.TOPIC, configEntries: Object.entries(topicConfigs(spec)).map(([configName, configValue]) => ({ configName, configValue, isDefault: false, configSource: 1, isSensitive: false, readOnly: false, configSynonyms: [] })) }],
    }),
  };
  return { admin, calls };
}

function led(leader: number): Metadata {
  return { topics: [{ name: spec.name, partitions: Array.from({ length: spec.partitions }, (_, p) => ({ partitionErrorCode: 0, partitionId: p, leader: p === 0 ? leader : 1, replicas: [1], isr: [1], offlineReplicas: [] })) }] };
}

describe('ensureTopics after a create', () => {
  it('waits out a broker that does not host the new topic yet, then a partition without a leader', async () => {
    const { admin, calls } = stubAdmin([kafkaError('UNKNOWN_TOPIC_OR_PARTITION'), led(-1), led(1)]);
    const [report] = await ensureTopics(admin, [spec], { create: true, replicationFactor: 1 });
    expect(report).toMatchObject({ topic: spec.name, outcome: 'created', drift: [] });
    expect(calls.create).toBe(1);
    // Three answers to the wait, one more to observe what was created.
    expect(calls.metadata).toBe(4);
  });

  it('gives up after the wait it was given, saying what it waited for', async () => {
    const { admin } = stubAdmin([led(-1)]);
    await expect(ensureTopics(admin, [spec], { create: true, replicationFactor: 1, leaderWaitMs: 250 })).rejects.toThrow(`created topics not served within 250 ms: leaders of ${spec.name}`);
  });

  it('does not retry an error that waiting cannot mend', async () => {
    const { admin, calls } = stubAdmin([kafkaError('TOPIC_AUTHORIZATION_FAILED')]);
    await expect(ensureTopics(admin, [spec], { create: true, replicationFactor: 1 })).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(calls.metadata).toBe(1);
  });
});
