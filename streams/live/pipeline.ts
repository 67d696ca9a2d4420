import { readFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createAnalyzer } from '../../models/code/analyzer';
import { artifactPath, loadEstimator, type Estimator } from '../../models/code/estimator';
import { initTfBackend } from '../../models/tf/backend';
import { EventSerde } from '../../schemas/serde';
import { prefixedCatalogue, type TopicSpec } from '../../schemas/topics';
import type { JobDispatch } from '../../schemas/types.generated';
import type { Database } from '../../sinks/database';
import { createSinkConsumer, type SinkConsumer } from '../../sinks/consumers';
import type { Connection } from '../../stack/connection';
import { avroDeadLetterSink } from '../dead-letters';
import type { JobUsage, PoolConfig } from '../executors/pool-core';
import { simulatedPoolProcessor } from '../executors/simulated-pool';
import { NEVER_LATE_MS, registryTopics } from '../processors/event-topics';
import { systemClock } from '../runtime/clock';
import { ConfigError } from '../runtime/errors';
import { StreamApp, kafkajsLogCreator } from '../runtime/kafka/stream-app';
import type { Logger } from '../runtime/logger';
import { prmTopology } from '../topology';

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
}

/** The pool `npm start` replays its bundled workload on: 8-core, 32 GiB instances that boot in 2 minutes. */
export const defaultPool: PoolShape = {
  pool: 'replay', instanceCores: 8, instanceMemoryBytes: 32 * GIB, bootDelayMs: 120_000,
  minInstances: 1, maxInstances: 24, initialInstances: 2, minTimeoutMs: 30 * 60_000, maxTimeoutMs: 2 * 3600_000,
};

/** Every processor a pipeline can run, by name; `sink` is the history sink consumer. */
export function processorNames(pool: PoolShape, simulatePool: boolean): string[] {
  return ['predictor', 'profiler', 'forecaster', 'planner', 'fleet-broadcast', 'scheduler', ...(simulatePool ? [simulatedPoolName(pool)] : []), 'sink'];
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
  /** Required when the sink runs: a migrated history database. */
  database?: Database;
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
  if (runsSink && !o.database) throw new ConfigError('the sink needs a database');

  const catalogue = prefixedCatalogue(prefix);
  const serde = await EventSerde.start({ registry: o.connection.registry, topics: catalogue });
  const topics = registryTopics(serde, catalogue, () => Date.now());
  const streamProcessors = chosen.filter((n) => n !== 'sink');
  const estimator = streamProcessors.includes('predictor') ? await shippedEstimator(o.logger) : undefined;
  const p = o.pool;
  const poolConfig: PoolConfig = {
    pool: p.pool, instanceCpuMillicores: p.instanceCores * 1000, instanceMemoryBytes: p.instanceMemoryBytes,
    instanceIoBytesPerSecond: 200e6, bootDelayMs: p.bootDelayMs, sampleIntervalMs: 30_000,
    initialInstances: p.initialInstances, minInstances: p.minInstances, maxInstances: p.maxInstances,
    // A replay's jobs run at the CPU the trace says they used: the reservation is the scheduler's.
    cpuAllocation: 'request',
  };
  const topology = prmTopology({
    app,
    topics,
    analyzer: createAnalyzer(),
    // Processors this instance does not run are still declared (names, topics); an idle estimator stands in.
    estimator: estimator?.estimator ?? unusedEstimator,
    estimatorVersion: estimator?.version ?? 'unused',
    forecast: { stepMs: 60_000, horizonMs: Math.max(10 * 60_000, 2 * p.bootDelayMs) },
    // A job waiting in the pool stands for half a minute of a core: enough for a backlog to add an instance.
    planner: { minInstances: p.minInstances, maxInstances: p.maxInstances, bootDelaySeconds: p.bootDelayMs / 1000, coreSecondsPerQueuedJob: 30 },
    capacity: {
      pool: p.pool, instances: p.initialInstances, instanceCores: p.instanceCores, instanceMemoryBytes: p.instanceMemoryBytes,
      minTimeoutMs: p.minTimeoutMs, maxTimeoutMs: p.maxTimeoutMs,
    },
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
    logger: o.logger,
  });

  let sink: SinkConsumer | undefined;
  if (runsSink) {
    const logger = o.logger.child({ component: 'sink' });
    const kafka = new Kafka({ ...o.connection.kafka, clientId: `${app}-sink`, logLevel: logLevel.WARN, logCreator: kafkajsLogCreator(logger) });
    sink = createSinkConsumer({ kafka, registry: o.connection.registry, database: o.database!, prefix, groupId: `${app}.sink`, logger });
  }
  await stream.start();
  try {
    await sink?.start();
  } catch (err) {
    await stream.stop();
    throw err;
  }
  return {
    app: stream,
    sink,
    catalogue,
    serde,
    topicName: (name) => `${prefix}${name}`,
    stopped: stream.stopped,
    async stop() {
      await Promise.allSettled([stream.stop(), sink?.stop()]);
      estimator?.estimator.dispose();
    },
  };
}

/** The code estimator shipped with the repository (models/code/estimator-model.json). */
async function shippedEstimator(logger: Logger): Promise<{ estimator: Estimator; version: string }> {
  await initTfBackend((line) => logger.info(line));
  const artifact = JSON.parse(await readFile(artifactPath, 'utf8')) as Parameters<typeof loadEstimator>[0];
  const estimator = await loadEstimator(artifact);
  return { estimator, version: `shipped-${artifact.selected}` };
}

const unusedEstimator: Estimator = {
  name: 'log-ridge',
  estimate() {
    throw new Error('the predictor does not run in this instance');
  },
  dispose() {},
};
