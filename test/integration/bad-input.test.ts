import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { createExecutor, type ExecutionResult, type Executor } from '../../sandbox/executor';
import { BadRecordError } from '../../schemas/errors';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type {
  ClusterLoadForecast, ClusterMetrics, CodeFeatures, DeadLetter, ExecutionRequest, ExecutionTelemetry, JobDispatch, PredictedDemand, UserProfile,
} from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { avroDeadLetterSink, maxDeadLetterValueBytes } from '../../streams/dead-letters';
import { executeDispatch } from '../../streams/executors/sandbox-executor';
import { registryTopics } from '../../streams/processors/event-topics';
import { createRequestProducer, type RequestProducer } from '../../streams/producer';
import { systemClock } from '../../streams/runtime/clock';
import { StreamApp } from '../../streams/runtime/kafka/stream-app';
import { silentLogger } from '../../streams/runtime/logger';
import { changelogTopic, consumerGroupId, erase, storeNames } from '../../streams/runtime/topology';
import { prmTopology } from '../../streams/topology';
import { corpus, type BadInputCase, type CaseContext, type CaseRecord, type CaseTopic } from '../bad-input/corpus';
import { analyzer, opsEstimator } from '../unit/processors/fixtures';

// The whole PRM topology on its own prefixed topics, fed the bad-input corpus between good
// traffic, with this test acting as the executor: it finishes every dispatched job (simulated,
// a few ms of CPU) so capacity frees, except the corpus' hostile programs, which the real
// sandbox runs under the allocation the scheduler gave them.

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-bad-input-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const run = randomBytes(4).toString('hex');
const prefix = `test.bad-input.${run}.`;
const partitions = 2;
const catalogue = prefixedCatalogue(prefix).map((t) => ({ ...t, partitions }));
const topicName = (n: string) => `${prefix}${n}`;
const app = `prm-bad-input-${run}`;
const pool = 'pool';
const MiB = 1024 * 1024;

interface Sent {
  c: BadInputCase;
  records: CaseRecord[];
  /** Where each record landed, or why the send failed. */
  written: ({ partition: number; offset: string } | undefined)[];
  error?: Error;
}

/** Everything the run produced, read back read_committed. */
const seen = {
  predictions: [] as PredictedDemand[],
  dispatches: [] as JobDispatch[],
  profiles: [] as UserProfile[],
  forecasts: [] as ClusterLoadForecast[],
  codeFeatures: [] as CodeFeatures[],
  deadLetters: [] as DeadLetter[],
};
const sandboxResults = new Map<string, ExecutionResult>();
const goodRequests: ExecutionRequest[] = [];
const victims: ExecutionRequest[] = [];
const sent: Sent[] = [];
const crashed: string[] = [];
let floodPartition = -1;
/** Event times of the good pool samples sent after the corpus. */
let afterMetrics = [0, 0];
let runSeconds = 0;
let stream: StreamApp;
/** Processors by the (prefixed) topics they read: every one of them must dead-letter a bad record there. */
const readers = new Map<string, string[]>();
let requestSeq = 0;
let serde: EventSerde;
let admin: Admin;
const changelogs: string[] = [];

const count = <T>(xs: T[], pred: (x: T) => boolean) => xs.reduce((n, x) => n + (pred(x) ? 1 : 0), 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `done`, a processor crash or the timeout; says which. Never throws: what did not
 * happen in time fails the assertions about it, each on its own.
 */
async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline || crashed.length > 0) {
      process.stderr.write(`bad-input: gave up waiting for ${what}${crashed.length > 0 ? ' (a processor crashed)' : ''}\n`);
      return false;
    }
    await sleep(200);
  }
  return true;
}

/** The partition Kafka's default partitioner gives a key on a `partitions`-partition topic. */
function partitionOf(key: string): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, partitionErrorCode: 0, leader: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic: 'any', partitionMetadata, message: { key, value: null } });
}

function goodRequest(label: string, userId: string): ExecutionRequest {
  const i = requestSeq++;
  return {
    requestId: `good.${label}.${i}`, userId, tier: 'STANDARD', priority: 5, language: 'JAVASCRIPT',
    code: `let s = 0; for (let i = 0; i < ${(i % 7) * 500}; i++) s += i; console.log(s);`,
    submittedAt: new Date(), deadline: null, resourceHints: null,
  };
}

function goodMetrics(at: number): ClusterMetrics {
  return {
    pool, at: new Date(at), instancesRunning: 2, instancesBooting: 0, cpuCapacityMillicores: 4000, memoryCapacityBytes: 8 * 1024 * MiB,
    cpuUtilization: 0.5, memoryUtilization: 0.25, ioUtilization: 0.1, queueDepth: 3,
  };
}

beforeAll(async () => {
  const started = Date.now();
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, catalogue, { create: true, replicationFactor: 1 });
  serde = await EventSerde.start({ registry, topics: catalogue });
  const topology = prmTopology({
    app,
    topics: registryTopics(serde, catalogue, () => Date.now()),
    analyzer,
    estimator: opsEstimator,
    estimatorVersion: 'test',
    forecast: { stepMs: 1000, horizonMs: 3000, windowMs: 60_000, historyMs: 120_000 },
    planner: { minInstances: 1, maxInstances: 8, bootDelaySeconds: 2 },
    // One 2-core instance per scheduler task: about two jobs run per partition, the rest queue. Its
    // 1 GiB is also the most a memory bomb is allowed before the sandbox kills it.
    capacity: { pool, tasks: partitions, instances: partitions, instanceCores: 2, instanceMemoryBytes: 1024 * MiB },
  });
  for (const p of topology.processors) {
    for (const s of storeNames(erase(p))) changelogs.push(changelogTopic(app, p.name, s));
    for (const input of Object.values(p.inputs)) readers.set(input.name, [...(readers.get(input.name) ?? []), p.name]);
  }
  stream = new StreamApp({
    topology, kafka: { brokers: endpoints.kafkaBrokers }, deadLetters: avroDeadLetterSink(serde, systemClock, topicName('prm.dlq')),
    sessionTimeoutMs: 6000, logger: silentLogger,
  });
  for (const r of stream.runners) r.stopped.catch((err: unknown) => crashed.push(`${String(err)}`));

  const requestsById = new Map<string, ExecutionRequest>();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  // Bad sends may be refused by the broker; an idempotent producer's sequence must not ride on them.
  const rawProducer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([producer.connect(), rawProducer.connect()]);
  const requestProducer: RequestProducer = await createRequestProducer({ brokers: endpoints.kafkaBrokers, registryUrl: registry.url, topicPrefix: prefix });
  const sandbox = createExecutor();
  const hostile = new Map(corpus.filter((c) => c.expected.kind === 'sandboxed').map((c) => [`bad.${c.name}`, c.name]));
  const running: Promise<unknown>[] = [];

  const outputs = {
    // The corpus forges predictions too; one that does not decode (array-count-bomb) is the processors' to dead-letter, not a prediction.
    [topicName('prm.demand-predictions')]: (b: Buffer) => {
      try {
        seen.predictions.push(serde.decodeSync<'PredictedDemand'>(topicName('prm.demand-predictions'), b));
      } catch (err) {
        if (!(err instanceof BadRecordError)) throw err;
      }
    },
    [topicName('prm.user-profiles')]: (b: Buffer) => seen.profiles.push(serde.decodeSync<'UserProfile'>(topicName('prm.user-profiles'), b)),
    [topicName('prm.cluster-forecasts')]: (b: Buffer) => seen.forecasts.push(serde.decodeSync<'ClusterLoadForecast'>(topicName('prm.cluster-forecasts'), b)),
    [topicName('prm.code-features')]: (b: Buffer) => seen.codeFeatures.push(serde.decodeSync<'CodeFeatures'>(topicName('prm.code-features'), b)),
    [topicName('prm.dlq')]: (b: Buffer) => seen.deadLetters.push(serde.decodeSync<'DeadLetter'>(topicName('prm.dlq'), b)),
  };
  const reader = kafka.consumer({ groupId: `${app}.reader`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const executor = kafka.consumer({ groupId: `${app}.executor`, readUncommitted: false, maxWaitTimeInMs: 100 });
  await Promise.all([reader.connect(), executor.connect()]);
  await reader.subscribe({ topics: Object.keys(outputs), fromBeginning: true });
  await executor.subscribe({ topics: [topicName('prm.dispatches')], fromBeginning: true });
  await reader.run({ eachMessage: async ({ topic, message }) => void outputs[topic]!(message.value!) });
  await executor.run({
    eachBatch: async ({ batch }) => {
      const finished: ExecutionTelemetry[] = [];
      for (const m of batch.messages) {
        const d = serde.decodeSync<'JobDispatch'>(batch.topic, m.value!);
        seen.dispatches.push(d);
        const request = requestsById.get(d.requestId);
        const hostileCase = hostile.get(d.requestId);
        if (request && hostileCase) {
          running.push(executeDispatch(d, request, recording(sandbox, hostileCase), 'sandbox', Date.now).then((t) => sendTelemetry([t])));
        } else {
          const now = Date.now();
          finished.push({
            requestId: d.requestId, userId: d.userId, instanceId: d.instanceId, startedAt: new Date(now - 20), endedAt: new Date(now),
            cpuMs: 12, peakMemoryBytes: 24 * MiB, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK', exitCode: 0, allocated: d.allocation,
          });
        }
      }
      await sendTelemetry(finished);
    },
  });
  async function sendTelemetry(ts: ExecutionTelemetry[]) {
    if (ts.length === 0) return;
    const topic = topicName('prm.telemetry');
    await producer.send({ topic, acks: -1, messages: ts.map((t) => ({ ...serde.message<'ExecutionTelemetry'>(topic, t), timestamp: String(t.endedAt.getTime()) })) });
  }

  const sendRequests = async (rs: ExecutionRequest[]) => {
    for (const r of rs) requestsById.set(r.requestId, r);
    const topic = topicName('prm.requests');
    await producer.send({ topic, acks: -1, messages: rs.map((r) => serde.message<'ExecutionRequest'>(topic, r)) });
  };

  try {
    await stream.start();
    const good = async (label: string, n: number) => {
      const rs = Array.from({ length: n }, (_, i) => goodRequest(label, `good-user-${i % 6}`));
      goodRequests.push(...rs);
      await sendRequests(rs);
    };
    const metrics = async (from: number, n: number) => {
      const topic = topicName('prm.cluster-metrics');
      await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, (_, i) => serde.message<'ClusterMetrics'>(topic, goodMetrics(from + i * 1000))) });
    };

    // Before: good requests and a first stretch of pool metrics.
    const t0 = Date.now();
    await metrics(t0 - 40_000, 15);
    await good('before', 16);

    // The corpus, with good requests between every few cases.
    const ctx: CaseContext = { serde, topic: (n: CaseTopic) => topicName(n), now: Date.now(), partitionOf, goodPool: pool };
    for (const [i, c] of corpus.entries()) {
      const records = c.build(ctx);
      for (const r of records) if (r.request) requestsById.set(r.request.requestId, r.request);
      const s: Sent = { c, records, written: [] };
      sent.push(s);
      try {
        if (c.expected.kind === 'fair-share') {
          await sendFlood(s);
        } else {
          for (const [k, r] of records.entries()) {
            if (r.afterPreviousRan) await previousRan(records[k - 1]!.request!);
            s.written.push(await write(r));
          }
        }
      } catch (err) {
        s.error = err as Error;
      }
      if (i % 3 === 2) await good('between', 2);
    }

    // After: more good requests and metrics that continue the series.
    afterMetrics = [t0 - 25_000, t0];
    await metrics(t0 - 25_000, 25);
    await good('after', 16);

    const expectedGood = [...goodRequests, ...victims];
    const dispatchedIds = () => new Set(seen.dispatches.map((d) => d.requestId));
    await waitFor('every good request to be dispatched', () => {
      const ids = dispatchedIds();
      return expectedGood.every((r) => ids.has(r.requestId));
    }, 150_000);
    await waitFor('every case to settle', () => sent.every(settled), 60_000);
    // Predictions come through another consumer than dispatches, which may be a fetch behind.
    const predictedIds = [...expectedGood.map((r) => r.requestId), ...sent.filter((s) => s.c.expected.kind === 'fair-share').flatMap(idsOf)];
    await waitFor('the prediction of every good and flooded request to be read', () => {
      const ids = new Set(seen.predictions.map((p) => p.requestId));
      return predictedIds.every((id) => ids.has(id));
    }, 60_000);
    await Promise.all(running);
    // Anything doubled would arrive with the same fetches: give it a moment.
    await sleep(2000);
  } finally {
    await Promise.all([reader.disconnect(), executor.disconnect()]);
    // With the executor stopped nothing more starts, but a sandboxed run it started after the wait
    // above (the memory bomb's OOM retry: the scheduler dispatches it again) still sends telemetry.
    await Promise.allSettled(running);
    await stream.stop();
    await Promise.all([producer.disconnect(), rawProducer.disconnect(), requestProducer.close()]);
    runSeconds = (Date.now() - started) / 1000;
  }

  // Dispatched, run, and its telemetry through the profiler (the scheduler reads the same records).
  async function previousRan(r: ExecutionRequest) {
    await waitFor(`${r.requestId} to run`, () => seen.dispatches.some((d) => d.requestId === r.requestId) && seen.profiles.some((p) => p.userId === r.userId), 60_000);
    await sleep(1000);
  }

  async function write(r: CaseRecord): Promise<{ partition: number; offset: string }> {
    const topic = topicName(r.topic);
    if (r.via === 'request-producer') return requestProducer.publishExecutionRequest(r.request!);
    const [meta] = await rawProducer.send({ topic, acks: -1, messages: [{ key: r.key, value: r.value }] });
    return { partition: meta!.partition, offset: meta!.baseOffset! };
  }

  // The flood goes out in one send; right behind it, other users whose requests share its partition.
  async function sendFlood(s: Sent) {
    const flooder = s.records[0]!.request!.userId;
    floodPartition = partitionOf(flooder);
    await sendRequests(s.records.map((r) => r.request!));
    for (let i = 0; victims.length < 4; i++) {
      const user = `victim-${i}`;
      if (partitionOf(user) === floodPartition) victims.push(goodRequest('victim', user), goodRequest('victim', user));
    }
    await sendRequests(victims);
  }

  /** The real sandbox, keeping its verdict (the telemetry carries the status, not the reason). */
  function recording(inner: Executor, caseName: string): Executor {
    return {
      async run(job) {
        const result = await inner.run(job);
        sandboxResults.set(caseName, result);
        return result;
      },
    };
  }
}, 280_000);

afterAll(async () => {
  await admin.deleteTopics({ topics: catalogue.map((s) => s.name).concat(changelogs), timeout: 30_000 }).catch(() => undefined);
  const groups = [`${app}.reader`, `${app}.executor`, ...new Set([...readers.values()].flat().map((p) => consumerGroupId(app, p)))];
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect();
  for (const s of catalogue) await deleteSubject(registry, valueSubject(s.name)).catch(() => undefined);
});

/** Dead letters of one record of a case, by the processor that wrote them. */
function lettersOf(s: Sent, recordIndex: number): DeadLetter[] {
  const w = s.written[recordIndex];
  if (!w) return [];
  const topic = topicName(s.records[recordIndex]!.topic);
  return seen.deadLetters.filter((l) => l.sourceTopic === topic && l.sourcePartition === w.partition && l.sourceOffset === Number(w.offset));
}

function readersOf(topic: CaseTopic): string[] {
  return [...(readers.get(topicName(topic)) ?? [])].sort();
}

function idsOf(s: Sent): string[] {
  return [...new Set(s.records.flatMap((r) => (r.request ? [r.request.requestId] : [])))];
}

/** Whether everything a case expects has had time to happen (the assertions then say whether it did). */
function settled(s: Sent): boolean {
  const e = s.c.expected;
  switch (e.kind) {
    case 'dead-letter':
      return s.error !== undefined || s.records.every((r, i) => lettersOf(s, i).length >= readersOf(r.topic).length);
    case 'rejected-at-producer':
    case 'accepted':
      return true;
    case 'predicted':
    case 'dispatched-once':
    case 'sandboxed':
      return idsOf(s).every((id) => seen.dispatches.some((d) => d.requestId === id)) && (e.kind !== 'sandboxed' || sandboxResults.has(s.c.name));
    case 'dispatched':
      return seen.dispatches.some((d) => d.requestId === `bad.${s.c.name}`) || lettersOf(s, 0).length > 0;
    case 'profiled': {
      const letters = e.deadLetters ? e.deadLetters.records.every((i) => lettersOf(s, i).length >= e.deadLetters!.processors.length) : true;
      return letters && count(seen.profiles, (p) => p.userId === `user.${s.c.name}`) >= e.profiles;
    }
    case 'fair-share':
      return victims.every((v) => seen.dispatches.some((d) => d.requestId === v.requestId));
  }
}

/** The case's outcome against its expectation; throws (a jest failure) naming what differs. */
function check(s: Sent): void {
  const e = s.c.expected;
  const ids = idsOf(s);
  const predictions = (id: string) => seen.predictions.filter((p) => p.requestId === id);
  const dispatches = (id: string) => seen.dispatches.filter((d) => d.requestId === id);
  if (e.kind !== 'rejected-at-producer') expect(s.error).toBeUndefined();
  // Only these two kinds expect dead letters, and check them record by record themselves.
  if (e.kind !== 'dead-letter' && e.kind !== 'profiled') s.records.forEach((_, i) => expect({ record: i, letters: lettersOf(s, i) }).toEqual({ record: i, letters: [] }));
  switch (e.kind) {
    case 'dead-letter':
      s.records.forEach((r, i) => {
        const letters = lettersOf(s, i);
        expect(letters.map((l) => l.processor).sort()).toEqual(readersOf(r.topic));
        for (const l of letters) {
          expect({ reason: l.reason, message: l.errorMessage }).toEqual({ reason: e.reason, message: expect.stringMatching(e.message) });
          // The raw bytes, or their first maxDeadLetterValueBytes for a record too large to copy whole.
          expect(r.value === null ? l.value === null : l.value?.equals(r.value.subarray(0, maxDeadLetterValueBytes))).toBe(true);
        }
      });
      for (const id of ids) expect(predictions(id)).toHaveLength(0);
      break;
    case 'rejected-at-producer':
      expect(s.error?.message).toMatch(e.error);
      expect(s.written).toHaveLength(0);
      for (const id of ids) expect(predictions(id)).toHaveLength(0);
      break;
    case 'predicted':
      for (const id of ids) {
        expect(predictions(id)).toHaveLength(1);
        expect(dispatches(id)).toHaveLength(1);
        if (e.coldStart) expect(predictions(id)[0]!.profileObservations).toBe(0);
        expect(seen.codeFeatures.filter((f) => f.requestId === id).map((f) => f.parseStatus)).toEqual([e.parseStatus ?? 'OK']);
      }
      for (const r of s.records) {
        const features = analyzer.analyze(r.request!.code);
        if (e.analysis) expect({ parsed: features.parsed, reason: features.reason }).toEqual({ parsed: false, reason: expect.stringMatching(e.analysis) });
        else expect(features).toMatchObject({ parsed: true });
      }
      break;
    case 'dispatched-once':
      expect(s.records).toHaveLength(e.times);
      expect(dispatches(ids[0]!)).toHaveLength(1);
      expect(predictions(ids[0]!).length).toBeGreaterThanOrEqual(1);
      break;
    case 'accepted':
      expect(s.written).toHaveLength(s.records.length);
      break;
    case 'dispatched':
      expect(dispatches(`bad.${s.c.name}`)).toHaveLength(1);
      break;
    case 'profiled': {
      expect(count(seen.profiles, (p) => p.userId === `user.${s.c.name}`)).toBe(e.profiles);
      for (const p of seen.profiles.filter((x) => x.userId === `user.${s.c.name}`)) {
        // A profile the predictor could not read would be dead-lettered there: every figure must stay finite.
        expect(seen.deadLetters.filter((l) => l.processor === 'predictor' && l.key?.toString() === p.userId)).toEqual([]);
      }
      s.records.forEach((_, i) => {
        const letters = lettersOf(s, i);
        const want = e.deadLetters?.records.includes(i) ? e.deadLetters : undefined;
        expect(letters.map((l) => l.processor).sort()).toEqual(want ? [...want.processors].sort() : []);
        for (const l of letters) expect({ reason: l.reason, message: l.errorMessage }).toEqual({ reason: want!.reason, message: expect.stringMatching(want!.message) });
      });
      break;
    }
    case 'sandboxed': {
      // A run out of memory is dispatched again with more memory (the scheduler's retry), each
      // run once and in order; any other outcome is final after one run.
      const runs = dispatches(ids[0]!).map((d) => d.attempt ?? 1);
      expect(runs).toEqual(runs.map((_, i) => i + 1));
      if (!e.status.includes('OOM')) expect(runs).toHaveLength(1);
      const result = sandboxResults.get(s.c.name);
      expect(e.status).toContain(result?.status);
      expect(result?.reason).toMatch(e.reason);
      break;
    }
    case 'fair-share': {
      for (const id of ids) expect(predictions(id)).toHaveLength(1);
      const flood = new Set(ids);
      for (const v of victims) {
        const [d] = dispatches(v.requestId);
        const overtakes = count(seen.dispatches, (f) => flood.has(f.requestId) && f.dispatchedAt > v.submittedAt && f.dispatchedAt < d!.dispatchedAt);
        // Named per victim, so a failure says who waited behind how many.
        expect({ victim: v.requestId, overtakes }).toEqual({ victim: v.requestId, overtakes: Math.min(overtakes, e.maxOvertakes) });
      }
      break;
    }
  }
}

describe('the bad-input corpus on the live pipeline', () => {
  it('has at least 30 cases, each named once and listed in test/bad-input/README.md', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    const readme = readFileSync(join(__dirname, '../bad-input/README.md'), 'utf8');
    expect(corpus.filter((c) => !readme.includes(`| \`${c.name}\` |`)).map((c) => c.name)).toEqual([]);
  });

  const cases = corpus.map((c) => [c.name, c] as const);
  for (const [name, c] of cases) {
    const outcome = c.expected.kind === 'dead-letter' ? `dead-lettered ${c.expected.reason}` : c.expected.kind;
    if (c.knownDefect) test.failing(`${name}: ${outcome} (known defect: ${c.knownDefect})`, () => check(sentOf(name)));
    else test(`${name}: ${outcome}`, () => check(sentOf(name)));
  }

  it('dead-letters none of the good records around the bad ones', () => {
    // Each case's own check says which of its records must be dead-lettered and how.
    const caseRecords = new Set<string>();
    for (const s of sent) {
      s.written.forEach((w, i) => w && caseRecords.add(`${topicName(s.records[i]!.topic)}:${w.partition}:${w.offset}`));
    }
    const good = seen.deadLetters.filter((l) => !caseRecords.has(`${l.sourceTopic}:${l.sourcePartition}:${l.sourceOffset}`));
    expect(good.map((l) => ({ processor: l.processor, topic: l.sourceTopic, reason: l.reason, message: l.errorMessage }))).toEqual([]);
  });

  it('handled the flood: every flooded request predicted once and dispatched at most once', () => {
    const flood = sent.find((s) => s.c.expected.kind === 'fair-share')!;
    expect(floodPartition).toBeGreaterThanOrEqual(0);
    for (const id of idsOf(flood)) {
      expect(count(seen.predictions, (p) => p.requestId === id)).toBe(1);
      expect(count(seen.dispatches, (d) => d.requestId === id)).toBeLessThanOrEqual(1);
    }
  });

  it('gave every good request exactly one prediction and one dispatch', () => {
    const good = [...goodRequests, ...victims];
    expect(good.length).toBeGreaterThanOrEqual(40);
    for (const r of good) {
      expect({ id: r.requestId, predictions: count(seen.predictions, (p) => p.requestId === r.requestId), dispatches: count(seen.dispatches, (d) => d.requestId === r.requestId) })
        .toEqual({ id: r.requestId, predictions: 1, dispatches: 1 });
    }
  });

  it('kept forecasting from the good pool metrics sent after the bad ones', () => {
    const [from, to] = afterMetrics as [number, number];
    expect(seen.forecasts.filter((f) => f.pool === pool && f.issuedAt.getTime() > from && f.issuedAt.getTime() < to).length).toBeGreaterThan(10);
  });

  it('crashed no processor: all five ran to the end and each read its input', async () => {
    expect(crashed).toEqual([]);
    const text = await stream.metrics.text();
    for (const p of ['predictor', 'profiler', 'forecaster', 'planner', 'scheduler']) {
      const m = new RegExp(`prm_stream_records_in_total\\{app="${app}",processor="${p}"\\} (\\d+)`).exec(text);
      expect({ processor: p, read: Number(m?.[1] ?? 0) > 0 }).toEqual({ processor: p, read: true });
    }
    // For the report: how long the whole run took on this machine.
    process.stderr.write(`bad-input corpus: ${corpus.length} cases, run ${runSeconds.toFixed(1)} s\n`);
  });
});

function sentOf(name: string): Sent {
  const s = sent.find((x) => x.c.name === name);
  if (!s) throw new Error(`case ${name} was not sent`);
  return s;
}
