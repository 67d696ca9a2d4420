import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { SchemaIncompatibleError, SchemaNotLoadedError } from '../../schemas/errors';
import { eventSchema } from '../../schemas/events';
import { deleteSubject, registryRequest, subjectCompatibility } from '../../schemas/registry-http';
import type { AvroComplexSchema, AvroField } from '../../schemas/schema-files';
import { EventSerde } from '../../schemas/serde';
import { findTopic, valueSubject, type TopicSpec } from '../../schemas/topics';
import { resolveEndpoints } from '../../stack/endpoints';
import { sampleEvents } from '../unit/schemas/samples';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-evolution-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');

const v1 = eventSchema('ExecutionTelemetry');
const withFields = (schema: AvroComplexSchema, fields: AvroField[]): AvroComplexSchema => ({ ...schema, fields: [...(schema.fields ?? []), ...fields] });
const withoutField = (schema: AvroComplexSchema, name: string): AvroComplexSchema => ({ ...schema, fields: (schema.fields ?? []).filter((f) => f.name !== name) });
/** v2: an optional field with a default, the one kind of addition BACKWARD allows. */
const v2 = withFields(v1, [{ name: 'gpuMs', type: ['null', 'double'], default: null, doc: 'GPU time in milliseconds, when the job had a GPU.' }]);

const topics: string[] = [];
function topic(label: string): TopicSpec {
  const spec = { ...findTopic('prm.telemetry'), name: `test.evolution.${run}.${label}`, partitions: 1 };
  topics.push(spec.name);
  return spec;
}

/** Registers a schema for a topic through the serde and returns the error the registry raised, if any. */
async function attempt(spec: TopicSpec, schema: AvroComplexSchema): Promise<unknown> {
  return EventSerde.start({ registry, topics: [spec], schemaOverrides: { [spec.name]: schema } }).then(() => undefined, (err: unknown) => err);
}

let admin: Admin;
beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  const existing = new Set(await admin.listTopics());
  const mine = topics.filter((t) => existing.has(t));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  await admin.disconnect();
  for (const t of topics) await deleteSubject(registry, valueSubject(t));
});

describe('schema evolution under BACKWARD compatibility', () => {
  it('accepts an optional field with a default; old and new consumers read each other\'s records', async () => {
    const spec = topic('add-optional');
    await admin.createTopics({ topics: [{ topic: spec.name, numPartitions: 1 }], waitForLeaders: true });
    const oldSerde = await EventSerde.start({ registry, topics: [spec], schemaOverrides: { [spec.name]: v1 } });
    const newSerde = await EventSerde.start({ registry, topics: [spec], schemaOverrides: { [spec.name]: v2 } });
    expect(newSerde.schemaId(spec.name)).not.toBe(oldSerde.schemaId(spec.name));
    const versions = await registryRequest<number[]>(registry, 'GET', `/subjects/${encodeURIComponent(valueSubject(spec.name))}/versions`);
    expect(versions).toHaveLength(2);

    const sample = sampleEvents(new Date()).ExecutionTelemetry;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: spec.name, messages: [
      newSerde.message(spec.name, { ...sample, requestId: 'new-1', gpuMs: 42.5 } as typeof sample),
      oldSerde.message(spec.name, { ...sample, requestId: 'old-1' }),
    ] });
    await producer.disconnect();

    const raw: Buffer[] = [];
    const consumer = kafka.consumer({ groupId: `test.evolution.${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic: spec.name, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => {
        raw.push(message.value as Buffer);
        if (raw.length === 2) resolve();
      } });
    });
    await consumer.disconnect();

    // A synchronous consumer (the stream runtime's serde) started before v2 existed: the first
    // v2 record asks for a retry while the writer schema loads, then decodes.
    const syncOld = oldSerde.topicSerde<'ExecutionTelemetry'>(spec.name, { now: () => Date.now() });
    expect(() => syncOld.deserialize(raw[0]!)).toThrow(SchemaNotLoadedError);
    let syncDecoded: unknown;
    for (let attempt = 0; attempt < 50 && syncDecoded === undefined; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        syncDecoded = syncOld.deserialize(raw[0]!);
      } catch (err) {
        if (!(err instanceof SchemaNotLoadedError)) throw err;
      }
    }
    expect(syncDecoded).toEqual({ ...sample, requestId: 'new-1' });

    // The consumer still on v1 reads the v2 record: the new field is skipped, the rest intact.
    const oldReadsNew = await oldSerde.read(spec.name, raw[0]!, { now: Date.now() });
    expect(oldReadsNew).toEqual({ ...sample, requestId: 'new-1' });
    expect(oldReadsNew).not.toHaveProperty('gpuMs');
    // The upgraded consumer reads records written before the change with the default.
    expect(await newSerde.read(spec.name, raw[1]!, { now: Date.now() })).toEqual({ ...sample, requestId: 'old-1', gpuMs: null });
    expect(await newSerde.read(spec.name, raw[0]!, { now: Date.now() })).toEqual({ ...sample, requestId: 'new-1', gpuMs: 42.5 });
  });

  it('rejects a new field without a default (a new reader could not read old records), with the registry\'s reason', async () => {
    const spec = topic('add-required');
    await EventSerde.start({ registry, topics: [spec], schemaOverrides: { [spec.name]: v1 } });
    const err = await attempt(spec, withFields(v1, [{ name: 'region', type: 'string', doc: 'Region the job ran in.' }]));
    expect(err).toBeInstanceOf(SchemaIncompatibleError);
    expect((err as SchemaIncompatibleError).subject).toBe(valueSubject(spec.name));
    expect((err as Error).message).toMatch(new RegExp(`schema for subject '${valueSubject(spec.name).replace(/\./g, '\\.')}' rejected as incompatible: .+`));
    expect((err as SchemaIncompatibleError).registryMessage).toMatch(/incompatible/i);
    expect((err as SchemaIncompatibleError).retriable).toBe(false);
  });

  it('rejects a changed field type', async () => {
    const spec = topic('change-type');
    await EventSerde.start({ registry, topics: [spec], schemaOverrides: { [spec.name]: v1 } });
    const changed = { ...v1, fields: (v1.fields ?? []).map((f) => (f.name === 'cpuMs' ? { ...f, type: 'string' } : f)) };
    expect(await attempt(spec, changed)).toBeInstanceOf(SchemaIncompatibleError);
  });

  it('removing a field without a default: allowed by BACKWARD (new readers ignore it), rejected once old readers are protected (FORWARD/FULL)', async () => {
    // BACKWARD only promises that the new schema reads old data; a reader without ioWriteBytes
    // simply skips it. Protecting consumers still on the old schema takes FORWARD or FULL.
    const backward = topic('remove-backward');
    await EventSerde.start({ registry, topics: [backward], schemaOverrides: { [backward.name]: v1 } });
    expect(await attempt(backward, withoutField(v1, 'ioWriteBytes'))).toBeUndefined();

    const full = topic('remove-full');
    await EventSerde.start({ registry, topics: [full], compatibility: 'FULL', schemaOverrides: { [full.name]: v1 } });
    expect(await subjectCompatibility(registry, valueSubject(full.name))).toBe('FULL');
    const err = await EventSerde.start({ registry, topics: [full], compatibility: 'FULL', schemaOverrides: { [full.name]: withoutField(v1, 'ioWriteBytes') } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SchemaIncompatibleError);
    expect((err as SchemaIncompatibleError).registryMessage).toMatch(/incompatible/i);
  });
});
