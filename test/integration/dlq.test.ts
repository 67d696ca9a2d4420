import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { avroType } from '../../schemas/avro';
import { BadRecordError, NoMagicByteError } from '../../schemas/errors';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { DeadLetter, DeadLetterReason, ExecutionRequest, ExecutionTelemetry } from '../../schemas/types.generated';
import { frame } from '../../schemas/wire-format';
import { avroDeadLetterSink, createDeadLetterPublisher } from '../../streams/dead-letters';
import { resolveEndpoints } from '../../stack/endpoints';
import { sampleEvents } from '../unit/schemas/samples';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-dlq-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');
const catalogue = prefixedCatalogue(`test.dlq.${run}.`).map((t) => ({ ...t, partitions: 1 }));
const topicOf = (name: string) => findTopic(`test.dlq.${run}.${name}`, catalogue);
const requests = topicOf('prm.requests');
const telemetry = topicOf('prm.telemetry');
const metrics = topicOf('prm.cluster-metrics');
const dlq = topicOf('prm.dlq');
const specs = [requests, telemetry, metrics, dlq];

interface Case {
  topic: string;
  label: string;
  value: Buffer | null;
  reason?: DeadLetterReason;
  /** A fragment the dead letter's message must contain. */
  message?: RegExp;
}

let admin: Admin;
beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, specs, { create: true, replicationFactor: 1 });
});
afterAll(async () => {
  await admin.deleteTopics({ topics: specs.map((s) => s.name), timeout: 30_000 });
  await admin.disconnect();
  for (const s of specs) await deleteSubject(registry, valueSubject(s.name));
});

function cases(serde: EventSerde, now: Date): Case[] {
  const s = sampleEvents(now);
  const request = (id: string, patch: Partial<ExecutionRequest> = {}) => serde.encode(requests.name, { ...s.ExecutionRequest, requestId: id, ...patch });
  const usage = (id: string, patch: Partial<ExecutionTelemetry> = {}) => serde.encode(telemetry.name, { ...s.ExecutionTelemetry, requestId: id, ...patch });
  const good = request('bad-body');
  // A writer that put a number where the enum goes: decodes to an enum index that does not exist.
  const badEnumWriter = avroType({ type: 'record', name: 'ExecutionRequest', namespace: 'io.prm.events', fields: [
    { name: 'requestId', type: 'string' }, { name: 'userId', type: 'string' }, { name: 'tier', type: 'long' }] });
  const badEnum = frame(serde.schemaId(requests.name), badEnumWriter.toBuffer({ requestId: 'r', userId: 'u', tier: 99 }));
  const r = requests.name;
  const t = telemetry.name;
  return [
    { topic: r, label: 'good request 1', value: request('good-1') },
    { topic: r, label: 'JSON text', value: Buffer.from(JSON.stringify(s.ExecutionRequest)), reason: 'NO_MAGIC_BYTE', message: /first byte is 0x7b/ },
    { topic: r, label: 'empty value', value: Buffer.alloc(0), reason: 'TRUNCATED', message: /empty \(0 bytes\)/ },
    { topic: r, label: 'cut-off header', value: Buffer.from([0, 0, 1]), reason: 'TRUNCATED', message: /shorter than the 5-byte/ },
    { topic: r, label: 'unknown schema id', value: frame(2_000_000_000, good.subarray(5)), reason: 'UNKNOWN_SCHEMA_ID', message: /schema id 2000000000 is not in the registry/ },
    { topic: r, label: 'good request 2', value: request('good-2') },
    { topic: r, label: 'another event\'s schema', value: serde.encode(metrics.name, s.ClusterMetrics), reason: 'WRONG_SCHEMA', message: /is io\.prm\.events\.ClusterMetrics, but .* carries io\.prm\.events\.ExecutionRequest/ },
    { topic: r, label: 'truncated Avro body', value: good.subarray(0, good.length - 20), reason: 'TRUNCATED', message: /ends early/ },
    { topic: r, label: 'trailing bytes', value: Buffer.concat([good, Buffer.from([1, 2, 3])]), reason: 'MALFORMED', message: /trailing data/ },
    { topic: r, label: 'enum index out of range', value: badEnum, reason: 'MALFORMED', message: /enum index: 99/ },
    { topic: r, label: 'tombstone', value: null, reason: 'NULL_VALUE', message: /no value/ },
    { topic: r, label: 'empty user id', value: request('empty-user', { userId: '' }), reason: 'INVALID_VALUE', message: /^userId is empty$/ },
    { topic: r, label: 'code over the size limit', value: request('huge-code', { code: 'x'.repeat(300 * 1024) }), reason: 'INVALID_VALUE', message: /code is 307200 bytes, over the 262144-byte limit/ },
    { topic: r, label: 'far-future time', value: request('future', { submittedAt: new Date(now.getTime() + 30 * 86_400_000), deadline: null }), reason: 'INVALID_VALUE', message: /submittedAt .* in the future/ },
    { topic: r, label: 'good request 3', value: request('good-3') },
    { topic: t, label: 'good usage 1', value: usage('good-usage-1') },
    { topic: t, label: 'NaN CPU', value: usage('nan', { cpuMs: Number.NaN }), reason: 'INVALID_VALUE', message: /^cpuMs is NaN$/ },
    { topic: t, label: 'negative memory', value: usage('neg', { peakMemoryBytes: -4096 }), reason: 'INVALID_VALUE', message: /^peakMemoryBytes is -4096, below 0$/ },
    { topic: t, label: 'ends before it starts', value: usage('backwards', { endedAt: new Date(s.ExecutionTelemetry.startedAt.getTime() - 1) }), reason: 'INVALID_VALUE', message: /endedAt is before startedAt/ },
    { topic: t, label: 'good usage 2', value: usage('good-usage-2') },
  ];
}

async function consumeUntil(topics: string[], groupId: string, count: number, onMessage: (topic: string, m: KafkaMessage, partition: number) => Promise<void>) {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    void consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        try {
          await onMessage(topic, message, partition);
        } catch (err) {
          reject(err);
          throw err;
        }
        if (++seen === count) resolve();
      },
    });
  });
  await consumer.disconnect();
}

describe('dead letters', () => {
  it('routes every kind of bad record to the DLQ with its reason and raw bytes, and processes the good ones around them', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const now = new Date();
    const all = cases(serde, now);
    const bad = all.filter((c) => c.reason);
    expect(new Set(bad.map((c) => c.label)).size).toBeGreaterThanOrEqual(10);

    const producer = kafka.producer();
    await producer.connect();
    for (const topic of [requests.name, telemetry.name]) {
      await producer.send({ topic, messages: all.filter((c) => c.topic === topic).map((c) => ({ key: 'user-7', value: c.value })) });
    }

    // The consumer under test: decode + validate, dead-letter what fails, go on.
    const processed: Record<string, string[]> = { [requests.name]: [], [telemetry.name]: [] };
    const publisher = createDeadLetterPublisher({ serde, send: (record) => producer.send(record), clock: { now: () => Date.now() }, topic: dlq.name, processor: 'dlq-test' });
    await consumeUntil([requests.name, telemetry.name], `test.dlq.${run}.processor`, all.length, async (topic, message, partition) => {
      try {
        const event = await serde.read<'ExecutionRequest' | 'ExecutionTelemetry'>(topic, message.value, { now: Date.now() });
        processed[topic]?.push(event.requestId);
      } catch (err) {
        if (!(err instanceof BadRecordError)) throw err;
        await publisher.publish({ topic, partition, offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers: message.headers }, err);
      }
    });
    await producer.disconnect();
    // Order holds within a topic (one partition each), not across topics.
    expect(processed).toEqual({ [requests.name]: ['good-1', 'good-2', 'good-3'], [telemetry.name]: ['good-usage-1', 'good-usage-2'] });

    const letters: DeadLetter[] = [];
    await consumeUntil([dlq.name], `test.dlq.${run}.reader`, bad.length, async (_topic, message) => {
      letters.push(await serde.read<'DeadLetter'>(dlq.name, message.value, { now: Date.now() }));
      expect(message.key?.toString()).toMatch(/^test\.dlq\./);
    });

    for (const c of bad) {
      const offset = all.filter((x) => x.topic === c.topic).indexOf(c);
      const letter = letters.find((l) => l.sourceTopic === c.topic && l.sourceOffset === offset);
      expect({ label: c.label, reason: letter?.reason }).toEqual({ label: c.label, reason: c.reason });
      expect({ label: c.label, message: letter?.errorMessage }).toEqual({ label: c.label, message: expect.stringMatching(c.message as RegExp) });
      expect(letter).toMatchObject({ sourcePartition: 0, processor: 'dlq-test', key: Buffer.from('user-7'), value: c.value });
    }
    expect(letters).toHaveLength(bad.length);
    const schemaIds = new Map(letters.map((l) => [l.errorMessage, l.schemaId]));
    expect(schemaIds.get('schema id 2000000000 is not in the registry')).toBe(2_000_000_000);
  });
});

describe('the stream runtime\'s dead-letter sink', () => {
  it('encodes runtime dead letters as Avro DeadLetter events, classified by their error or their reason', async () => {
    const serde = await EventSerde.start({ registry, topics: [requests, dlq] });
    const failedAt = Date.parse('2026-11-28T06:00:00Z');
    const sink = avroDeadLetterSink(serde, { now: () => failedAt }, dlq.name);
    const base = { processor: 'predictor', sourceTopic: requests.name, partition: 3, offset: '77', key: Buffer.from('u'), value: Buffer.from([9, 9]), timestamp: failedAt - 1_000 };

    const withError = await sink.encode({ ...base, reason: 'decode failed: first byte is 0x09', error: new NoMagicByteError(9) });
    expect(withError.key?.toString()).toBe(requests.name);
    expect(await serde.read(dlq.name, withError.value, { now: failedAt })).toMatchObject({
      sourceTopic: requests.name, sourcePartition: 3, sourceOffset: 77, sourceTimestamp: new Date(failedAt - 1_000), processor: 'predictor',
      failedAt: new Date(failedAt), reason: 'NO_MAGIC_BYTE', errorClass: 'NoMagicByteError', key: base.key, value: base.value,
    });

    const reasons = await Promise.all([
      'invalid event time -5', 'record is late by 90000 ms', 'decode failed: not JSON', 'processing failed: boom',
    ].map(async (reason) => ((await serde.read<'DeadLetter'>(dlq.name, (await sink.encode({ ...base, reason })).value, { now: failedAt })).reason)));
    expect(reasons).toEqual(['INVALID_VALUE', 'LATE', 'MALFORMED', 'PROCESSING_FAILED']);

    // The runtime refuses a tombstone itself, with a plain Error: still a NULL_VALUE dead letter.
    const tombstone = await sink.encode({ ...base, value: null, reason: 'decode failed: record has no value', error: new Error('record has no value') });
    expect(await serde.read(dlq.name, tombstone.value, { now: failedAt })).toMatchObject({ reason: 'NULL_VALUE', errorClass: 'NullValueError', value: null });
  });
});
