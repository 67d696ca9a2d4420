import { allotTaskShares, DEFAULT_FLOOR_FRACTION } from '../../models/scheduling/task-shares';
import { userKeyedPartitions } from '../../schemas/topics';
import type { SchedulerBacklog } from '../../schemas/types.generated';
import { ConfigError } from '../runtime/errors';
import { jsonSerde, numberSerde } from '../runtime/serde';
import { defineProcessor, keyValueStore, type ProcessorContext } from '../runtime/topology';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';

export interface FleetBroadcastOptions {
  topics: EventTopics;
  /** Partitions of prm.fleet-shares: the scheduler's task count. Default the user-keyed partition count. */
  partitions?: number;
  /** Share of the fleet every task keeps whatever its demand (see models/scheduling/task-shares). */
  floorFraction?: number;
  /**
   * Between pool samples, a task's new share is sent when it moved by at least this many
   * instances, so backlog reports do not wake every task for nothing. Default 0.25.
   */
  minChangeInstances?: number;
}

/** What the processor keeps of a pool's latest sample. */
export interface PoolEntry {
  instancesRunning: number;
  /** Cores of one instance, to turn demand in cores into instances; kept while the pool is empty. */
  instanceCores: number;
  atMs: number;
}

/** A task's latest demand, from its SchedulerBacklog. */
export interface DemandEntry {
  cores: number;
  atMs: number;
}

/**
 * Divides each pool's running instances between the scheduler's tasks and tells each task its
 * share on prm.fleet-shares, written to the task's own partition: the scheduler's tasks are the
 * user-keyed partitions and pools are keyed by pool name, so no key would route a pool's state
 * to all of them. Like a Kafka Streams GlobalKTable, but through a co-partitioned topic, so each
 * task sees its share change in its own input order, exactly once, and restores it from its
 * changelog like any other state.
 *
 * Shares follow the tasks' demand (prm.scheduler-backlog, co-partitioned with the pool's
 * metrics): see models/scheduling/task-shares. Every pool sample sends every task its share,
 * which also moves the tasks' event time while no job arrives; a backlog report sends only the
 * shares it moved by `minChangeInstances` or more.
 */
export function fleetBroadcastProcessor(o: FleetBroadcastOptions) {
  const partitions = o.partitions ?? userKeyedPartitions;
  if (!Number.isInteger(partitions) || partitions < 1) throw new ConfigError(`fleet partitions must be a positive integer, got ${partitions}`);
  const floorFraction = o.floorFraction ?? DEFAULT_FLOOR_FRACTION;
  if (!(floorFraction >= 0 && floorFraction <= 1)) throw new ConfigError(`floorFraction must be within [0, 1], got ${floorFraction}`);
  const minChange = o.minChangeInstances ?? 0.25;
  if (!(minChange >= 0)) throw new ConfigError(`minChangeInstances must be >= 0, got ${minChange}`);

  const processor = defineProcessor({
    name: 'fleet-broadcast',
    inputs: {
      metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics'),
      backlog: o.topics.topic('prm.scheduler-backlog', 'SchedulerBacklog'),
    },
    outputs: { shares: o.topics.topic('prm.fleet-shares', 'FleetShare') },
    stores: {
      pools: keyValueStore(jsonSerde<PoolEntry>()),
      /** By `pool/task`. */
      demand: keyValueStore(jsonSerde<DemandEntry>()),
      /** By `pool/task`: the share last sent. */
      sent: keyValueStore(numberSerde),
    },
    eventTime: { allowedLatenessMs: NEVER_LATE_MS, timestamp: (r) => r.value.at.getTime() },
    onError: 'dead-letter',
    process(ctx, record) {
      if (record.input === 'metrics') {
        const m = record.value;
        const known = ctx.store('pools').get(m.pool);
        if (known && known.atMs > m.at.getTime()) return; // an older sample, overtaken
        const instanceCores = m.instancesRunning > 0 ? m.cpuCapacityMillicores / 1000 / m.instancesRunning : known?.instanceCores ?? 0;
        ctx.store('pools').put(m.pool, { instancesRunning: m.instancesRunning, instanceCores, atMs: m.at.getTime() });
        send(ctx, m.pool, 0);
      } else {
        noteDemand(ctx, record.value);
        send(ctx, record.value.pool, minChange);
      }
    },
  });
  type Ctx = ProcessorContext<typeof processor.stores, typeof processor.outputs>;
  return processor;

  function noteDemand(ctx: Ctx, b: SchedulerBacklog): void {
    if (b.task >= partitions) throw new Error(`backlog of scheduler task ${b.task}, but prm.fleet-shares has ${partitions} partitions: the scheduler runs with a different task count`);
    const key = `${b.pool}/${b.task}`;
    const known = ctx.store('demand').get(key);
    if (known && known.atMs > b.at.getTime()) return;
    ctx.store('demand').put(key, { cores: b.queuedCores + (b.reservedCores ?? 0), atMs: b.at.getTime() });
  }

  /** Allots the pool's shares and sends each task whose share moved by at least `threshold`. */
  function send(ctx: Ctx, pool: string, threshold: number): void {
    const p = ctx.store('pools').get(pool);
    if (!p) return; // no sample yet: the tasks keep their configured split
    const demands = Array.from({ length: partitions }, (_, task) => {
      const cores = ctx.store('demand').get(`${pool}/${task}`)?.cores ?? 0;
      return p.instanceCores > 0 ? cores / p.instanceCores : 0;
    });
    const shares = allotTaskShares(p.instancesRunning, demands, floorFraction);
    shares.forEach((share, task) => {
      const key = `${pool}/${task}`;
      const last = ctx.store('sent').get(key);
      if (threshold > 0 && last !== undefined && Math.abs(share - last) < threshold) return;
      ctx.store('sent').put(key, share);
      ctx.forward('shares', {
        key: pool,
        partition: task,
        value: {
          pool, task, at: new Date(ctx.streamTime), instancesRunning: p.instancesRunning, shareInstances: share, demandInstances: demands[task]!, sampledAt: new Date(p.atMs),
        },
      });
    });
  }
}
