/**
 * What a run report shows, as read from the history database. Plain JSON-able data (times are
 * epoch milliseconds) so the same object is embedded in the HTML, written as report.json and
 * summarised for the terminal.
 */

/** Which rows belong to one run. */
export interface ReportScope {
  /** Request ids of the run are `${runId}/<job id>`: requests, predictions, dispatches and telemetry are selected by that prefix. */
  runId: string;
  /** The run's own instance pool: cluster metrics, forecasts and scale commands are selected by it and the window. */
  pool: string;
  /** The run's window [from, to): the time axis of every series, and the filter of the pool's rows. */
  from: Date;
  to: Date;
  /** Width of the cluster series' buckets. Default: a round width giving at most about 120 buckets. */
  bucketMs?: number;
  /** How many users get their own predicted-vs-actual chart (the busiest by requests). Default 6. */
  topUsers?: number;
}

/** One bucket of the cluster series. Demands are in CPU cores (CPU ms per bucket / bucket ms). */
export interface ClusterPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** CPU the run's executions used in this bucket, each spread evenly over its [started, ended]. */
  executedCores: number;
  /** Actual CPU of the requests submitted in this bucket (what the predictions below estimate), as cores. */
  arrivedCores: number;
  /** Predicted p50 / p90 CPU of the requests submitted in this bucket, as cores. */
  predictedP50Cores: number;
  predictedP90Cores: number;
  /** Requests submitted in the bucket (with a prediction). */
  requests: number;
  /** Pool state averaged over the bucket's metric samples; null without a sample. */
  instancesRunning: number | null;
  instancesBooting: number | null;
  capacityCores: number | null;
  /** cpu_utilization × capacity, as reported by the pool. */
  usedCores: number | null;
  /** The latest-issued CPU_CORES forecast p50 for times in this bucket; null without one. */
  forecastCores: number | null;
}

/** One bucket of a user's predictions against what their executions used (means per request). */
export interface UserPoint {
  t: number;
  requests: number;
  predictedCpuMsP50: number;
  predictedCpuMsP90: number;
  actualCpuMs: number;
  predictedDurationMsP50: number;
  actualDurationMs: number;
}

export interface UserSeries {
  userId: string;
  /** Requests of this user in the run (the ranking). */
  requests: number;
  /** Of these, requests with both a prediction and telemetry (the compared ones). */
  compared: number;
  maeCpuMsP50: number | null;
  coverageP90: number | null;
  points: UserPoint[];
}

export interface ScaleCommandEntry {
  t: number;
  action: string;
  targetInstances: number | null;
  deltaInstances: number | null;
  effectiveBy: number;
  reason: string;
  explanation: string;
}

export interface TierQueueDelay {
  tier: string;
  dispatches: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** CPU-ms error of one model version on the run's executions. */
export interface ModelVersionError {
  /** A component model's name, or 'combined' for the prediction as published. */
  model: string;
  /** The component's version; for 'combined', the versions of its components ("name@version + ..."). */
  version: string;
  samples: number;
  firstSeen: number;
  lastSeen: number;
  /** Mean |actual − p50| in CPU ms. */
  maeCpuMsP50: number;
  /** Mean (actual − p50): positive means under-prediction. */
  biasCpuMsP50: number;
  /** Share of executions with actual ≤ p90 (0..1). */
  coverageP90: number;
  /**
   * Share of executions whose peak memory was within the version's p90 × MEMORY_MARGIN: the
   * reservation the scheduler makes from it (a run past it is killed out of memory and retried).
   */
  memoryFitsReservation: number;
  meanActualCpuMs: number;
}

export interface ReportTotals {
  requests: number;
  users: number;
  predictions: number;
  /** Runs dispatched: a request's first run, and a retry for each run that ended out of memory. */
  dispatches: number;
  /** Dispatches that were retries (attempt > 1). */
  retries: number;
  telemetry: number;
  /** Executions whose exit status was not OK (runs out of memory that were retried included). */
  failedExecutions: number;
  /** Σ instances_running × time to the next metrics sample (the last sample counts for nothing). */
  instanceHours: number;
  /**
   * Means over the run's instance time (each sample weighted as in `instanceHours`; a plain mean
   * of the samples when none has a successor) of the pool's CPU and memory in use and of its
   * capacity reserved by running jobs (the larger of CPU and memory), 0..1; null without samples.
   * A pool can be full of reservations while its CPUs idle: the reserved share is what limits it.
   */
  meanCpuUtilization: number | null;
  meanMemoryUtilization: number | null;
  meanReservedFraction: number | null;
  peakInstances: number | null;
  metricsSamples: number;
  scaleOuts: number;
  scaleIns: number;
  /** The combined prediction on every compared execution. */
  maeCpuMsP50: number | null;
  coverageP90: number | null;
  /**
   * From a run's dispatch (its event-time stamp) to its start on the pool, p50 and p95 over the
   * runs; null without runs. On a real pool, the way a decision travels to an instance. In a
   * replay at speed S, every millisecond the pipeline takes is S of the trace's: a job's room is
   * held that much longer (and longer again on the way back, until its telemetry reaches the
   * scheduler, which no table records), so compare it with `runMsP50` to see how far the
   * replay's queueing is its own.
   */
  dispatchToStartMsP50: number | null;
  dispatchToStartMsP95: number | null;
  /** Median run time (start to end) of the same runs. */
  runMsP50: number | null;
  firstSubmittedAt: number | null;
  lastEndedAt: number | null;
}

export interface ReportData {
  scope: { runId: string; pool: string; from: number; to: number; bucketMs: number; userBucketMs: number };
  totals: ReportTotals;
  cluster: ClusterPoint[];
  users: UserSeries[];
  scaleCommands: ScaleCommandEntry[];
  queueDelay: TierQueueDelay[];
  predictionError: ModelVersionError[];
}
