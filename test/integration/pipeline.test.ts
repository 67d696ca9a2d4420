import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { ExecutionRequest } from '../../schemas/types.generated';
import { registryTopics } from '../../streams/processors/event-topics';
import { predictorProcessor } from '../../streams/processors/predictor';
import { schedulerProcessor } from '../../streams/processors/scheduler';
import { avroDeadLetterSink } from '../../streams/dead-letters';
import { systemClock } from '../../streams/runtime/clock';
import { silentLogger } from '../../streams/runtime/logger';
import { StreamApp } from '../../streams/runtime/kafka/stream-app';
import { buildTopology, changelogTopic, storeNames, erase } from '../../streams/runtime/topology';
import { resolveEndpoints } from '../../stack/endpoints';
import { analyzer, opsEstimator } from '../unit/processors/fixtures';

jest.setTimeout(300_000);

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-pipeline-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');
const prefix = `test.pipeline.${run}.`;
const partitions = 2;
const catalogue = prefixedCatalogue(prefix).map((t) => ({ ...t, partitions }));
const names = ['prm.requests', 'prm.user-profiles', 'prm.demand-predictions', 'prm.telemetry', 'prm.dispatches', 'prm.dlq'];
const specs = names.map((n) => findTopic(`${prefix}${n}`, catalogue));
const topicName = (n: string) => `${prefix}${n}`;
const app = `prm-pipeline-${run}`;

let admin: Admin;
const changelogs: string[] = [];
beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, specs, { create: true, replicationFactor: 1 });
});
afterAll(async () => {
  await admin.deleteTopics({ topics: [...specs.map((s) => s.name), ...changelogs], timeout: 30_000 }).catch(() => undefined);
  await admin.disconnect();
  for (const s of specs) await deleteSubject(registry, valueSubject(s.name)).catch(() => undefined);
});

/** Reads a topic read_committed until `n` records arrived; returns the decoded values. */
async function readCommitted<T>(topic: string, n: number, decode: (b: Buffer) => T, timeoutMs = 180_000): Promise<T[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const out: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length}/${n} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          out.push(decode(message.value!));
          if (out.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    // Anything beyond n (a duplicate) would arrive with the same fetches: give it a moment.
    await new Promise((r) => setTimeout(r, 2000));
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('predictor and scheduler on Kafka, exactly once', () => {
  it('gives every request exactly one PredictedDemand and one JobDispatch', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const topics = registryTopics(serde, catalogue, () => Date.now());
    const topology = buildTopology(app, [
      predictorProcessor({ topics, analyzer, estimator: opsEstimator, estimatorVersion: 'test' }),
      schedulerProcessor({ topics, capacity: { pool: 'pool', tasks: partitions, instances: 4, instanceCores: 256, instanceMemoryBytes: 1024 ** 4 } }),
    ]);
    for (const p of topology.processors) for (const s of storeNames(erase(p))) changelogs.push(changelogTopic(app, p.name, s));
    const stream = new StreamApp({
      topology,
      kafka: { brokers: endpoints.kafkaBrokers },
      deadLetters: avroDeadLetterSink(serde, systemClock, topicName('prm.dlq')),
      sessionTimeoutMs: 6000,
      logger: silentLogger,
    });
    await stream.start();
    try {
      const now = Date.now();
      const requests: ExecutionRequest[] = Array.from({ length: 400 }, (_, i) => ({
        requestId: `req-${i}`,
        userId: `user-${i % 37}`,
        tier: (['FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE'] as const)[i % 4]!,
        priority: i % 10,
        language: 'JAVASCRIPT',
        code: `let s = 0; for (let i = 0; i < ${(i % 13) * 1000}; i++) s += i; console.log(s);`,
        submittedAt: new Date(now + i),
        deadline: null,
        resourceHints: null,
      }));
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic: topicName('prm.requests'), acks: -1, messages: requests.map((r) => serde.message(topicName('prm.requests'), r)) });
      await producer.disconnect();

      const predictions = await readCommitted(topicName('prm.demand-predictions'), requests.length, (b) => serde.decodeSync<'PredictedDemand'>(topicName('prm.demand-predictions'), b));
      const dispatches = await readCommitted(topicName('prm.dispatches'), requests.length, (b) => serde.decodeSync<'JobDispatch'>(topicName('prm.dispatches'), b));
      const ids = requests.map((r) => r.requestId).sort();
      expect(predictions.map((p) => p.requestId).sort()).toEqual(ids);
      expect(dispatches.map((d) => d.requestId).sort()).toEqual(ids);
      for (const p of predictions) expect(p.cpuMs.p50 <= p.cpuMs.p90 && p.cpuMs.p90 <= p.cpuMs.p99).toBe(true);
    } finally {
      await stream.stop();
    }
  });
});
