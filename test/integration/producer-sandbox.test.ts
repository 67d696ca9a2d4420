import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createExecutor } from '../../sandbox/executor';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { ExecutionTelemetry, JobDispatch } from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { runSandboxService } from '../../streams/executors/sandbox-service';
import { createRequestProducer } from '../../streams/producer';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-sandbox-service-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const prefix = `test.sandbox.${randomBytes(4).toString('hex')}.`;
const catalogue = prefixedCatalogue(prefix);
const specs = ['prm.requests', 'prm.dispatches', 'prm.telemetry'].map((n) => findTopic(`${prefix}${n}`, catalogue));
const [requestsTopic, dispatchesTopic, telemetryTopic] = specs.map((s) => s.name) as [string, string, string];

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, specs, { create: true, replicationFactor: 1 });
  await admin.disconnect();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: specs.map((s) => s.name), timeout: 30_000 }).catch(() => undefined);
  await admin.disconnect();
  for (const s of specs) await deleteSubject(registry, valueSubject(s.name));
});

const dispatch = (requestId: string, userId: string, timeoutMs: number): JobDispatch => ({
  requestId, userId, pool: 'default', instanceId: 'any', dispatchedAt: new Date(),
  allocation: { cpuMillicores: 1000, memoryBytes: 256 * 1024 * 1024, timeoutMs },
  queuedMs: 5, priorityScore: 1, priority: { base: 1, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'test' },
});

describe('sandbox executor service on the real stack', () => {
  it('runs the requested code under the dispatch allocation and publishes measured telemetry, and reports a dispatch whose request never came', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const requests = await createRequestProducer({ brokers: endpoints.kafkaBrokers, registryUrl: endpoints.schemaRegistryUrl, topicPrefix: prefix });
    const base = { tier: 'STANDARD' as const, priority: 5, language: 'JAVASCRIPT' as const, submittedAt: new Date(), deadline: null, resourceHints: null };
    await requests.publishExecutionRequests([
      { ...base, requestId: 'ok-1', userId: 'ann', code: 'let h = 0; for (let i = 0; i < 3e7; i++) h = (h * 31 + i) | 0; console.log(h);' },
      { ...base, requestId: 'spin-1', userId: 'bob', code: 'for (;;) {}' },
    ]);
    await requests.close();

    const service = await runSandboxService({
      kafka, serde, topics: { requests: requestsTopic, dispatches: dispatchesTopic, telemetry: telemetryTopic },
      groupId: `${prefix}sandbox`, executor: createExecutor(), requestWaitMs: 3_000,
    });
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
    expect(missing.value).toMatchObject({ exitStatus: 'ERROR', exitCode: null, cpuMs: 0, peakMemoryBytes: 0 });
    expect(missing.value.endedAt.getTime()).toBe(missing.value.startedAt.getTime());
    expect(service.missing()).toBe(1);
  });
});
