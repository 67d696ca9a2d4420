import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createExecutor } from '../../sandbox/executor';
import { EventSerde } from '../../schemas/serde';
import type { ExecutionTelemetry, JobDispatch } from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { runSandboxService } from '../../streams/executors/sandbox-service';
import { createRequestProducer } from '../../streams/producer';
import { topicsForFile } from '../support/file-topics';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-sandbox-service-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const prefix = `test.sandbox.${randomBytes(4).toString('hex')}.`;
const specs = topicsForFile(kafka, endpoints.schemaRegistryUrl, prefix, ['prm.requests', 'prm.dispatches', 'prm.telemetry', 'prm.dlq']);
const [requestsTopic, dispatchesTopic, telemetryTopic, deadLetterTopic] = specs.map((s) => s.name) as [string, string, string, string];

const dispatch = (requestId: string, userId: string, timeoutMs: number): JobDispatch => ({
  requestId, userId, pool: 'default', instanceId: 'any', dispatchedAt: new Date(),
  allocation: { cpuMillicores: 1000, memoryBytes: 256 * 1024 * 1024, timeoutMs },
  queuedMs: 5, priorityScore: 1, priority: { base: 1, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'test' },
});

describe('sandbox executor service on the real stack', () => {
  it('runs the requested code under the dispatch allocation and publishes measured telemetry, reports a dispatch whose request never came, and dead-letters one it cannot read', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const requests = await createRequestProducer({ brokers: endpoints.kafkaBrokers, registryUrl: endpoints.schemaRegistryUrl, topicPrefix: prefix });
    const base = { tier: 'STANDARD' as const, priority: 5, language: 'JAVASCRIPT' as const, submittedAt: new Date(), deadline: null, resourceHints: null };
    await requests.publishExecutionRequests([
      { ...base, requestId: 'ok-1', userId: 'ann', code: 'let h = 0; for (let i = 0; i < 3e7; i++) h = (h * 31 + i) | 0; console.log(h);' },
      { ...base, requestId: 'spin-1', userId: 'bob', code: 'for (;;) {}' },
    ]);
    await requests.close();
    // Bytes that are no request: the executor's request cache must read past them.
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic: requestsTopic, messages: [{ key: 'ann', value: Buffer.from('not avro at all') }] });

    const service = await runSandboxService({
      kafka, serde,
      topics: { requests: requestsTopic, dispatches: dispatchesTopic, telemetry: telemetryTopic, deadLetters: deadLetterTopic },
      groupId: `${prefix}sandbox`, executor: createExecutor(), requestWaitMs: 3_000,
    });
    // A dispatch that cannot be read, ahead of the good ones on their partition (dispatches are keyed by pool).
    await raw.send({ topic: dispatchesTopic, messages: [{ key: 'default', value: Buffer.from([0, 0, 0, 0, 1, 255, 255]) }] });
    await raw.disconnect();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: dispatchesTopic, messages: [dispatch('ok-1', 'ann', 20_000), dispatch('spin-1', 'bob', 1500), dispatch('never-sent', 'cy', 20_000)].map((d) => serde.message<'JobDispatch'>(dispatchesTopic, d)) });
    await producer.disconnect();

    const got = new Map<string, { key: string; value: ExecutionTelemetry }>();
    const consumer = kafka.consumer({ groupId: `${prefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: telemetryTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ message }) => {
          const value = await serde.decode<'ExecutionTelemetry'>(telemetryTopic, message.value);
          got.set(value.requestId, { key: message.key!.toString(), value });
          if (got.size >= 3) resolve();
        },
      }).catch(reject);
    });
    await consumer.disconnect();
    await service.stop();
    const letters = await readAll(deadLetterTopic, 1, (v) => serde.decode<'DeadLetter'>(deadLetterTopic, v));

    const ok = got.get('ok-1')!;
    expect(ok.key).toBe('ann');
    expect(ok.value).toMatchObject({ exitStatus: 'OK', exitCode: 0, allocated: { cpuMillicores: 1000, timeoutMs: 20_000 } });
    expect(ok.value.cpuMs).toBeGreaterThan(20);
    expect(ok.value.endedAt.getTime()).toBeGreaterThanOrEqual(ok.value.startedAt.getTime());
    const spin = got.get('spin-1')!;
    expect(spin.key).toBe('bob');
    expect(spin.value.exitStatus).toBe('TIMEOUT');
    expect(spin.value.exitCode).toBeNull();
    // A dispatch whose request never came is still reported, or the scheduler would hold its room for good.
    const missing = got.get('never-sent')!;
    expect(missing.key).toBe('cy');
    expect(missing.value).toMatchObject({ exitStatus: 'NOT_RUN', exitCode: null, cpuMs: 0, peakMemoryBytes: 0 });
    expect(missing.value.endedAt.getTime()).toBe(missing.value.startedAt.getTime());
    expect(service.missing()).toBe(1);
    // The unreadable dispatch went to the dead-letter topic with its reason; the good ones around it ran.
    expect(service.deadLettered()).toBe(1);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ sourceTopic: dispatchesTopic, processor: 'sandbox-executor' });
    expect(letters[0]!.reason).not.toBe('PROCESSING_FAILED');
    expect(letters[0]!.value).toEqual(Buffer.from([0, 0, 0, 0, 1, 255, 255]));
  });
});

/** The first `count` records of a topic, decoded. */
async function readAll<T>(topic: string, count: number, decode: (value: Buffer | null) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}reader-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        out.push(await decode(message.value));
        if (out.length >= count) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return out;
}
