import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { QueryResultRow } from 'pg';
import { createAnalyzer } from '../../models/code/analyzer';
import { DEFAULT_CODE_EVIDENCE_STRENGTHS } from '../../models/demand/evidence-strength';
import { CODE_MODEL_NAME } from '../../models/training/artifact';
import { BASELINE_FORECAST_VERSION, FORECAST_MODEL_NAME, parseForecastArtifact } from '../../models/training/forecast-model';
import { loadTrainedEstimator } from '../../models/training/load';
import { initTfBackend } from '../../models/tf/backend';
import { avroType } from '../../schemas/avro';
import { deleteSubject, registryRequest } from '../../schemas/registry-http';
import { loadSchemaFiles } from '../../schemas/schema-files';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { frame } from '../../schemas/wire-format';
import { findTopic, prefixedCatalogue, valueSubject, type TopicSpec } from '../../schemas/topics';
import type { ClusterMetrics, CodeFeatures, ExecutionTelemetry, PredictedDemand, Quantiles } from '../../schemas/types.generated';
import { batchOf, createBatchWriter, migrate, rows, tables, type Database, type Queryable } from '../../sinks';
import { localTopics } from '../../streams/processors/event-topics';
import { predictorProcessor } from '../../streams/processors/predictor';
import { ManualClock } from '../../streams/runtime/clock';
import { jsonLogger, silentLogger } from '../../streams/runtime/logger';
import { ProcessorTestDriver } from '../../streams/runtime/test-driver';
import {
  createEstimatorRegistry, createModelFollower, createModelUpdatePublisher, codeEstimatorApplier, followCurrentVersions, followModels, getArtifact, getArtifactBody, recordPredictionErrors, runTrainingCycle, shippedEstimator,
  type ModelUpdatePublisher, type TrainerDeps,
} from '../../streams/trainer';
import { createRequestProducer } from '../../streams/producer';
import { createFeatureRecorder } from '../../streams/trainer';
import { readEventTrainingRows } from '../../streams/trainer/history';
import { testKafka } from '../setup/kafka';
import { until, within } from '../support/deadline';
import { startRegistryProxy, type RegistryProxy } from '../support/registry-proxy';
import { freshPlainDatabase, ownEmbeddedTimescale, type EngineUnderTest } from '../support/databases';
import { T0, windowRows } from '../unit/training/rows';

/**
 * The trainer on the real stack, on both engines (an embedded TimescaleDB of this file's own,
 * and a fresh database on the system PostgreSQL): history in, a better code estimator out,
 * announced on prm.model-updates, loadable from the database, and swapped into a predictor by
 * the model follower; retraining on the same window promotes nothing.
 */

const registry = { url: process.env.SCHEMA_REGISTRY_URL ?? '' };
const run = randomBytes(4).toString('hex');
const base = T0;
const now = new Date(base + 2 * 3_600_000);
const MIB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const q = (p50: number): Quantiles => ({ p50, p90: p50 * 1.5, p99: p50 * 2 });
// The readers' warnings (retries, records skipped) reach the test's output: a wait that runs out shows what preceded it.
const warnings = jsonLogger({ level: 'warn', fields: { test: 'trainer' } });

function timescale(): Promise<EngineUnderTest> {
  return ownEmbeddedTimescale('prm-trainer-');
}

function plain(): Promise<EngineUnderTest> {
  return freshPlainDatabase(`prm_trainer_${run}`);
}

/**
 * 100 requests over the first 100 minutes: their features, their measured usage (which follows
 * the code), and the predictions the shipped version made for them: 20 ms for everything, mixed
 * with the user's profile (300 ms for everything, resting on 20 executions).
 */
function history(shippedVersion: string) {
  const window = windowRows(100, 3).map((r) => ({ ...r, requestId: `${run}-${r.requestId}`, userId: `${run}-${r.userId}` }));
  const features: CodeFeatures[] = window.map((r) => ({
    requestId: r.requestId, userId: r.userId, analyzedAt: r.analyzedAt, language: 'JAVASCRIPT', parseStatus: 'OK',
    codeBytes: r.figures.codeBytes, lines: r.figures.lines, cyclomaticComplexity: r.figures.cyclomaticComplexity,
    maxNestingDepth: r.figures.maxNestingDepth, loopCount: r.figures.loopCount, maxLoopNesting: r.figures.maxLoopNesting,
    functionCount: r.figures.functionCount, recursiveFunctionCount: r.figures.recursiveFunctionCount, importCount: r.figures.importCount,
    externalDependencies: [], literalBytes: 0, parseMs: 0.5,
  }));
  const telemetry: ExecutionTelemetry[] = window.map((r) => ({
    requestId: r.requestId, userId: r.userId, instanceId: 'vm-1',
    startedAt: new Date(r.analyzedAt.getTime() + 1000), endedAt: new Date(r.analyzedAt.getTime() + 1000 + Math.round(r.durationMs)),
    cpuMs: r.cpuMs, peakMemoryBytes: r.peakMemoryBytes, ioReadBytes: 100, ioWriteBytes: 50, exitStatus: 'OK', exitCode: 0,
    allocated: { cpuMillicores: 1000, memoryBytes: 2 ** 31, timeoutMs: 30_000 },
  }));
  const code = { source: 'CODE_ANALYSIS' as const, model: { name: CODE_MODEL_NAME, version: shippedVersion }, weight: 0.2, cpuMs: q(20), peakMemoryBytes: q(40 * MIB), ioBytes: q(0), durationMs: q(25) };
  const profile = {
    source: 'USER_PROFILE' as const, model: { name: 'user-profile', version: 'half-life-86400000ms' }, weight: 0.8,
    cpuMs: q(300), peakMemoryBytes: q(60 * MIB), ioBytes: q(150), durationMs: q(320), evidence: 20,
  };
  const predictions: PredictedDemand[] = window.map((r) => ({
    requestId: r.requestId, userId: r.userId, predictedAt: r.analyzedAt, submittedAt: r.analyzedAt, tier: 'STANDARD', priority: 5, deadline: null,
    cpuMs: q(20), peakMemoryBytes: q(40 * MIB), ioBytes: q(0), durationMs: q(25), components: [code, profile], profileObservations: 20,
  }));
  return { features, telemetry, predictions };
}

describe.each([
  ['TimescaleDB', timescale],
  ['plain PostgreSQL', plain],
] as const)('trainer on %s', (engineName, start) => {
  const prefix = `test.trainer.${run}.${engineName === 'TimescaleDB' ? 'ts' : 'pg'}.`;
  const spec: TopicSpec = findTopic(`${prefix}prm.model-updates`, prefixedCatalogue(prefix));
  const requestsSpec: TopicSpec = { ...findTopic(`${prefix}prm.requests`, prefixedCatalogue(prefix)), partitions: 2 };
  let kafka: Kafka;
  let admin: Admin;
  let engine: EngineUnderTest;
  let db: Database;
  let publisher: ModelUpdatePublisher;
  let deps: TrainerDeps;
  let current: Awaited<ReturnType<typeof followCurrentVersions>>;
  let shipped: Awaited<ReturnType<typeof shippedEstimator>>;
  let data: ReturnType<typeof history>;

  beforeAll(async () => {
    kafka = testKafka(`prm-test-trainer-${run}`);
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [spec, requestsSpec], { create: true, replicationFactor: 1 });
    engine = await start();
    db = engine.db;
    await migrate(db, { log: () => undefined });
    shipped = await shippedEstimator();
    data = history(shipped.version);
    await createBatchWriter(db, { log: () => undefined }).write([
      batchOf(tables.codeFeatures, data.features.map(rows.codeFeaturesRow)),
      batchOf(tables.executionTelemetry, data.telemetry.map(rows.telemetryRow)),
      batchOf(tables.demandPredictions, data.predictions.map(rows.predictionRow)),
    ]);
    publisher = await createModelUpdatePublisher({ kafka, registry, prefix });
    current = await followCurrentVersions({ kafka, registry, database: db, prefix, logger: silentLogger });
    deps = {
      db, publisher, current: current.versions, shipped, backend: await initTfBackend(),
      // 25 held-out requests, all profiled: halves of 12 and 13 to fit the candidate's ks on (the default minimum is 10).
      options: { windowMs: 3 * 3_600_000, epochs: 150, seed: 5 },
    };
  }, 240_000);

  afterAll(async () => {
    await current?.stop();
    await publisher?.close();
    await engine?.cleanup();
    await admin?.deleteTopics({ topics: [spec.name, requestsSpec.name], timeout: 30_000 }).catch(() => undefined);
    await admin?.deleteGroups([`${prefix}prm.trainer.features`]).catch(() => undefined);
    for (const s of [spec, requestsSpec]) await deleteSubject(registry, valueSubject(s.name)).catch(() => undefined);
    await admin?.disconnect();
  }, 60_000);

  /**
   * A newer producer's version of an event (one more optional field), registered under a subject
   * of its own: a reader meets its schema id first on the topic and must fetch it from the registry.
   */
  const registerEvolved = async (event: string, subject: string) => {
    const file = loadSchemaFiles().find((f) => f.name === event)!;
    const schema = { ...file.schema, fields: [...file.schema.fields!, { name: 'note', type: ['null', 'string'], default: null }] };
    const { id } = await registryRequest<{ id: number }>(registry, 'POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: JSON.stringify(schema) });
    const type = avroType(schema);
    return { encode: (value: object) => frame(id, type.toBuffer(value)) };
  };
  /**
   * Once a reader has asked the away registry for the new schema, keeps refusing for longer than
   * the registry client's own retries (3, from 0.1 s doubling), so its fetch fails; then answers.
   */
  const outlastRegistryClientRetries = async (proxy: RegistryProxy, reader: string) => {
    await until(`${reader} asks the registry for the new schema and is refused`, async () => proxy.refused() > 0, 30_000, 50);
    await sleep(3000);
    proxy.setAway(false);
  };
  const countRows = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
  const topicEnd = async () => Number((await admin.fetchTopicOffsets(spec.name))[0]!.high);

  it('records prediction errors per request, model version and quantity, as the pure mapping does, and only once', async () => {
    const window = { from: new Date(base), to: now };
    // The cycle would insert them too; done first here to check the rows against predictionErrorRows.
    expect(await recordPredictionErrors(db, window)).toBe(100 * 3 * 4);
    expect(await recordPredictionErrors(db, window)).toBe(0);
    const [prediction, telemetry] = [data.predictions[7]!, data.telemetry[7]!];
    const stored = await db.query<{ model_name: string; model_version: string; quantity: string; predicted_p50: number; predicted_p90: number; actual: number }>(
      `SELECT model_name, model_version, quantity, predicted_p50, predicted_p90, actual FROM prm.prediction_errors WHERE request_id = $1 ORDER BY model_name, quantity`,
      [prediction.requestId],
    );
    const expected = rows.predictionErrorRows(prediction, telemetry)
      .map((r) => ({ model_name: r.model_name, model_version: r.model_version, quantity: r.quantity, predicted_p50: r.predicted_p50, predicted_p90: r.predicted_p90, actual: r.actual }))
      .sort((a, b) => a.model_name.localeCompare(b.model_name) || a.quantity.localeCompare(b.quantity));
    expect(stored.rows).toHaveLength(12);
    stored.rows.forEach((row, i) => {
      const want = expected[i]!;
      expect([row.model_name, row.model_version, row.quantity]).toEqual([want.model_name, want.model_version, want.quantity]);
      expect(row.predicted_p50).toBeCloseTo(want.predicted_p50, 6);
      expect(row.predicted_p90).toBeCloseTo(want.predicted_p90, 6);
      expect(row.actual).toBeCloseTo(want.actual, 6);
    });
  });

  it('reads each request\'s training row with the profile its prediction was mixed with and the evidence it rested on', async () => {
    const training = await readEventTrainingRows(db, { from: new Date(base), to: now }, { name: CODE_MODEL_NAME, version: shipped.version });
    expect(training).toHaveLength(100);
    const row = training.find((r) => r.requestId === data.predictions[7]!.requestId)!;
    const spread = (x: number) => ({ p50: x, p90: x * 1.5, p99: x * 2 });
    expect(row.profile).toEqual({ estimate: { cpu_ms: spread(300), peak_memory_mb: spread(60), duration_ms: spread(320) }, evidence: 20 });
    expect(row.recorded).toEqual({ cpu_ms: spread(20), peak_memory_mb: spread(40), duration_ms: spread(25) });
  });

  it('retrains the code estimator, promotes it over the shipped version, stores and announces it, and a follower swaps it into the predictor', async () => {
    const before = await topicEnd();
    const result = await within('training cycle', 60_000, runTrainingCycle(deps, now));
    const [code] = result.models;
    expect(code).toMatchObject({ model: CODE_MODEL_NAME, status: 'promoted', currentVersion: shipped.version, trainingRows: 75, heldOutRows: 25 });
    expect(code!.currentMetrics!.rows).toBe(25);
    expect(code!.candidateMetrics!.pinball_log_mean).toBeLessThan(code!.currentMetrics!.pinball_log_mean);
    expect(result.buckets.map((b) => [b.bucket.getTime(), b.requests, b.executions])).toEqual([[base, 60, 60], [base + 3_600_000, 40, 40]]);
    expect(result.errorsByVersion).toEqual(expect.arrayContaining([expect.objectContaining({ modelName: CODE_MODEL_NAME, modelVersion: shipped.version, samples: 100 })]));
    const update = code!.update!;
    expect(update.artifactUri).toBe(`db://prm.model_artifacts/${CODE_MODEL_NAME}/${update.version}`);
    // The profiles the shipped version was mixed with said the same for every job: the candidate learnt to lean on its own estimate.
    expect(update.validationMetrics.code_evidence_strength_cpu_ms).toBeGreaterThanOrEqual(100);
    expect(update.baselineMetrics.code_evidence_strength_cpu_ms).toBe(DEFAULT_CODE_EVIDENCE_STRENGTHS.cpu_ms);

    // Recorded with its validation, and announced once on the compacted topic.
    const version = await db.query<{ promoted: boolean; training_rows: string; validation_metrics: Record<string, number> }>(
      `SELECT promoted, training_rows, validation_metrics FROM prm.model_versions WHERE model_name = $1 AND version = $2`, [CODE_MODEL_NAME, update.version],
    );
    expect(version.rows[0]).toMatchObject({ promoted: true, training_rows: '75' });
    expect(version.rows[0]!.validation_metrics.pinball_log_mean).toBeCloseTo(code!.candidateMetrics!.pinball_log_mean, 9);
    expect(await topicEnd()).toBe(before + 1);

    // Loadable by any instance from the database alone.
    const artifact = await getArtifact(db, update.artifactUri);
    expect(artifact.mixing!.codeEvidenceStrength).toEqual({
      cpu_ms: update.validationMetrics.code_evidence_strength_cpu_ms,
      peak_memory_mb: update.validationMetrics.code_evidence_strength_peak_memory_mb,
      duration_ms: update.validationMetrics.code_evidence_strength_duration_ms,
    });
    const loaded = await loadTrainedEstimator(artifact);
    expect(loaded.name).toBe(update.algorithm);
    loaded.dispose();

    // A predictor started on the shipped version picks the new one up from the topic, without a restart.
    const estimators = createEstimatorRegistry({ estimator: await loadTrainedEstimator(shipped.artifact), version: shipped.version });
    const clock = new ManualClock(now.getTime());
    const predictor = new ProcessorTestDriver(
      predictorProcessor({ topics: localTopics(() => clock.now()), analyzer: createAnalyzer(), estimator: estimators.current().estimator, estimatorVersion: shipped.version, currentEstimator: estimators.current }),
      { clock },
    );
    const request = (requestId: string) => ({
      requestId, userId: 'ann', tier: 'STANDARD' as const, priority: 5, language: 'JAVASCRIPT' as const, submittedAt: now, deadline: null, resourceHints: null,
      code: 'let s = 0;\nfor (let i = 0; i < 1000; i++) {\n  for (let j = 0; j < 1000; j++) s += i * j;\n}\nconsole.log(s);\n',
    });
    predictor.pipeInput('requests', { key: 'ann', value: request('before-swap') });
    const follower = createModelFollower({ kafka, registry, database: db, appliers: [codeEstimatorApplier(estimators)], prefix, logger: silentLogger });
    await within('model follower start', 30_000, follower.start());
    try {
      await within('model follower catching up', 30_000, follower.caughtUp());
      expect(follower.applied()).toEqual([update.version]);
      expect(estimators.current().version).toBe(update.version);
      expect(estimators.current().codeEvidenceStrength).toEqual(artifact.mixing!.codeEvidenceStrength);
      predictor.pipeInput('requests', { key: 'ann', value: request('after-swap') });
      const [beforeSwap, afterSwap] = predictor.readOutput('predictions').map((o) => o.value!);
      expect(beforeSwap!.components[0]!.model).toEqual({ name: CODE_MODEL_NAME, version: shipped.version });
      expect(afterSwap!.components[0]!.model).toEqual({ name: CODE_MODEL_NAME, version: update.version });
      expect(rows.predictionRow(afterSwap!).model_versions).toEqual({ [CODE_MODEL_NAME]: update.version });
    } finally {
      await follower.stop();
      estimators.current().estimator.dispose();
    }
  });

  it('retrained on the same window, the candidate is no better: recorded as not promoted, nothing announced', async () => {
    const promoted = await db.query<{ version: string }>(`SELECT version FROM prm.model_versions WHERE promoted`);
    const before = await topicEnd();
    const result = await within('training cycle', 60_000, runTrainingCycle(deps, new Date(now.getTime() + 1000)));
    const [code] = result.models;
    expect(code).toMatchObject({ status: 'not-promoted', currentVersion: promoted.rows[0]!.version });
    expect(code!.currentMetrics!.rows).toBe(25);
    expect(code!.candidateMetrics!.pinball_log_mean).toBeGreaterThanOrEqual(code!.currentMetrics!.pinball_log_mean);
    expect(await countRows(`SELECT count(*) AS n FROM prm.model_versions WHERE model_name = $1 AND NOT promoted AND version = $2`, [CODE_MODEL_NAME, code!.candidateVersion])).toBe(1);
    await sleep(500);
    expect(await topicEnd()).toBe(before);

    // An instance starting now (on any machine with the database) begins on the promoted version, not the rejected one.
    const followed = await within('following models', 30_000, followModels({ kafka, registry, database: db, prefix, logger: silentLogger, follow: { codeEstimator: true, forecaster: false } }));
    try {
      expect(followed.estimators!.current().version).toBe(promoted.rows[0]!.version);
      expect(followed.estimators!.history()).toEqual([shipped.version, promoted.rows[0]!.version]);
    } finally {
      await followed.stop();
    }
  });

  it('a follower whose database is away goes on with the model it has, and swaps the promoted version in once the database answers', async () => {
    const promoted = await db.query<{ version: string }>(
      `SELECT version FROM prm.model_versions WHERE model_name = $1 AND promoted ORDER BY trained_at DESC LIMIT 1`, [CODE_MODEL_NAME],
    );
    let away = true;
    const flaky: Queryable = {
      query: (sql, params) => (away ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })) : db.query(sql, params)),
    };
    const estimators = createEstimatorRegistry({ estimator: await loadTrainedEstimator(shipped.artifact), version: shipped.version });
    const follower = createModelFollower({ kafka, registry, database: flaky, appliers: [codeEstimatorApplier(estimators)], prefix, logger: silentLogger });
    await within('model follower start', 30_000, follower.start());
    try {
      // A predictor waits for this before it starts: the database being away must not hold it up.
      await within('model follower catching up with the database away', 10_000, follower.caughtUp());
      expect(estimators.current().version).toBe(shipped.version);
      away = false;
      await until('the promoted version is swapped in', () => estimators.current().version === promoted.rows[0]!.version, 30_000);
      expect(follower.applied()).toEqual([promoted.rows[0]!.version]);
    } finally {
      await follower.stop();
      estimators.current().estimator.dispose();
    }
  });

  it('records the analyser\'s features from prm.requests and retrains on them when the window has enough', async () => {
    // A day later: 80 loop programs, run on a machine five times slower than the shipped model expects.
    const dayLater = base + 86_400_000;
    const analyzer = createAnalyzer();
    const reference = await loadTrainedEstimator(shipped.artifact);
    const requests = Array.from({ length: 80 }, (_, i) => ({
      requestId: `${run}-p${i}`, userId: `${run}-u${i % 4}`, tier: 'STANDARD' as const, priority: 5, language: 'JAVASCRIPT' as const,
      submittedAt: new Date(dayLater + i * 60_000), deadline: null, resourceHints: null,
      code: `let s = 0;\nfor (let i = 0; i < ${[10, 100, 1000, 10_000, 100_000][i % 5]}; i++) {\n  for (let j = 0; j < ${[1, 10, 100][i % 3]}; j++) s += i * j;\n}\nconsole.log(s);\n`,
    }));
    const producer = await within('request producer start', 30_000, createRequestProducer({ brokers: process.env.KAFKA_BROKERS!.split(','), registryUrl: registry.url, topicPrefix: prefix }));
    await within('publishing the requests', 30_000, producer.publishExecutionRequests(requests));
    await producer.close();
    const telemetry: ExecutionTelemetry[] = requests.map((r) => {
      const [estimate] = reference.estimate([analyzer.analyze(r.code)]);
      const cpuMs = estimate!.cpu_ms.p50 * 5;
      const startedAt = new Date(r.submittedAt.getTime() + 1000);
      return {
        requestId: r.requestId, userId: r.userId, instanceId: 'vm-2', startedAt, endedAt: new Date(startedAt.getTime() + Math.round(cpuMs) + 10),
        cpuMs, peakMemoryBytes: Math.round(estimate!.peak_memory_mb.p50 * MIB), ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK', exitCode: 0,
        allocated: { cpuMillicores: 1000, memoryBytes: 2 ** 31, timeoutMs: 60_000 },
      };
    });
    reference.dispose();
    await createBatchWriter(db, { log: () => undefined }).write([batchOf(tables.executionTelemetry, telemetry.map(rows.telemetryRow))]);

    // The reply to its first write is lost after the rows were stored, as when a connection
    // drops after the commit: the batch is read and written again, and finds its rows there.
    let replyLost = false;
    const losesFirstReply: Queryable = {
      async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]) {
        const result = await db.query<R>(sql, params);
        if (replyLost || !sql.includes('prm.request_features')) return result;
        replyLost = true;
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      },
    };
    const recorder = createFeatureRecorder({ kafka, registry, database: losesFirstReply, prefix, logger: warnings });
    await within('feature recorder start', 30_000, recorder.start());
    try {
      await within('feature recorder reading prm.requests to its end', 30_000, recorder.caughtUp());
    } finally {
      await within('feature recorder stop', 20_000, recorder.stop());
    }
    expect(replyLost).toBe(true);
    expect(recorder.recorded()).toBe(80);
    expect(await countRows(`SELECT count(*) AS n FROM prm.request_features WHERE request_id LIKE $1`, [`${run}-p%`])).toBe(80);
    const stored = await db.query<{ features: { parsed: boolean; estimatedOps: number } }>(`SELECT features FROM prm.request_features WHERE request_id = $1`, [requests[4]!.requestId]);
    expect(stored.rows[0]!.features).toMatchObject({ parsed: true, estimatedOps: analyzer.analyze(requests[4]!.code).estimatedOps });

    const result = await within('training cycle', 30_000, runTrainingCycle(deps, new Date(dayLater + 2 * 3_600_000)));
    const [code] = result.models;
    expect(code).toMatchObject({ status: 'promoted', inputs: 'analyzer', trainingRows: 60, heldOutRows: 20 });
    // The version in use (trained on the event view) is re-run on every held-out request.
    expect(code!.currentMetrics!.rows).toBe(20);
    expect(code!.candidateMetrics!.mae_log_cpu_ms).toBeLessThan(code!.currentMetrics!.mae_log_cpu_ms);
    expect((await getArtifact(db, code!.update!.artifactUri)).inputs).toBe('analyzer');
  });

  it('catches up on topics a transactional producer wrote, whose partitions end in a commit marker no handler sees: the feature recorder and a model follower', async () => {
    const txnPrefix = `${prefix}txn.`;
    const catalogue = prefixedCatalogue(txnPrefix);
    const requestsTopic = { ...findTopic(`${txnPrefix}prm.requests`, catalogue), partitions: 1 };
    const updatesTopic = findTopic(`${txnPrefix}prm.model-updates`, catalogue);
    const topics = [requestsTopic, updatesTopic];
    await ensureTopics(admin, topics, { create: true, replicationFactor: 1 });
    const producer = kafka.producer({ transactionalId: `${txnPrefix}writer`, idempotent: true, maxInFlightRequests: 1 });
    const recorder = createFeatureRecorder({ kafka, registry, database: db, prefix: txnPrefix, logger: warnings });
    const follower = createModelFollower({ kafka, registry, database: db, appliers: [], prefix: txnPrefix, logger: silentLogger });
    try {
      const serde = await EventSerde.start({ registry, topics });
      await producer.connect();
      const transaction = await producer.transaction();
      await transaction.send({
        topic: requestsTopic.name,
        messages: [0, 1, 2].map((i) => serde.message<'ExecutionRequest'>(requestsTopic.name, {
          requestId: `${run}-txn${i}`, userId: `${run}-txn`, tier: 'STANDARD', priority: 5, language: 'JAVASCRIPT', code: `console.log(${i});\n`,
          submittedAt: new Date(base + 3 * 86_400_000 + i * 1000), deadline: null, resourceHints: null,
        })),
      });
      const trainedAt = new Date(base + 3 * 86_400_000);
      await transaction.send({
        topic: updatesTopic.name,
        messages: [serde.message<'ModelUpdated'>(updatesTopic.name, {
          modelName: CODE_MODEL_NAME, version: `${run}-txn`, algorithm: 'quantile-mlp', trainedAt, windowStart: new Date(base), windowEnd: trainedAt,
          trainingRows: 10, validationMetrics: {}, baselineMetrics: {}, promoted: false, artifactUri: 'db://unused',
        })],
      });
      await transaction.commit();
      // Each partition written ends in the marker: three requests and one update, each followed by it.
      // The coordinator writes the markers after commit() returns; until then the stable end
      // offset (the admin reads with read_committed) stays at the transaction's first record.
      const stableEnd = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
      await until('the commit markers are written', async () => (await stableEnd(requestsTopic.name)) === 4 && (await stableEnd(updatesTopic.name)) === 2, 30_000, 50);

      await within('feature recorder start', 30_000, recorder.start());
      await within('feature recorder reading a topic that ends in a commit marker', 30_000, recorder.caughtUp());
      expect(recorder.recorded()).toBe(3);
      await within('model follower start', 30_000, follower.start());
      await within('model follower reading a topic that ends in a commit marker', 30_000, follower.caughtUp());
    } finally {
      await recorder.stop();
      await follower.stop();
      await producer.disconnect();
      await admin.deleteTopics({ topics: topics.map((t) => t.name), timeout: 30_000 }).catch(() => undefined);
      await admin.deleteGroups([`${txnPrefix}prm.trainer.features`]).catch(() => undefined);
      for (const t of topics) await deleteSubject(registry, valueSubject(t.name)).catch(() => undefined);
    }
  });

  it('the feature recorder holds a request its writer schema cannot be fetched for (registry away) and records it once the registry answers, instead of skipping it', async () => {
    const awayPrefix = `${prefix}away.`;
    const requestsTopic = { ...findTopic(`${awayPrefix}prm.requests`, prefixedCatalogue(awayPrefix)), partitions: 1 };
    await ensureTopics(admin, [requestsTopic], { create: true, replicationFactor: 1 });
    const evolvedSubject = `${awayPrefix}evolved-value`;
    const evolved = await registerEvolved('ExecutionRequest', evolvedSubject);
    const proxy = await startRegistryProxy(registry.url);
    const recorder = createFeatureRecorder({ kafka, registry: { url: proxy.url }, database: db, prefix: awayPrefix, logger: warnings });
    const producer = kafka.producer();
    const request = (i: number) => ({
      requestId: `${run}-away${i}`, userId: `${run}-away`, tier: 'STANDARD' as const, priority: 5, language: 'JAVASCRIPT' as const, code: `console.log(${i});\n`,
      submittedAt: new Date(base + 4 * 86_400_000 + i * 1000), deadline: null, resourceHints: null,
    });
    const storedIds = async () => (await db.query<{ request_id: string }>(`SELECT request_id FROM prm.request_features WHERE user_id = $1 ORDER BY request_id`, [`${run}-away`])).rows.map((r) => r.request_id);
    try {
      const serde = await EventSerde.start({ registry, topics: [requestsTopic] });
      await producer.connect();
      await within('feature recorder start', 30_000, recorder.start());
      await producer.send({ topic: requestsTopic.name, messages: [serde.message<'ExecutionRequest'>(requestsTopic.name, request(0))] });
      await until('the first request is recorded', async () => (await storedIds()).length === 1, 30_000, 100);

      proxy.setAway(true);
      const evolvedValue = evolved.encode({ ...request(1), note: 'from a newer producer' });
      await producer.send({ topic: requestsTopic.name, messages: [{ key: `${run}-away`, value: evolvedValue }, serde.message<'ExecutionRequest'>(requestsTopic.name, request(2))] });
      await outlastRegistryClientRetries(proxy, 'the recorder');

      await until('every request is recorded, the one written with the new schema too', async () => (await storedIds()).length === 3, 30_000, 200);
      expect(await storedIds()).toEqual([`${run}-away0`, `${run}-away1`, `${run}-away2`]);
    } finally {
      await recorder.stop();
      await producer.disconnect();
      await proxy.close();
      await admin.deleteTopics({ topics: [requestsTopic.name], timeout: 30_000 }).catch(() => undefined);
      await admin.deleteGroups([`${awayPrefix}prm.trainer.features`]).catch(() => undefined);
      for (const subject of [valueSubject(requestsTopic.name), evolvedSubject]) await deleteSubject(registry, subject).catch(() => undefined);
    }
  }, 120_000);

  it('a model follower holds an update its writer schema cannot be fetched for (registry away) and swaps it in once the registry answers, instead of skipping it', async () => {
    const awayPrefix = `${prefix}away-follower.`;
    const updatesTopic = findTopic(`${awayPrefix}prm.model-updates`, prefixedCatalogue(awayPrefix));
    await ensureTopics(admin, [updatesTopic], { create: true, replicationFactor: 1 });
    const evolvedSubject = `${awayPrefix}evolved-value`;
    const evolved = await registerEvolved('ModelUpdated', evolvedSubject);
    const proxy = await startRegistryProxy(registry.url);
    const swapped: string[] = [];
    const follower = createModelFollower({
      kafka, registry: { url: proxy.url }, database: db, prefix: awayPrefix, logger: warnings,
      appliers: [{ modelName: CODE_MODEL_NAME, apply: async (update) => void swapped.push(update.version) }],
    });
    const producer = kafka.producer();
    const update = (i: number) => {
      const trainedAt = new Date(base + 5 * 86_400_000 + i * 60_000);
      return {
        modelName: CODE_MODEL_NAME, version: `${run}-away${i}`, algorithm: 'quantile-mlp', trainedAt, windowStart: new Date(base), windowEnd: trainedAt,
        trainingRows: 10, validationMetrics: {}, baselineMetrics: {}, promoted: true, artifactUri: 'db://unused',
      };
    };
    try {
      const serde = await EventSerde.start({ registry, topics: [updatesTopic] });
      await producer.connect();
      await within('model follower start', 30_000, follower.start());
      await producer.send({ topic: updatesTopic.name, messages: [serde.message<'ModelUpdated'>(updatesTopic.name, update(0))] });
      await until('the first version is swapped in', () => swapped.length === 1, 30_000, 50);

      proxy.setAway(true);
      await producer.send({ topic: updatesTopic.name, messages: [{ key: CODE_MODEL_NAME, value: evolved.encode({ ...update(1), note: 'from a newer trainer' }) }] });
      await outlastRegistryClientRetries(proxy, 'the follower');

      await until('the version written with the new schema is swapped in', () => swapped.length === 2, 30_000, 100);
      expect(swapped).toEqual([`${run}-away0`, `${run}-away1`]);
    } finally {
      await follower.stop();
      await producer.disconnect();
      await proxy.close();
      await admin.deleteTopics({ topics: [updatesTopic.name], timeout: 30_000 }).catch(() => undefined);
      for (const subject of [valueSubject(updatesTopic.name), evolvedSubject]) await deleteSubject(registry, subject).catch(() => undefined);
    }
  }, 120_000);

  it('retrains the load forecaster from the pools\' metrics with time_bucket, promotes it over the baselines, and a follower swaps it in; the same window again promotes nothing', async () => {
    // Four hours of a pool whose load follows a two-hour wave, five days on (no other test's window).
    const waveStart = Math.floor((base + 5 * 86_400_000) / 60_000) * 60_000;
    const pool = `${run}-pool`;
    const samples: ClusterMetrics[] = Array.from({ length: 480 }, (_, i) => ({
      // Two samples a minute: the trainer averages them onto the forecaster's one-minute grid.
      pool, at: new Date(waveStart + i * 30_000), instancesRunning: 4, instancesBooting: 0, cpuCapacityMillicores: 32_000, memoryCapacityBytes: 2 ** 36,
      cpuUtilization: (10 + 5 * Math.sin((2 * Math.PI * Math.floor(i / 2)) / 120)) / 32, reservedFraction: 0, memoryUtilization: 0.2, ioUtilization: 0.1, queueDepth: 0,
    }));
    await createBatchWriter(db, { log: () => undefined }).write([batchOf(tables.clusterMetrics, samples.map(rows.clusterMetricsRow))]);
    const forecastGrid = { stepMs: 60_000, horizonMs: 10 * 60_000, windowMs: 6 * 3_600_000 };
    const forecastDeps: TrainerDeps = { ...deps, options: { ...deps.options, windowMs: 4 * 3_600_000, forecastGrid } };
    const cycleAt = new Date(waveStart + 4 * 3_600_000);
    const before = await topicEnd();

    const result = await within('training cycle', 60_000, runTrainingCycle(forecastDeps, cycleAt));
    const [code, forecaster] = result.models;
    expect(code.status).toBe('skipped');
    expect(forecaster).toMatchObject({ model: FORECAST_MODEL_NAME, status: 'promoted', inputs: 'cluster-load', currentVersion: BASELINE_FORECAST_VERSION, trainingRows: 240 });
    expect(forecaster.candidateMetrics!.points).toBe(forecaster.currentMetrics!.points);
    expect(forecaster.candidateMetrics!.mae_p50).toBeLessThan(0.6 * forecaster.currentMetrics!.mae_p50);
    expect(await topicEnd()).toBe(before + 1);
    const artifact = parseForecastArtifact(await getArtifactBody(db, forecaster.update!.artifactUri));
    expect(Object.keys(artifact.pools)).toEqual([pool]);
    expect(artifact.stepSeconds).toBe(60);

    const followed = await within('following models', 30_000, followModels({ kafka, registry, database: db, prefix, logger: silentLogger, follow: { codeEstimator: false, forecaster: true } }));
    // A trainer starting now measures its candidates against the versions this deployment's topic announced.
    const restarted = await within('reading current versions', 30_000, followCurrentVersions({ kafka, registry, database: db, prefix, logger: silentLogger }));
    try {
      expect(followed.forecasts!.current()).toEqual({ version: forecaster.candidateVersion, artifact });
      expect(restarted.versions.get(FORECAST_MODEL_NAME)).toEqual({ version: forecaster.candidateVersion, artifactUri: forecaster.update!.artifactUri });
      expect(restarted.versions.get(CODE_MODEL_NAME)?.version).toBe(current.versions.get(CODE_MODEL_NAME)?.version);
    } finally {
      await followed.stop();
      await restarted.stop();
    }

    const again = await within('training cycle', 60_000, runTrainingCycle(forecastDeps, new Date(cycleAt.getTime() + 1000)));
    expect(again.models[1]).toMatchObject({ status: 'not-promoted', currentVersion: forecaster.candidateVersion });
    await sleep(500);
    expect(await topicEnd()).toBe(before + 1);
  });
});
