import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { ExecutionRequest } from '../../schemas/types.generated';
import { registryTopics } from '../../streams/processors/event-topics';
import { fleetBroadcastProcessor } from '../../streams/processors/fleet';
import { predictorProcessor } from '../../streams/processors/predictor';
import { schedulerProcessor } from '../../streams/processors/scheduler';
import { avroDeadLetterSink } from '../../streams/dead-letters';
import { systemClock } from '../../streams/runtime/clock';
import { silentLogger } from '../../streams/runtime/logger';
import { StreamApp } from '../../streams/runtime/kafka/stream-app';
import { buildTopology, changelogTopic, storeNames, erase } from '../../streams/runtime/topology';
import { resolveEndpoints } from '../../stack/endpoints';
import { until as pollUntil } from '../support/deadline';
import { analyzer, opsEstimator } from '../unit/processors/fixtures';

jest.setTimeout(300_000);

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-pipeline-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');
const prefix = `test.pipeline.${run}.`;
const partitions = 2;
const catalogue = prefixedCatalogue(prefix).map((t) => ({ ...t, partitions }));
const names = ['prm.requests', 'prm.user-profiles', 'prm.demand-predictions', 'prm.code-features', 'prm.telemetry', 'prm.fleet-shares', 'prm.dispatches', 'prm.scheduler-backlog', 'prm.dlq'];
const specs = names.map((n) => findTopic(`${prefix}${n}`, catalogue));
const topicName = (n: string) => `${prefix}${n}`;
// The queue test has topics of its own, so the first test's records are not in its input.
const queuePrefix = `${prefix}queue.`;
const queueCatalogue = prefixedCatalogue(queuePrefix).map((t) => ({ ...t, partitions }));
const queueSpecs = names.map((n) => findTopic(`${queuePrefix}${n}`, queueCatalogue));
const queueTopic = (n: string) => `${queuePrefix}${n}`;
// And the lost-run test too, with the pool's metrics in.
const lostPrefix = `${prefix}lost.`;
const lostCatalogue = prefixedCatalogue(lostPrefix).map((t) => ({ ...t, partitions }));
const lostSpecs = [...names, 'prm.cluster-metrics'].map((n) => findTopic(`${lostPrefix}${n}`, lostCatalogue));
const lostTopic = (n: string) => `${lostPrefix}${n}`;
const app = `prm-pipeline-${run}`;

let admin: Admin;
const changelogs: string[] = [];
beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [...specs, ...queueSpecs, ...lostSpecs], { create: true, replicationFactor: 1 });
});
afterAll(async () => {
  const all = [...specs, ...queueSpecs, ...lostSpecs];
  await admin.deleteTopics({ topics: all.map((s) => s.name).concat(changelogs), timeout: 30_000 }).catch(() => undefined);
  await admin.disconnect();
  for (const s of all) await deleteSubject(registry, valueSubject(s.name)).catch(() => undefined);
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

function request(i: number, now: number): ExecutionRequest {
  return {
    requestId: `req-${i}`,
    userId: `user-${i % 37}`,
    tier: (['FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE'] as const)[i % 4]!,
    priority: i % 10,
    language: 'JAVASCRIPT',
    code: `let s = 0; for (let i = 0; i < ${(i % 13) * 1000}; i++) s += i; console.log(s);`,
    submittedAt: new Date(now + i),
    deadline: null,
    resourceHints: null,
  };
}

async function send(serde: EventSerde, topic: string, values: Parameters<EventSerde['message']>[1][]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((v) => serde.message(topic, v)) });
  await producer.disconnect();
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
      const requests = Array.from({ length: 400 }, (_, i) => request(i, now));
      await send(serde, topicName('prm.requests'), requests);

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

describe('the scheduler queue on Kafka', () => {
  it('keeps queued jobs across a restart of the scheduler: restored from the changelog, dispatched as telemetry frees capacity', async () => {
    const serde = await EventSerde.start({ registry, topics: queueSpecs });
    const topics = registryTopics(serde, queueCatalogue, () => Date.now());
    const queueApp = `${app}-queue`;
    // One one-core instance per task: one job runs per partition, the rest queue.
    const scheduler = schedulerProcessor({ topics, capacity: { pool: 'small', tasks: partitions, instances: partitions, instanceCores: 1, instanceMemoryBytes: 1024 ** 3 } });
    const topology = buildTopology(queueApp, [scheduler]);
    for (const s of storeNames(erase(scheduler))) changelogs.push(changelogTopic(queueApp, 'scheduler', s));
    const newStream = () =>
      new StreamApp({ topology, kafka: { brokers: endpoints.kafkaBrokers }, deadLetters: avroDeadLetterSink(serde, systemClock, queueTopic('prm.dlq')), sessionTimeoutMs: 6000, logger: silentLogger });
    const dispatchTopic = queueTopic('prm.dispatches');
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: `${dispatchTopic}.queue-reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [dispatchTopic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(serde.decodeSync<'JobDispatch'>(dispatchTopic, message.value!).requestId) });
    try {
      await queueSurvivesRestart();
    } finally {
      await consumer.disconnect();
    }

    async function queueSurvivesRestart() {
    const until = async (n: number) => {
      const deadline = Date.now() + 120_000;
      while (seen.length < n) {
        if (Date.now() > deadline) throw new Error(`saw ${seen.length}/${n} dispatches`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    const now = Date.now();
    const q = (x: number) => ({ p50: x, p90: 2 * x, p99: 3 * x });
    const predictions = Array.from({ length: 12 }, (_, i) => {
      const r = request(1000 + i, now);
      return {
        requestId: `queued-${i}`, userId: r.userId, predictedAt: r.submittedAt, submittedAt: r.submittedAt, tier: r.tier, priority: r.priority,
        deadline: null, cpuMs: q(800), peakMemoryBytes: q(64 * 1024 * 1024), ioBytes: q(0), durationMs: q(1000), components: [], profileObservations: 0,
      };
    });
    const byUser = new Map(predictions.map((p) => [p.requestId, p.userId]));
    const first = newStream();
    await first.start();
    await send(serde, queueTopic('prm.demand-predictions'), predictions);
    await until(1);
    // Every prediction is consumed before the stop (which commits): the queued ones then live only in the changelog.
    const allConsumed = /prm_stream_records_in_total\{app="[^"]+",processor="scheduler"\} 12\b/;
    await pollUntil('the scheduler consumed all 12', async () => allConsumed.test(await first.metrics.text()), 60_000, 200);
    expect(await first.metrics.text()).toMatch(allConsumed);
    const beforeRestart = seen.length;
    await first.stop();
    expect(beforeRestart).toBeLessThanOrEqual(partitions);

    const second = newStream();
    await second.start();
    try {
      // Finish whatever runs, one at a time, until every queued job was dispatched.
      let finished = 0;
      while (finished < predictions.length) {
        await until(finished + 1);
        const id = seen[finished]!;
        const t = Date.now();
        await send(serde, queueTopic('prm.telemetry'), [{
          requestId: id, userId: byUser.get(id)!, instanceId: 'small-0', startedAt: new Date(t - 500), endedAt: new Date(t), cpuMs: 400,
          peakMemoryBytes: 32 * 1024 * 1024, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK', exitCode: 0,
          allocated: { cpuMillicores: 800, memoryBytes: 192 * 1024 * 1024, timeoutMs: 3000 },
        }]);
        finished++;
      }
      await new Promise((r) => setTimeout(r, 2000));
      expect([...seen].sort()).toEqual(predictions.map((p) => p.requestId).sort());
    } finally {
      await second.stop();
    }
    }
  });
});

describe('a run whose executor went silent, on Kafka', () => {
  it('is presumed lost by the pool\'s samples alone, run again as its next attempt, and its late report settles nothing', async () => {
    const serde = await EventSerde.start({ registry, topics: lostSpecs });
    const topics = registryTopics(serde, lostCatalogue, () => Date.now());
    const lostApp = `${app}-lost`;
    // One one-core instance per task and a lease of the run's timeout plus a second.
    const scheduler = schedulerProcessor({ topics, capacity: { pool: 'lost', tasks: partitions, instances: partitions, instanceCores: 1, instanceMemoryBytes: 1024 ** 3 }, runLeaseGraceMs: 1000 });
    const fleet = fleetBroadcastProcessor({ topics, partitions });
    const topology = buildTopology(lostApp, [fleet, scheduler]);
    for (const p of topology.processors) for (const s of storeNames(erase(p))) changelogs.push(changelogTopic(lostApp, p.name, s));
    const stream = new StreamApp({
      topology, kafka: { brokers: endpoints.kafkaBrokers }, deadLetters: avroDeadLetterSink(serde, systemClock, lostTopic('prm.dlq')), sessionTimeoutMs: 6000, logger: silentLogger,
    });
    const dispatchTopic = lostTopic('prm.dispatches');
    const seen: { requestId: string; attempt: number }[] = [];
    const consumer = kafka.consumer({ groupId: `${dispatchTopic}.lost-reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [dispatchTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const d = serde.decodeSync<'JobDispatch'>(dispatchTopic, message.value!);
        seen.push({ requestId: d.requestId, attempt: d.attempt ?? 1 });
      },
    });
    await stream.start();
    try {
      const dispatched = (n: number) => pollUntil(`${n} dispatches`, async () => seen.length >= n, 120_000, 200);
      const t0 = Date.now();
      const q = (x: number) => ({ p50: x, p90: x, p99: x });
      // A whole core each for a second (a 3 s timeout): the second waits for the first's room.
      const prediction = (requestId: string, atMs: number) => ({
        requestId, userId: 'silent-user', predictedAt: new Date(atMs), submittedAt: new Date(atMs), tier: 'STANDARD' as const, priority: 5, deadline: null,
        cpuMs: q(1000), peakMemoryBytes: q(64 * 1024 * 1024), ioBytes: q(0), durationMs: q(1000), components: [], profileObservations: 0,
      });
      await send(serde, lostTopic('prm.demand-predictions'), [prediction('lost-run', t0), prediction('behind-it', t0 + 10)]);
      await dispatched(1);
      const sample = (atMs: number) => ({
        pool: 'lost', at: new Date(atMs), instancesRunning: partitions, instancesBooting: 0, cpuCapacityMillicores: 1000 * partitions,
        memoryCapacityBytes: partitions * 1024 ** 3, cpuUtilization: 0.5, memoryUtilization: 0.1, ioUtilization: 0, queueDepth: 0, reservedFraction: 0.5,
      });
      // The executor never reports. The pool's samples go on: inside one more grace past the
      // lease (t0 + 3 s + 1 s) nothing is presumed; past it the run is, and runs again.
      await send(serde, lostTopic('prm.cluster-metrics'), [sample(t0 + 4_500)]);
      await new Promise((r) => setTimeout(r, 3000));
      expect(seen).toEqual([{ requestId: 'lost-run', attempt: 1 }]);
      await send(serde, lostTopic('prm.cluster-metrics'), [sample(t0 + 6_000)]);
      await dispatched(2);
      expect(seen[1]).toEqual({ requestId: 'lost-run', attempt: 2 });
      // Operators see it on /metrics, from the task's state.
      const metrics = await stream.metrics.text();
      expect(metrics).toMatch(/^prm_scheduler_runs_presumed_lost\{app="[^"]+",processor="scheduler"\} 1$/m);
      expect(metrics).toMatch(/^prm_scheduler_lost_retries\{app="[^"]+",processor="scheduler"\} 1$/m);
      const telemetry = (attempt: number, endedAtMs: number) => ({
        requestId: 'lost-run', userId: 'silent-user', instanceId: 'lost-0', startedAt: new Date(endedAtMs - 900), endedAt: new Date(endedAtMs), cpuMs: 900,
        peakMemoryBytes: 32 * 1024 * 1024, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK' as const, exitCode: 0,
        allocated: { cpuMillicores: 1000, memoryBytes: 64 * 1024 * 1024, timeoutMs: 3000 }, attempt,
      });
      // The first run reports after all, while its retry runs: the retry keeps its room.
      await send(serde, lostTopic('prm.telemetry'), [telemetry(1, t0 + 6_100)]);
      await new Promise((r) => setTimeout(r, 3000));
      expect(seen).toHaveLength(2);
      // The retry's own report frees the room for the job behind it.
      await send(serde, lostTopic('prm.telemetry'), [telemetry(2, t0 + 7_000)]);
      await dispatched(3);
      await new Promise((r) => setTimeout(r, 2000));
      expect(seen).toEqual([{ requestId: 'lost-run', attempt: 1 }, { requestId: 'lost-run', attempt: 2 }, { requestId: 'behind-it', attempt: 1 }]);
    } finally {
      await stream.stop();
      await consumer.disconnect();
    }
  });
});
