import { Kafka, logLevel } from 'kafkajs';
import type { Analyzer } from '../../models/code/analyzer';
import { registerAnalyzerMetrics } from './analyzer-metrics';
import type { Estimator } from '../../models/code/estimator';
import { EventSerde } from '../../schemas/serde';
import { prefixedCatalogue, type TopicSpec } from '../../schemas/topics';
import type { JobDispatch } from '../../schemas/types.generated';
import type { Database, Queryable } from '../../sinks/database';
import { createSinkConsumer, type SinkConsumer } from '../../sinks/consumers';
import type { Connection } from '../../stack/connection';
import { avroDeadLetterSink } from '../dead-letters';
import type { JobUsage, PoolConfig } from '../executors/pool-core';
import { simulatedPoolProcessor } from '../executors/simulated-pool';
import { NEVER_LATE_MS, registryTopics } from '../processors/event-topics';
import { DEFAULT_RUN_LEASE_GRACE_MS } from '../processors/scheduler';
import { systemClock } from '../runtime/clock';
import { ConfigError } from '../runtime/errors';
import { StreamApp, kafkajsLogCreator } from '../runtime/kafka/stream-app';
import type { Logger } from '../runtime/logger';
import { prmTopology } from '../topology';
import { defaultForecastGrid, type ForecastGrid } from '../../models/training/forecast-model';
import type { FollowedModels, TrainingCycleResult } from '../trainer';

const GIB = 1024 ** 3;

/** One pool of identical instances, as the planner, the scheduler and a simulated pool all see it. */
export interface PoolShape {
  pool: string;
  instanceCores: number;
  instanceMemoryBytes: number;
  bootDelayMs: number;
  minInstances: number;
  maxInstances: number;
  /** Instances running when the pool starts. */
  initialInstances: number;
  /** Wall-clock limit given to a job, whatever its prediction: the service's floor and ceiling. */
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** How long past a run's timeout the scheduler waits for its telemetry before presuming it lost (see SchedulerProcessorOptions.runLeaseGraceMs). */
  runLeaseGraceMs: number;
}

/** The pool `npm start` replays its bundled workload on: 8-core, 32 GiB instances that boot in 2 minutes. */
export const defaultPool: PoolShape = {
  pool: 'replay', instanceCores: 8, instanceMemoryBytes: 32 * GIB, bootDelayMs: 120_000,
  minInstances: 1, maxInstances: 24, initialInstances: 2, minTimeoutMs: 30 * 60_000, maxTimeoutMs: 2 * 3600_000,
  runLeaseGraceMs: DEFAULT_RUN_LEASE_GRACE_MS,
};

/**
 * The lease grace for a pool whose time runs `speed` times faster than the wall clock (a replay):
 * the pipeline's pauses (a restart, a rebalance, a broker away) are in wall time, so the grace
 * covers a minute of it, and never less than the default.
 */
export function replayLeaseGraceMs(speed: number): number {
  return Math.max(DEFAULT_RUN_LEASE_GRACE_MS, speed * 60_000);
}

/**
 * Every processor a pipeline can run, by name. Beside the stream processors: `sink`, the history
 * sink consumer, and `trainer`, which records the analysed features of requests and retrains
 * the code estimator on the history's window, announcing better versions on prm.model-updates.
 */
export function processorNames(pool: PoolShape, simulatePool: boolean): string[] {
  return ['predictor', 'profiler', 'forecaster', 'planner', 'fleet-broadcast', 'scheduler', ...(simulatePool ? [simulatedPoolName(pool)] : []), 'sink', 'trainer'];
}

/** When the trainer runs a cycle, and on what window. */
export interface TrainerSchedule {
  /** Wall ms between the end of a cycle and the start of the next. */
  everyMs: number;
  /** The cycle's `now`, the end of its window: the event time of a replay. Default the wall clock. */
  now?: () => Date | undefined;
  /** Event-time window read. Default 24 h. */
  windowMs?: number;
  onCycle?(result: TrainingCycleResult): void;
}

export function simulatedPoolName(pool: PoolShape): string {
  return `simulated-pool-${pool.pool}`;
}

export interface PipelineOptions {
  connection: Connection;
  /** Application id: consumer groups, transactional ids and changelogs. Default 'prm'. */
  app?: string;
  /** Prefix of every topic name (a shared cluster, a test run). Default none. */
  topicPrefix?: string;
  pool: PoolShape;
  /** Run a simulated pool (a replay) instead of expecting real executors on prm.dispatches. */
  simulatePool: boolean;
  /** The truth a simulated pool runs a dispatched job with (a replay's trace). */
  usage?(dispatch: JobDispatch): JobUsage | undefined;
  /** Which processors this instance runs (see `processorNames`); default all. */
  processors?: readonly string[];
  /**
   * Chains of processors run fused, one task and transaction per partition (StreamAppOptions.fuse),
   * e.g. [['predictor', 'scheduler']]: a request crosses one exactly-once hop to its dispatch
   * instead of two. Every instance of the app must be given the same chains. Default none.
   */
  fuse?: readonly (readonly string[])[];
  /**
   * This instance's stable id (StreamAppOptions.instanceId), unique among the app's live instances,
   * e.g. a StatefulSet pod name: restarted, it aborts its predecessor's open transactions and
   * removes its predecessor's members from the groups (the sink's too) at once.
   * Default: a random one per start.
   */
  instanceId?: string;
  /** Required when the sink or the trainer runs: a migrated history database. */
  database?: Database;
  /**
   * Where the predictor and the forecaster load newly trained models' artifacts from. Default
   * `database`. The predictor needs one of the two; `connectOnFirstUse` lets it start and keep
   * deciding while the history database is away (it keeps the models it has meanwhile).
   */
  modelArtifacts?: Queryable;
  /** Default: a cycle every 5 minutes on the last 24 h. */
  trainer?: TrainerSchedule;
  logger: Logger;
}

export interface RunningPipeline {
  readonly app: StreamApp;
  readonly sink?: SinkConsumer;
  readonly catalogue: readonly TopicSpec[];
  readonly serde: EventSerde;
  topicName(catalogueName: string): string;
  /** Settles when a processor stops on a fatal error (rejects) or all were stopped. */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The catalogue's topics must exist before processors start (`prm topics create`): a processor
 * reading a missing one would retry "does not host this topic-partition" and then stop with it.
 */
async function refuseMissingTopics(kafka: Kafka, catalogue: readonly TopicSpec[], prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = catalogue.filter((t) => !existing.has(t.name)).map((t) => t.name);
    if (missing.length > 0) {
      const create = prefix === '' ? 'npx prm topics create' : `npx prm topics create --prefix ${prefix}`;
      throw new ConfigError(`${missing.length} of the catalogue's topics do not exist (${missing.join(', ')}): create them first with '${create}'`);
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * PRM's processors on Kafka, wired for one pool: the topology of streams/topology.ts, a
 * simulated pool for replays, and the sink writing every topic into the history database. One
 * call runs some or all of them; start the same call in more processes (same app id) to run
 * more instances: the partitions and their state spread over the group.
 */
export async function startPipeline(o: PipelineOptions): Promise<RunningPipeline> {
  const prefix = o.topicPrefix ?? '';
  const app = o.app ?? 'prm';
  const all = processorNames(o.pool, o.simulatePool);
  const chosen = o.processors ?? all;
  const unknown = chosen.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new ConfigError(`no processor ${unknown.join(', ')}: choose from ${all.join(', ')}`);
  const runsSink = chosen.includes('sink');
  const runsTrainer = chosen.includes('trainer');
  if ((runsSink || runsTrainer) && !o.database) throw new ConfigError('the sink and the trainer need a database');
  const modelArtifacts = o.modelArtifacts ?? o.database;
  if (chosen.includes('predictor') && !modelArtifacts) throw new ConfigError('the predictor needs a database to load trained models from');

  const catalogue = prefixedCatalogue(prefix);
  const kafka = new Kafka({ ...o.connection.kafka, clientId: app, logLevel: logLevel.WARN, logCreator: kafkajsLogCreator(o.logger.child({ component: 'kafkajs' })) });
  await refuseMissingTopics(kafka, catalogue, prefix);
  const serde = await EventSerde.start({ registry: o.connection.registry, topics: catalogue });
  const topics = registryTopics(serde, catalogue, () => Date.now());
  const streamProcessors = chosen.filter((n) => n !== 'sink' && n !== 'trainer');
  // The predictor and the forecaster start on the latest promoted versions of their models and follow prm.model-updates.
  const runsPredictor = streamProcessors.includes('predictor');
  const follow = { codeEstimator: runsPredictor, forecaster: streamProcessors.includes('forecaster') && modelArtifacts !== undefined };
  const models: FollowedModels | undefined = follow.codeEstimator || follow.forecaster
    ? await followModule().followModels({ kafka, registry: o.connection.registry, database: modelArtifacts!, prefix, logger: o.logger, follow })
    : undefined;
  const p = o.pool;
  const poolConfig: PoolConfig = {
    pool: p.pool, instanceCpuMillicores: p.instanceCores * 1000, instanceMemoryBytes: p.instanceMemoryBytes,
    instanceIoBytesPerSecond: 200e6, bootDelayMs: p.bootDelayMs, sampleIntervalMs: 30_000,
    initialInstances: p.initialInstances, minInstances: p.minInstances, maxInstances: p.maxInstances,
    // A replay's jobs run at the CPU the trace says they used: the reservation is the scheduler's.
    cpuAllocation: 'request',
  };
  const analyzer = runsPredictor ? analyzerModule().createAnalyzer() : unusedAnalyzer;
  const topology = prmTopology({
    app,
    topics,
    analyzer,
    // Processors this instance does not run are still declared (names, topics); an idle estimator stands in.
    estimator: models?.estimators?.current().estimator ?? unusedEstimator,
    estimatorVersion: models?.estimators?.current().version ?? 'unused',
    currentEstimator: models?.estimators?.current,
    forecast: { ...forecastGrid(p), currentModels: models?.forecasts?.current },
    // A job waiting in the pool stands for half a minute of a core: enough for a backlog to add an instance.
    planner: { minInstances: p.minInstances, maxInstances: p.maxInstances, bootDelaySeconds: p.bootDelayMs / 1000, coreSecondsPerQueuedJob: 30 },
    capacity: {
      pool: p.pool, instances: p.initialInstances, instanceCores: p.instanceCores, instanceMemoryBytes: p.instanceMemoryBytes,
      minTimeoutMs: p.minTimeoutMs, maxTimeoutMs: p.maxTimeoutMs,
    },
    runLeaseGraceMs: p.runLeaseGraceMs,
    logger: o.logger,
    executors: o.simulatePool
      ? [simulatedPoolProcessor({ topics, config: poolConfig, usage: o.usage, allowedLatenessMs: NEVER_LATE_MS })]
      : [],
  });
  const deadLetterTopic = `${prefix}prm.dlq`;
  const stream = new StreamApp({
    topology,
    kafka: { ...o.connection.kafka, clientId: app },
    deadLetters: avroDeadLetterSink(serde, systemClock, deadLetterTopic),
    processors: streamProcessors,
    fuse: o.fuse,
    instanceId: o.instanceId,
    logger: o.logger,
  });
  if (runsPredictor) registerAnalyzerMetrics(stream.metrics.registry, app, analyzer);

  let sink: SinkConsumer | undefined;
  if (runsSink) {
    const logger = o.logger.child({ component: 'sink' });
    // The processors' session timeout: a killed sink's partitions move in seconds, not kafkajs' 30.
    sink = createSinkConsumer({ kafka, registry: o.connection.registry, database: o.database!, prefix, groupId: `${app}.sink`, logger, sessionTimeoutMs: 10_000, instanceId: o.instanceId });
  }
  const stopTrainer: (() => Promise<void>)[] = [];
  try {
    await stream.start();
    await sink?.start();
    if (runsTrainer) stopTrainer.push(await startTrainer(o, prefix));
  } catch (err) {
    await Promise.allSettled([stream.stop(), sink?.stop(), ...stopTrainer.map((s) => s()), models?.stop()]);
    throw err;
  }
  return {
    app: stream,
    sink,
    catalogue,
    serde,
    topicName: (name) => `${prefix}${name}`,
    // With no stream processor here (a sink or trainer instance), nothing stops on its own.
    stopped: streamProcessors.length > 0 ? stream.stopped : new Promise<void>(() => undefined),
    async stop() {
      await Promise.allSettled([stream.stop(), sink?.stop(), ...stopTrainer.map((s) => s())]);
      await models?.stop();
    },
  };
}

/**
 * The trainer: the feature recorder and training cycles in a worker thread (analysis and
 * fitting would otherwise stall this process's processors), on a schedule kept here because
 * the cycle's `now` may be a replay's clock. Returns how to stop both.
 */
async function startTrainer(o: PipelineOptions, prefix: string): Promise<() => Promise<void>> {
  const log = (line: string) => o.logger.info(line, { component: 'trainer' });
  const { startTrainerThread, startTrainingLoop } = trainerModule();
  const thread = await startTrainerThread({
    databaseUrl: o.connection.databaseUrl, kafka: o.connection.kafka, registry: o.connection.registry, prefix,
    // The forecaster's models are fitted on the grid this pipeline's forecaster runs on.
    options: { forecastGrid: forecastGrid(o.pool), ...(o.trainer?.windowMs === undefined ? {} : { windowMs: o.trainer.windowMs }) },
  }, log);
  const loop = startTrainingLoop((now) => thread.runCycle(now), {
    everyMs: o.trainer?.everyMs ?? 5 * 60_000,
    now: o.trainer?.now,
    onCycle: (result) => o.trainer?.onCycle?.(result),
    onError: (err) => o.logger.warn('training cycle failed; the next runs on schedule', { err }),
  });
  return async () => {
    await loop.stop();
    await thread.stop();
  };
}

/**
 * The forecaster's grid for a pool: one-minute steps (a replay at 60x moves a step a second),
 * forecasting two boot delays ahead so the planner can act one boot delay before the need.
 */
function forecastGrid(pool: PoolShape): ForecastGrid {
  return { ...defaultForecastGrid, stepMs: 60_000, horizonMs: Math.max(10 * 60_000, 2 * pool.bootDelayMs) };
}

/*
 * The code analyser (TypeScript's parser) and the trainer's models (TensorFlow.js) took about 0.9
 * and 0.5 s to load of the 1.9 s the whole pipeline module took on an idle 2-core machine, and
 * several seconds in a loaded one: only a process that runs the predictor loads the analyser, and
 * only one that trains loads TensorFlow.js, so every other processor starts, and restarts after a
 * crash, that much sooner. Following models needs neither.
 */
function analyzerModule(): typeof import('../../models/code/analyzer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return require('../../models/code/analyzer') as typeof import('../../models/code/analyzer');
}

function followModule(): typeof import('../trainer/follow') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return require('../trainer/follow') as typeof import('../trainer/follow');
}

function trainerModule(): typeof import('../trainer') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return require('../trainer') as typeof import('../trainer');
}

const unusedAnalyzer: Analyzer = {
  analyze() {
    throw new Error('the predictor does not run in this instance');
  },
  counts: () => ({ cached: 0, parsed: 0, unparsed: 0 }),
};

const unusedEstimator: Estimator = {
  name: 'log-ridge',
  estimate() {
    throw new Error('the predictor does not run in this instance');
  },
  dispose() {},
};
