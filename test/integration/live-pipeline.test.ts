import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { seededRandom } from '../../models/seeded-random';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue } from '../../schemas/topics';
import { connectDatabase, migrate, type Database } from '../../sinks';
import { writeRunReport } from '../../sinks/report';
import { connectionFromEnv } from '../../stack/connection';
import { defaultPool } from '../../streams/live/pipeline';
import { liveReplay, type LiveReplayResult } from '../../streams/live/replay-run';
import { silentLogger } from '../../streams/runtime/logger';
import type { TrainingCycleResult } from '../../streams/trainer';
import { headlessChromium, pointsOf } from '../support/chromium';

jest.setTimeout(900_000);

/**
 * The end-to-end proof, on the real broker, registry and embedded TimescaleDB: 10,000
 * requests with code from 200 users go through every processor, a simulated pool scaled by the
 * planner, the sink and the trainer, exactly as `npm start` runs them.
 */
const REQUESTS = 10_000;
const USERS = 200;
const HOUR = 3600;
const connection = connectionFromEnv();
const kafka = new Kafka({ ...connection.kafka, clientId: 'prm-live-test', logLevel: logLevel.NOTHING });

/**
 * A steady hour, then half an hour in which the arrival rate triples: the ramp the planner must
 * scale ahead of. Jobs of 1 core for 2-60 s with 0.25-2 GiB; a user's jobs are alike.
 */
function workload(): { lines: string[]; rampStart: number } {
  const random = seededRandom(7);
  const t0 = 1_800_000_000;
  const steady = Math.round(REQUESTS * 0.5);
  const arrivals: number[] = [];
  for (let i = 0; i < steady; i++) arrivals.push(t0 + random() * HOUR);
  // Rate rising linearly from the steady rate to 3x over the next half hour: inverse-CDF sampling.
  for (let i = steady; i < REQUESTS; i++) {
    const u = random();
    arrivals.push(t0 + HOUR + (HOUR / 2) * ((-1 + Math.sqrt(1 + 8 * u)) / 2));
  }
  arrivals.sort((a, b) => a - b);
  const lines = arrivals.map((arrival, i) => {
    const user = Math.floor(random() * USERS);
    const size = 2 + ((user * 7919) % 58);
    return JSON.stringify({
      id: `job-${i}`, user: `user-${user}`, tier: user % 3, arrival, cores: 1,
      memory: 0.25 + ((user * 31) % 8) / 4, duration_s: size * (0.8 + 0.4 * random()), replicas: 1,
    });
  });
  return { lines, rampStart: (t0 + HOUR) * 1000 };
}

let db: Database;
let dir: string;
let run: LiveReplayResult;
let rampStartMs: number;
const cycles: TrainingCycleResult[] = [];

beforeAll(async () => {
  db = await connectDatabase({ url: connection.databaseUrl, log: () => undefined });
  await migrate(db, { log: () => undefined });
  dir = mkdtempSync(join(tmpdir(), 'prm-live-'));
  const { lines, rampStart } = workload();
  writeFileSync(join(dir, 'jobs.jsonl'), `${lines.join('\n')}\n`);
  run = await liveReplay({
    // 20x: 10,000 requests in 4.5 minutes, about what one Node process running every processor
    // keeps up with on 2 loaded cores; every 100 ms the pipeline takes to hand a job's telemetry
    // back is 2 s of event time.
    connection, database: db, trace: join(dir, 'jobs.jsonl'), format: 'jobs', speed: 20,
    pool: { ...defaultPool, minInstances: 1, initialInstances: 2, maxInstances: 40 },
    logger: silentLogger, progress: (line) => process.stderr.write(`${line}\n`),
    trainEveryMs: 20_000, onTrainingCycle: (result) => cycles.push(result),
  });
  // The trace's times moved to the run's: the ramp in event time.
  const firstArrival = JSON.parse(lines[0]!).arrival * 1000;
  rampStartMs = run.fromMs + (rampStart - firstArrival);
  await run.pipeline.stop();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(run?.topicPrefix ?? 'none') || t.startsWith(`${run?.app}.`));
  await admin.deleteTopics({ topics, timeout: 60_000 }).catch(() => undefined);
  await admin.disconnect();
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Each record's request id and, for dispatches and telemetry, which run of the request it is,
 * read_committed: every one expected, then a while for any duplicate.
 */
async function requestIdsOn(catalogueName: string): Promise<{ requestId: string; attempt: number }[]> {
  const name = `${run.topicPrefix}${catalogueName}`;
  const serde = await EventSerde.start({ registry: connection.registry, topics: [findTopic(name, prefixedCatalogue(run.topicPrefix))] });
  const consumer = kafka.consumer({ groupId: `${name}.check`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const ids: { requestId: string; attempt: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: name, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${ids.length} of ${REQUESTS} records of ${name}`)), 180_000);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const value = serde.decodeSync(name, m.value) as { requestId: string; attempt?: number };
            ids.push({ requestId: value.requestId, attempt: value.attempt ?? 1 });
          }
          if (ids.length >= REQUESTS) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await new Promise((r) => setTimeout(r, 3000));
  } finally {
    await consumer.disconnect();
  }
  return ids;
}

/** Every request once, and each of its runs once (a run out of memory is dispatched again as the next attempt, and reported as it). */
function expectExactlyOnce(records: { requestId: string; attempt: number }[]) {
  const attempts = new Map<string, number[]>();
  for (const r of records) attempts.set(r.requestId, [...(attempts.get(r.requestId) ?? []), r.attempt]);
  const notOneRunEach = [...attempts].filter(([, runs]) => runs.some((a, i) => a !== i + 1));
  expect(notOneRunEach).toEqual([]);
  expect(attempts.size).toBe(REQUESTS);
  expect([...attempts.keys()].every((id) => id.startsWith(`${run.runId}/`))).toBe(true);
}

describe('the live pipeline, end to end on the real stack', () => {
  it('finishes every request: 10,000 executions from 200 users, their telemetry in TimescaleDB', () => {
    expect(run.requests).toBe(REQUESTS);
    expect(run.users).toBe(USERS);
    expect(run.finished).toBe(true);
    expect(run.counts).toEqual({ requests: REQUESTS, predictions: REQUESTS, dispatched: REQUESTS, finished: REQUESTS });
  });

  it('gives every request exactly one PredictedDemand, and each of its runs exactly one JobDispatch and one telemetry report naming it', async () => {
    expectExactlyOnce(await requestIdsOn('prm.demand-predictions'));
    expectExactlyOnce(await requestIdsOn('prm.dispatches'));
    expectExactlyOnce(await requestIdsOn('prm.telemetry'));
  });

  it('retrains the code estimator from the history and the predictor then predicts with the new version', async () => {
    const promoted = await db.query<{ version: string; trained_at: Date }>(
      `SELECT version, trained_at FROM prm.model_versions WHERE model_name = 'code-estimator' AND promoted ORDER BY trained_at`,
    );
    const ours = promoted.rows.filter((r) => cycles.some((c) => c.models.some((m) => m.status === 'promoted' && m.candidateVersion === r.version)));
    expect(ours.length).toBeGreaterThan(0);
    const versions = await db.query<{ version: string; n: number }>(
      `SELECT model_versions->>'code-estimator' AS version, count(*)::int AS n
         FROM prm.demand_predictions WHERE request_id LIKE $1 GROUP BY 1`,
      [`${run.runId}/%`],
    );
    const used = new Map(versions.rows.map((r) => [r.version, r.n]));
    expect(ours.some((v) => (used.get(v.version) ?? 0) > 0)).toBe(true);
    expect(used.size).toBeGreaterThan(1); // the shipped version first, a trained one after the swap
  });

  it('scales out ahead of the demand ramp: instances are launched before the ramp is at its height', async () => {
    const commands = await db.query<{ issued_at: Date; effective_by: Date; target_instances: number }>(
      `SELECT issued_at, effective_by, target_instances FROM prm.scale_commands WHERE pool = $1 AND action = 'SCALE_OUT' ORDER BY issued_at`,
      [run.pool],
    );
    expect(commands.rows.length).toBeGreaterThan(0);
    const peakStart = rampStartMs + 0.25 * HOUR * 1000;
    const before = commands.rows.filter((c) => c.issued_at.getTime() < peakStart);
    expect(before.length).toBeGreaterThan(0);
    // Each scale-out asks for capacity one boot delay ahead of when it is needed.
    for (const c of commands.rows) expect(c.effective_by.getTime() - c.issued_at.getTime()).toBe(defaultPool.bootDelayMs);
    const fleet = await db.query<{ peak: number }>(`SELECT max(instances_running)::int AS peak FROM prm.cluster_metrics WHERE pool = $1`, [run.pool]);
    expect(fleet.rows[0]!.peak).toBeGreaterThan(2);
  });

  it("writes the run's report, whose charts a real browser draws with the run's data", async () => {
    const written = await writeRunReport(db, { runId: run.runId, pool: run.pool, from: new Date(run.fromMs), to: new Date(run.toMs + 1) }, join(dir, 'report'));
    expect(written.data.totals.requests).toBe(REQUESTS);
    const charts = pointsOf(await headlessChromium(dir, 'report', ['--dump-dom', `file://${written.htmlPath}`]), 'data-chart');
    expect(charts.map(([name]) => name)).toEqual(['cluster-demand', 'user-demand', 'instances', 'queue-delay', 'model-error']);
    for (const [, points] of charts) expect(points).toBeGreaterThan(0);
  });
});
