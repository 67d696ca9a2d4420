import type { EventName, EventTypes } from './types.generated';

const day = 24 * 60 * 60 * 1000;

export type CleanupPolicy = 'delete' | 'compact';

/** One topic PRM owns: what it carries, how it is keyed and how long Kafka keeps it. */
export interface TopicSpec<E extends EventName = EventName> {
  name: string;
  /** The event every value on the topic is (registered under `<name>-value`). */
  event: E;
  /** The event field the record key is taken from. */
  keyField: keyof EventTypes[E] & string;
  partitions: number;
  cleanupPolicy: CleanupPolicy;
  /** `retention.ms`; -1 keeps records forever (the compacted tables). */
  retentionMs: number;
  /** What the topic is for, shown by `prm topics list`. */
  purpose: string;
}

function topic<E extends EventName>(spec: TopicSpec<E>): TopicSpec {
  return spec as unknown as TopicSpec;
}

/**
 * Partition count of the topics keyed by user id. They must all match: the predictor joins
 * requests with profiles, and the profiler telemetry with profiles, partition by partition.
 */
export const userKeyedPartitions = 6;

/** Partition count of the topics keyed by pool: a pool's metrics, forecasts, scale commands and dispatches. */
export const poolKeyedPartitions = 3;

/** Every topic PRM uses. The dead-letter topic is last so creation order reads like the flow. */
export const topicCatalogue: readonly TopicSpec[] = [
  topic({ name: 'prm.requests', event: 'ExecutionRequest', keyField: 'userId', partitions: userKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 7 * day, purpose: 'execution requests from producers' }),
  topic({ name: 'prm.telemetry', event: 'ExecutionTelemetry', keyField: 'userId', partitions: userKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 7 * day, purpose: 'measured usage of finished executions' }),
  topic({ name: 'prm.code-features', event: 'CodeFeatures', keyField: 'userId', partitions: userKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 7 * day, purpose: 'static-analysis features per request, for retraining' }),
  topic({ name: 'prm.user-profiles', event: 'UserProfile', keyField: 'userId', partitions: userKeyedPartitions,
    cleanupPolicy: 'compact', retentionMs: -1, purpose: 'latest behaviour profile per user (table)' }),
  topic({ name: 'prm.demand-predictions', event: 'PredictedDemand', keyField: 'userId', partitions: userKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 7 * day, purpose: 'predicted demand per request with quantiles' }),
  topic({ name: 'prm.cluster-metrics', event: 'ClusterMetrics', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 3 * day, purpose: 'periodic state of each instance pool' }),
  // The scheduler's view of the fleet: its input partitions are the user-keyed ones, so each task's
  // share of a pool is written to that task's partition by name (see streams/processors/fleet.ts).
  topic({ name: 'prm.fleet-shares', event: 'FleetShare', keyField: 'pool', partitions: userKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 1 * day, purpose: 'each scheduler task\'s share of a pool\'s instances' }),
  topic({ name: 'prm.cluster-forecasts', event: 'ClusterLoadForecast', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 3 * day, purpose: 'load forecasts over the boot lead-time horizon' }),
  topic({ name: 'prm.scale-commands', event: 'ScaleCommand', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 30 * day, purpose: 'scale-out / scale-in decisions with reasons' }),
  // Keyed by pool and partitioned like the scale commands, so one pool's executor reads its jobs and
  // its resizes in one task, in order.
  topic({ name: 'prm.dispatches', event: 'JobDispatch', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 7 * day, purpose: 'jobs handed to a pool\'s instances' }),
  // Keyed by pool and partitioned like the forecasts the planner reads it with.
  topic({ name: 'prm.scheduler-backlog', event: 'SchedulerBacklog', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 1 * day, purpose: 'jobs each scheduler task holds queued, for the planner' }),
  topic({ name: 'prm.pool-clock', event: 'PoolClock', keyField: 'pool', partitions: poolKeyedPartitions,
    cleanupPolicy: 'delete', retentionMs: 1 * day, purpose: 'time of simulated pools during a replay' }),
  topic({ name: 'prm.model-updates', event: 'ModelUpdated', keyField: 'modelName', partitions: 1,
    cleanupPolicy: 'compact', retentionMs: -1, purpose: 'latest version of each model (table)' }),
  topic({ name: 'prm.dlq', event: 'DeadLetter', keyField: 'sourceTopic', partitions: 3,
    cleanupPolicy: 'delete', retentionMs: 30 * day, purpose: 'records that failed to decode, validate or process' }),
];

/** The registry subject of a topic's values (topic-name strategy). */
export function valueSubject(topicName: string): string {
  return `${topicName}-value`;
}

/** The record key of a value on a topic, taken from the topic's key field. */
export function recordKey<E extends EventName>(spec: TopicSpec<E>, value: EventTypes[E]): string {
  const key = value[spec.keyField];
  if (typeof key !== 'string') throw new Error(`${spec.name}: key field ${spec.keyField} is not a string`);
  return key;
}

/** The catalogue with every name prefixed, for a shared cluster or a test run (`t123.prm.requests`). */
export function prefixedCatalogue(prefix: string, catalogue: readonly TopicSpec[] = topicCatalogue): TopicSpec[] {
  return catalogue.map((t) => ({ ...t, name: `${prefix}${t.name}` }));
}

export function findTopic(name: string, catalogue: readonly TopicSpec[] = topicCatalogue): TopicSpec {
  const spec = catalogue.find((t) => t.name === name);
  if (!spec) throw new Error(`topic ${name} is not in the catalogue`);
  return spec;
}
