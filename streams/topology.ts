import type { Analyzer } from '../models/code/analyzer';
import type { Estimator } from '../models/code/estimator';
import type { ProfileConfig } from '../models/profiles/user-profile';
import type { EventTopics } from './processors/event-topics';
import { fleetBroadcastProcessor } from './processors/fleet';
import { forecasterProcessor, type ForecasterProcessorOptions } from './processors/forecaster';
import { plannerProcessor, type PlannerProcessorOptions } from './processors/planner';
import { predictorProcessor, type EstimatorInUse } from './processors/predictor';
import { profilerProcessor } from './processors/profiler';
import { schedulerProcessor, type SchedulerPoolConfig } from './processors/scheduler';
import type { Logger } from './runtime/logger';
import { buildTopology, type DeclaredProcessor, type Topology } from './runtime/topology';

/**
 * The request path, predictor then scheduler, as a chain to fuse (StreamAppOptions.fuse): one
 * task and one exactly-once transaction from a request to its dispatch. `prm start` runs it so.
 */
export const REQUEST_PATH: readonly string[] = ['predictor', 'scheduler'];

export interface PrmTopologyOptions {
  /** Application id: prefix of consumer groups, transactional ids and changelog topics. Default 'prm'. */
  app?: string;
  topics: EventTopics;
  analyzer: Analyzer;
  estimator: Estimator;
  estimatorVersion: string;
  /** The estimator in use now, read per request: a model follower's hot-swapped version. Default the fixed one above. */
  currentEstimator?: () => EstimatorInUse;
  profile?: Partial<ProfileConfig>;
  forecast?: Omit<ForecasterProcessorOptions, 'topics'>;
  planner: Omit<PlannerProcessorOptions, 'topics'>;
  capacity: SchedulerPoolConfig;
  /** The scheduler's lease grace (SchedulerProcessorOptions.runLeaseGraceMs). Default 15 minutes. */
  runLeaseGraceMs?: number;
  /** Where processors report what they handle without an output (a resent request dropped). Default silent. */
  logger?: Logger;
  /** Executors run beside PRM's processors: the simulated pool of a replay. Default none. */
  executors?: readonly DeclaredProcessor[];
}

/**
 * PRM's stream processing, top to bottom as the data flows (DESIGN.md):
 *
 *   prm.requests ──► predictor ──► prm.demand-predictions ──► scheduler ──► prm.dispatches
 *                      ▲  [profiles: table of prm.user-profiles]   ▲  [queue, running, sequence]
 *                      ├──► prm.code-features (the trainer's history of what was analysed)
 *                      │                                           │
 *   prm.telemetry ──► profiler ──► prm.user-profiles ──────────────┘ (telemetry frees reservations)
 *                      [profiles]
 *
 *   prm.cluster-metrics ──► forecaster ──► prm.cluster-forecasts ──► planner ──► prm.scale-commands
 *           │                [history]                            ▲  [pools]
 *           ├─────────────────────────────────────────────────────┤ (current fleet size)
 *           │                            prm.scheduler-backlog ───┤ (what the scheduler's tasks hold)
 *           └──► fleet-broadcast ◄────────────────────────────────┘
 *                  └──► prm.fleet-shares (each task's share, on its partition) ──► scheduler [fleet]
 *
 * Every store is changelogged by the runtime; each processor is its own consumer group, unless
 * run fused (REQUEST_PATH).
 */
export function prmTopology(o: PrmTopologyOptions): Topology {
  const { topics } = o;
  return buildTopology(o.app ?? 'prm', [
    // Requests, with static analysis inline and the user's profile joined, become predictions.
    predictorProcessor({
      topics, analyzer: o.analyzer, estimator: o.estimator, estimatorVersion: o.estimatorVersion, currentEstimator: o.currentEstimator,
    }),
    // Finished executions update the rolling per-user profile the predictor joins.
    profilerProcessor({ topics, profile: o.profile }),
    // Pool metrics become load forecasts over the boot lead time.
    forecasterProcessor({ topics, ...o.forecast }),
    // Forecasts at the boot lead time, with the pool's current size, become scale commands.
    plannerProcessor({ topics, ...o.planner }),
    // Each pool's instances are divided between the scheduler's tasks by what each holds and queues.
    fleetBroadcastProcessor({ topics, partitions: o.capacity.tasks }),
    // Predictions queue by priority and are dispatched as capacity frees.
    schedulerProcessor({ topics, capacity: o.capacity, runLeaseGraceMs: o.runLeaseGraceMs, logger: o.logger?.child({ processor: 'scheduler' }) }),
    ...(o.executors ?? []),
  ]);
}
