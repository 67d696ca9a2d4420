import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';

/** A kafkajs client on the brokers global setup published (KAFKA_BROKERS). */
export function testKafka(clientId = 'prm-test'): Kafka {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through jest (test/setup/global-setup.ts)');
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

/** A topic name no other test or run uses: `test.<label>.<random>`. */
export function uniqueTopicName(label: string): string {
  return `test.${label}.${randomBytes(5).toString('hex')}`;
}

/**
 * Creates unique topics for one test file and deletes them (and nothing else) in `cleanup()`.
 * Usage: `const topics = testTopics(kafka); afterAll(() => topics.cleanup());`
 */
export function testTopics(kafka: Kafka) {
  const created = new Set<string>();
  let admin: Admin | undefined;
  const connected = async () => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  };
  return {
    /** Creates a topic with a unique name built from `label` and returns the name. */
    async create(label: string, options: Omit<ITopicConfig, 'topic'> = {}): Promise<string> {
      const topic = uniqueTopicName(label);
      const a = await connected();
      created.add(topic);
      await a.createTopics({ topics: [{ numPartitions: 1, ...options, topic }], waitForLeaders: true });
      return topic;
    },
    /** Names a topic for cleanup that something else (a producer's auto-create, the code under test) creates. */
    track(topic: string): string {
      created.add(topic);
      return topic;
    },
    async cleanup(): Promise<void> {
      if (!admin) return;
      const existing = new Set(await admin.listTopics());
      const mine = [...created].filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
      await admin.disconnect();
      admin = undefined;
      created.clear();
    },
  };
}
