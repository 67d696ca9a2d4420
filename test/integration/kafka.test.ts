import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { testKafka, testTopics } from '../setup/kafka';

// Proves produce, consume, consumer groups and admin calls of kafkajs 2.2.4 against the pinned
// broker (Kafka 4 removed old API versions, KIP-896; kafkajs negotiates what is left).

const kafka: Kafka = testKafka('prm-test-kafka');
const topics = testTopics(kafka);
const consumers: Consumer[] = [];

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
});
afterAll(() => topics.cleanup());

/** Runs `consumer` until `count` records arrived, then returns them in arrival order. */
function collect(consumer: Consumer, count: number, timeoutMs = 30_000): Promise<EachMessagePayload[]> {
  const got: EachMessagePayload[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count} records in ${timeoutMs} ms`)), timeoutMs);
    consumer
      .run({
        eachMessage: async (payload) => {
          got.push(payload);
          if (got.length === count) {
            clearTimeout(timer);
            resolve(got);
          }
        },
      })
      .catch(reject);
  });
}

describe('kafkajs against the pinned broker', () => {
  it('reports the single KRaft node in its metadata', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toHaveLength(1);
      expect(cluster.controller).toBe(cluster.brokers[0]?.nodeId);
    } finally {
      await admin.disconnect();
    }
  });

  it('creates, describes and deletes topics', async () => {
    const topic = await topics.create('admin', { numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]?.partitions).toHaveLength(3);
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');

      await topics.delete(topic);
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await admin.disconnect();
    }
  });

  it('delivers produced records in order per key, with headers', async () => {
    const topic = await topics.create('produce', { numPartitions: 2 });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const messages = Array.from({ length: 20 }, (_, i) => ({ key: `user-${i % 4}`, value: `m${i}`, headers: { seq: String(i) } }));
    await producer.send({ topic, messages });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}.reader` });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await collect(consumer, 20);

    const byKey = new Map<string, string[]>();
    for (const { message } of got) {
      const key = message.key?.toString() ?? '';
      byKey.set(key, [...(byKey.get(key) ?? []), message.value?.toString() ?? '']);
    }
    for (let k = 0; k < 4; k++) {
      const expected = messages.filter((m) => m.key === `user-${k}`).map((m) => m.value);
      expect(byKey.get(`user-${k}`)).toEqual(expected);
    }
    expect(got.map(({ message }) => message.headers?.seq?.toString()).sort((a, b) => Number(a) - Number(b))).toEqual(messages.map((m) => m.headers.seq));
  });

  it('shares partitions among the members of a consumer group and commits offsets', async () => {
    const topic = await topics.create('group', { numPartitions: 4 });
    const groupId = `${topic}.group`;
    const assigned = new Map<string, number[]>();
    const seen = new Map<string, Set<number>>();
    let total = 0;
    let allSeen: () => void = () => undefined;
    const received = new Promise<void>((resolve) => (allSeen = resolve));

    for (const name of ['a', 'b']) {
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      seen.set(name, new Set());
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => assigned.set(name, [...(payload.memberAssignment[topic] ?? [])].sort()));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition }) => {
          seen.get(name)?.add(partition);
          if (++total === 20) allSeen();
        },
      });
    }
    // Produce only once both members hold two partitions each, so the split is what is tested.
    for (let i = 0; i < 150 && !([...assigned.values()].length === 2 && [...assigned.values()].every((p) => p.length === 2)); i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect([...assigned.values()].flat().sort()).toEqual([0, 1, 2, 3]);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1, 2, 3].flatMap((p) => Array.from({ length: 5 }, (_, i) => ({ partition: p, value: `p${p}-${i}` }))) });
    await producer.disconnect();
    await received;

    for (const name of ['a', 'b']) expect([...(seen.get(name) ?? [])].sort()).toEqual(assigned.get(name));
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(offsets[0]?.partitions.map((p) => p.offset)).toEqual(['5', '5', '5', '5']);
    } finally {
      await admin.disconnect();
    }
  });
});
