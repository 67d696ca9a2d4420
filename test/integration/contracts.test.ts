import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { EncodeError, InvalidRecordError } from '../../schemas/errors';
import { eventSchema } from '../../schemas/events';
import { deleteSubject, registryRequest, subjectCompatibility } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { prefixedCatalogue, recordKey, valueSubject } from '../../schemas/topics';
import type { EventName } from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { sampleEvents } from '../unit/schemas/samples';

// Services from the shared test setup (env), else whatever the local stack wrote.
const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-contracts-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });

const run = randomBytes(4).toString('hex');
const specs = prefixedCatalogue(`test.contracts.${run}.`);
let admin: Admin;

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  const existing = new Set(await admin.listTopics());
  const mine = specs.map((s) => s.name).filter((t) => existing.has(t));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  await admin.disconnect();
  for (const s of specs) await deleteSubject(registry, valueSubject(s.name));
});

describe('event contracts on the real registry and broker', () => {
  it('registers every schema under <topic>-value with BACKWARD compatibility, idempotently', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    for (const spec of specs) {
      const subject = valueSubject(spec.name);
      const latest = await registryRequest<{ id: number; schema: string }>(registry, 'GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
      expect({ subject, id: latest.id }).toEqual({ subject, id: serde.schemaId(spec.name) });
      expect(JSON.parse(latest.schema)).toMatchObject({ name: eventSchema(spec.event).name, namespace: 'io.prm.events' });
      expect(await subjectCompatibility(registry, subject)).toBe('BACKWARD');
    }
    // A restart registers the same schemas again and gets the same ids, no new versions.
    const again = await EventSerde.start({ registry, topics: specs });
    for (const spec of specs) expect(again.schemaId(spec.name)).toBe(serde.schemaId(spec.name));
  });

  it('round-trips every event through Kafka keeping every field, times included', async () => {
    const reports = await ensureTopics(admin, specs, { create: true, replicationFactor: 1 });
    expect(reports.map((r) => r.outcome)).toEqual(specs.map(() => 'created'));

    const serde = await EventSerde.start({ registry, topics: specs });
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 123); // odd milliseconds must survive
    const samples = sampleEvents(now);
    const producer: Producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (const spec of specs) {
      await producer.send({ topic: spec.name, messages: [serde.message(spec.name, samples[spec.event])] });
    }
    await producer.disconnect();

    const received = new Map<string, { key: string; value: unknown; schemaId: number }>();
    const consumer: Consumer = kafka.consumer({ groupId: `test.contracts.${run}` });
    await consumer.connect();
    await consumer.subscribe({ topics: specs.map((s) => s.name), fromBeginning: true });
    const done = new Promise<void>((resolve, reject) => {
      void consumer.run({
        eachMessage: async ({ topic, message }) => {
          try {
            const value = await serde.read(topic, message.value, { now: Date.now() });
            received.set(topic, { key: message.key?.toString() ?? '', value, schemaId: (message.value as Buffer).readInt32BE(1) });
            if (received.size === specs.length) resolve();
          } catch (err) {
            reject(err);
          }
        },
      });
    });
    await done;
    await consumer.disconnect();

    for (const spec of specs) {
      const sample = samples[spec.event as EventName];
      const got = received.get(spec.name);
      expect({ topic: spec.name, value: got?.value }).toEqual({ topic: spec.name, value: sample });
      expect(got?.key).toBe(recordKey(spec, sample));
      expect(got?.schemaId).toBe(serde.schemaId(spec.name));
    }
    // A value that does not fit its schema never reaches Kafka; the error names the field.
    expect(() => serde.encode(specs[1]!.name, { ...samples.ExecutionTelemetry, cpuMs: '12' as unknown as number }))
      .toThrow(expect.objectContaining({ name: EncodeError.name, paths: ['cpuMs'] }));
    const telemetry = received.get(specs[1]!.name)?.value as { startedAt: unknown; endedAt: unknown };
    expect(telemetry.startedAt).toBeInstanceOf(Date);
    expect(telemetry.endedAt).toEqual(samples.ExecutionTelemetry.endedAt);
  });

  it('takes a value handed over in a fused chain as what decoding its bytes gives, without decoding, and only where that is exact', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const samples = sampleEvents(new Date(Math.floor(Date.now() / 1000) * 1000 + 123));
    for (const spec of specs) {
      const sample = samples[spec.event as EventName];
      const topicSerde = serde.topicSerde(spec.name, { now: () => Date.now() });
      const bytes = topicSerde.serialize(sample);
      expect({ topic: spec.name, handedOver: topicSerde.handOver?.(sample) }).toEqual({ topic: spec.name, handedOver: topicSerde.deserialize(bytes) });
      expect(topicSerde.handOver?.(sample)).toBe(sample); // the very value: nothing was decoded
    }
    const predictions = serde.topicSerde<'PredictedDemand'>(specs.find((s) => s.event === 'PredictedDemand')!.name, { now: () => Date.now() });
    // A valid Avro value that breaks a rule is refused as a decoded one is.
    const negative = { ...samples.PredictedDemand, cpuMs: { p50: -1, p90: 1, p99: 2 } };
    const negativeBytes = predictions.serialize(negative);
    expect(() => predictions.deserialize(negativeBytes)).toThrow(InvalidRecordError);
    expect(() => predictions.handOver!(negative)).toThrow(InvalidRecordError);
    // Decoding rounds a float to 32 bits: a schema with one decodes what is handed over.
    const floatSpec = { ...specs.find((s) => s.event === 'ExecutionTelemetry')!, name: `test.contracts.${run}.float` };
    const withFloat = { ...eventSchema('ExecutionTelemetry'), fields: [...eventSchema('ExecutionTelemetry').fields!, { name: 'ratio', type: 'float', default: 0 }] };
    const floatSerde = await EventSerde.start({ registry, topics: [floatSpec], schemaOverrides: { [floatSpec.name]: withFloat } });
    try {
      expect(floatSerde.topicSerde(floatSpec.name, { now: () => Date.now() }).handOver).toBeUndefined();
    } finally {
      await deleteSubject(registry, valueSubject(floatSpec.name));
    }
  });

  it('reports drift when an existing topic differs from the catalogue, and creates nothing twice', async () => {
    const [requests] = specs;
    const drifted = { ...requests!, name: `${requests!.name}.drift` };
    await admin.createTopics({ topics: [{ topic: drifted.name, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true });
    specs.push(drifted); // cleaned up with the rest
    const [report] = await ensureTopics(admin, [drifted], { create: true, replicationFactor: 1 });
    expect(report).toMatchObject({
      outcome: 'drift',
      drift: [
        { setting: 'partitions', expected: '6', actual: '2' },
        { setting: 'retention.ms', expected: String(7 * 86_400_000), actual: '3600000' },
      ],
    });
    const second = await ensureTopics(admin, specs.slice(0, -1), { create: true, replicationFactor: 1 });
    expect(second.map((r) => r.outcome)).toEqual(specs.slice(0, -1).map(() => 'ok'));
  });
});
