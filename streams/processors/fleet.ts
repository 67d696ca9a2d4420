import { userKeyedPartitions } from '../../schemas/topics';
import { ConfigError } from '../runtime/errors';
import { defineProcessor } from '../runtime/topology';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';

export interface FleetBroadcastOptions {
  topics: EventTopics;
  /** Partitions of prm.fleet: the scheduler's task count. Default the user-keyed partition count. */
  partitions?: number;
}

/**
 * Copies each pool's ClusterMetrics sample to every partition of prm.fleet. The scheduler's tasks
 * are the user-keyed partitions, pools are keyed by pool name, so no key routes one sample to all
 * of them: like a Kafka Streams GlobalKTable, but through a co-partitioned topic, so each
 * scheduler task sees the fleet change in its own input order, exactly once, and restores it
 * from its changelog like any other state.
 */
export function fleetBroadcastProcessor(o: FleetBroadcastOptions) {
  const partitions = o.partitions ?? userKeyedPartitions;
  if (!Number.isInteger(partitions) || partitions < 1) throw new ConfigError(`fleet partitions must be a positive integer, got ${partitions}`);
  return defineProcessor({
    name: 'fleet-broadcast',
    inputs: { metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics') },
    outputs: { fleet: o.topics.topic('prm.fleet', 'ClusterMetrics') },
    stores: {},
    eventTime: { allowedLatenessMs: NEVER_LATE_MS, timestamp: (r) => r.value.at.getTime() },
    process(ctx, record) {
      for (let partition = 0; partition < partitions; partition++) {
        ctx.forward('fleet', { key: record.value.pool, value: record.value, partition });
      }
    },
  });
}
