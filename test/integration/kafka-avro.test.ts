import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { testKafka, testTopics } from '../setup/kafka';

// The path every PRM event takes: schema registered in the registry, Avro in Confluent's wire
// format (magic byte, schema id, body) through Kafka, decoded by a consumer that only knows
// the registry. Runs against whichever registry global setup provides.

const kafka: Kafka = testKafka('prm-test-avro');
const topics = testTopics(kafka);
afterAll(() => topics.cleanup());

function registry(): SchemaRegistry {
  const host = process.env.SCHEMA_REGISTRY_URL;
  if (!host) throw new Error('SCHEMA_REGISTRY_URL is not set: the schema registry did not start (see the test setup output)');
  return new SchemaRegistry({ host });
}

const requestSchema = (namespace: string) => ({
  type: 'record',
  name: 'TestRequest',
  namespace,
  fields: [
    { name: 'user_id', type: 'string' },
    { name: 'cpu_ms', type: 'long' },
    { name: 'language', type: { type: 'enum', name: 'Language', symbols: ['TS', 'PY'] } },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
    { name: 'peak_mb', type: ['null', 'double'], default: null },
  ],
});

describe('Avro records through Kafka with the schema registry', () => {
  it('registers a schema, produces encoded records and decodes them in a consumer', async () => {
    const reg = registry();
    const topic = await topics.create('avro');
    const subject = `${topic}-value`;
    // A namespace per run: the registry is shared and keeps subjects across runs.
    const { id } = await reg.register({ type: SchemaType.AVRO, schema: JSON.stringify(requestSchema(`prm.test.n${topic.slice(-10)}`)) }, { subject });
    expect(await reg.getLatestSchemaId(subject)).toBe(id);

    const records = [
      { user_id: 'u1', cpu_ms: 1200, language: 'TS', tags: ['batch'], peak_mb: 256.5 },
      { user_id: 'u2', cpu_ms: 7, language: 'PY', tags: [], peak_mb: null },
    ];
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: await Promise.all(records.map(async (r) => ({ key: r.user_id, value: await reg.encode(id, r) }))) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}.reader` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const decoded: unknown[] = [];
    const wireIds: number[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (!message.value) return;
            wireIds.push(message.value.readInt32BE(1));
            // A fresh client: the consumer learns the schema from the registry by id alone.
            decoded.push(await registry().decode(message.value));
            if (decoded.length === records.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    expect(wireIds).toEqual([id, id]);
    expect(decoded).toEqual(records);
  });

  it('refuses to encode a record that does not match the registered schema', async () => {
    const reg = registry();
    const subject = `${await topics.create('avro-bad')}-value`;
    const { id } = await reg.register({ type: SchemaType.AVRO, schema: JSON.stringify(requestSchema(`prm.test.b${subject.slice(-16, -6)}`)) }, { subject });
    await expect(reg.encode(id, { user_id: 'u1', cpu_ms: 'lots', language: 'TS' })).rejects.toThrow();
  });
});
