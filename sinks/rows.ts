import { createHash } from 'node:crypto';
import type {
  ClusterLoadForecast,
  ClusterMetrics,
  CodeFeatures,
  ExecutionRequest,
  ExecutionTelemetry,
  JobDispatch,
  ModelUpdated,
  PredictedDemand,
  Quantiles,
  ScaleCommand,
} from '../schemas/types.generated';
import type {
  ClusterLoadForecastRow,
  ClusterMetricsRow,
  CodeFeaturesRow,
  DemandPredictionRow,
  ExecutionRequestRow,
  ExecutionTelemetryRow,
  Json,
  JobDispatchRow,
  ModelVersionRow,
  PredictionErrorRow,
  ScaleCommandRow,
} from './tables';

/** Event → row mappings: pure, one per table. The code itself is not stored, only its size and hash. */

export function requestRow(event: ExecutionRequest): ExecutionRequestRow {
  return {
    submitted_at: event.submittedAt,
    request_id: event.requestId,
    user_id: event.userId,
    tier: event.tier,
    priority: event.priority,
    language: event.language,
    code_bytes: Buffer.byteLength(event.code, 'utf8'),
    code_sha256: createHash('sha256').update(event.code, 'utf8').digest('hex'),
    deadline: event.deadline ?? null,
    hint_cpu_ms: event.resourceHints?.cpuMs ?? null,
    hint_memory_bytes: event.resourceHints?.memoryBytes ?? null,
    hint_timeout_ms: event.resourceHints?.timeoutMs ?? null,
  };
}

export function telemetryRow(event: ExecutionTelemetry): ExecutionTelemetryRow {
  return {
    ended_at: event.endedAt,
    request_id: event.requestId,
    user_id: event.userId,
    instance_id: event.instanceId,
    started_at: event.startedAt,
    cpu_ms: event.cpuMs,
    peak_memory_bytes: event.peakMemoryBytes,
    io_read_bytes: event.ioReadBytes,
    io_write_bytes: event.ioWriteBytes,
    exit_status: event.exitStatus,
    exit_code: event.exitCode ?? null,
    allocated_cpu_millicores: event.allocated.cpuMillicores,
    allocated_memory_bytes: event.allocated.memoryBytes,
    allocated_timeout_ms: event.allocated.timeoutMs,
    attempt: event.attempt ?? 1,
  };
}

export function clusterMetricsRow(event: ClusterMetrics): ClusterMetricsRow {
  return {
    at: event.at,
    pool: event.pool,
    instances_running: event.instancesRunning,
    instances_booting: event.instancesBooting,
    cpu_capacity_millicores: event.cpuCapacityMillicores,
    memory_capacity_bytes: event.memoryCapacityBytes,
    cpu_utilization: event.cpuUtilization,
    memory_utilization: event.memoryUtilization,
    io_utilization: event.ioUtilization,
    queue_depth: event.queueDepth,
    reserved_fraction: event.reservedFraction ?? 0,
  };
}

export function predictionRow(event: PredictedDemand): DemandPredictionRow {
  const versions: Record<string, string> = {};
  for (const component of event.components) versions[component.model.name] = component.model.version;
  return {
    predicted_at: event.predictedAt,
    request_id: event.requestId,
    user_id: event.userId,
    submitted_at: event.submittedAt,
    tier: event.tier,
    priority: event.priority,
    ...quantileColumns('cpu_ms', event.cpuMs),
    ...quantileColumns('peak_memory_bytes', event.peakMemoryBytes),
    ...quantileColumns('io_bytes', event.ioBytes),
    ...quantileColumns('duration_ms', event.durationMs),
    model_versions: versions,
    components: event.components.map((c) => ({
      source: c.source,
      model: { name: c.model.name, version: c.model.version },
      weight: c.weight,
      cpuMs: quantilesJson(c.cpuMs),
      peakMemoryBytes: quantilesJson(c.peakMemoryBytes),
      ioBytes: quantilesJson(c.ioBytes),
      durationMs: quantilesJson(c.durationMs),
      // What a profile rested on: the trainer fits how much a profile outweighs the code estimate from it.
      ...(c.evidence != null ? { evidence: c.evidence } : {}),
    })),
    profile_observations: event.profileObservations,
  };
}

type QuantileColumns<P extends string> = { [K in `${P}_p50` | `${P}_p90` | `${P}_p99`]: number };

function quantileColumns<P extends string>(prefix: P, q: Quantiles): QuantileColumns<P> {
  return { [`${prefix}_p50`]: q.p50, [`${prefix}_p90`]: q.p90, [`${prefix}_p99`]: q.p99 } as QuantileColumns<P>;
}

function quantilesJson(q: Quantiles): Json {
  return { p50: q.p50, p90: q.p90, p99: q.p99 };
}

export function forecastRows(event: ClusterLoadForecast): ClusterLoadForecastRow[] {
  return event.points.map((point) => ({
    issued_at: event.issuedAt,
    forecast_id: event.forecastId,
    pool: event.pool,
    metric: event.metric,
    step_ms: event.stepMs,
    model_name: event.model.name,
    model_version: event.model.version,
    target_at: point.at,
    expected: point.expected,
    p50: point.p50,
    p90: point.p90,
    p99: point.p99,
  }));
}

export function scaleCommandRow(event: ScaleCommand): ScaleCommandRow {
  return {
    issued_at: event.issuedAt,
    command_id: event.commandId,
    pool: event.pool,
    action: event.action,
    target_instances: event.targetInstances ?? null,
    delta_instances: event.deltaInstances ?? null,
    effective_by: event.effectiveBy,
    reason: event.reason,
    explanation: event.explanation,
    forecast_id: event.forecastId ?? null,
  };
}

export function dispatchRow(event: JobDispatch): JobDispatchRow {
  return {
    dispatched_at: event.dispatchedAt,
    request_id: event.requestId,
    user_id: event.userId,
    pool: event.pool,
    instance_id: event.instanceId,
    allocated_cpu_millicores: event.allocation.cpuMillicores,
    allocated_memory_bytes: event.allocation.memoryBytes,
    allocated_timeout_ms: event.allocation.timeoutMs,
    queued_ms: event.queuedMs,
    priority_score: event.priorityScore,
    priority: { ...event.priority },
    attempt: event.attempt ?? 1,
  };
}

export function modelVersionRow(event: ModelUpdated): ModelVersionRow {
  return {
    trained_at: event.trainedAt,
    model_name: event.modelName,
    version: event.version,
    algorithm: event.algorithm,
    window_start: event.windowStart,
    window_end: event.windowEnd,
    training_rows: event.trainingRows,
    validation_metrics: { ...event.validationMetrics },
    baseline_metrics: { ...event.baselineMetrics },
    promoted: event.promoted,
    artifact_uri: event.artifactUri,
  };
}

export function codeFeaturesRow(event: CodeFeatures): CodeFeaturesRow {
  return {
    analyzed_at: event.analyzedAt,
    request_id: event.requestId,
    user_id: event.userId,
    language: event.language,
    parse_status: event.parseStatus,
    code_bytes: event.codeBytes,
    lines: event.lines,
    cyclomatic_complexity: event.cyclomaticComplexity,
    max_nesting_depth: event.maxNestingDepth,
    loop_count: event.loopCount,
    max_loop_nesting: event.maxLoopNesting,
    function_count: event.functionCount,
    recursive_function_count: event.recursiveFunctionCount,
    import_count: event.importCount,
    external_dependencies: [...event.externalDependencies],
    literal_bytes: event.literalBytes,
    parse_ms: event.parseMs,
  };
}

/** The combined prediction is tracked as a model of its own beside its components. */
export const COMBINED_MODEL = { name: 'combined', version: 'n/a' } as const;

/**
 * Prediction error rows once the execution is known: one per model (each component's model at
 * its version, and the combined prediction) and quantity, at the telemetry's event time.
 */
export function predictionErrorRows(prediction: PredictedDemand, telemetry: ExecutionTelemetry): PredictionErrorRow[] {
  if (prediction.requestId !== telemetry.requestId) {
    throw new RangeError(`prediction ${prediction.requestId} and telemetry ${telemetry.requestId} are for different requests`);
  }
  const actual = {
    cpu_ms: telemetry.cpuMs,
    peak_memory_bytes: telemetry.peakMemoryBytes,
    io_bytes: telemetry.ioReadBytes + telemetry.ioWriteBytes,
    duration_ms: telemetry.endedAt.getTime() - telemetry.startedAt.getTime(),
  };
  const estimates = [
    { model: COMBINED_MODEL, q: { cpu_ms: prediction.cpuMs, peak_memory_bytes: prediction.peakMemoryBytes, io_bytes: prediction.ioBytes, duration_ms: prediction.durationMs } },
    ...prediction.components.map((c) => ({
      model: c.model,
      q: { cpu_ms: c.cpuMs, peak_memory_bytes: c.peakMemoryBytes, io_bytes: c.ioBytes, duration_ms: c.durationMs },
    })),
  ];
  return estimates.flatMap(({ model, q }) =>
    (Object.keys(actual) as Array<keyof typeof actual>).map((quantity) => ({
      observed_at: telemetry.endedAt,
      request_id: telemetry.requestId,
      user_id: telemetry.userId,
      model_name: model.name,
      model_version: model.version,
      quantity,
      predicted_p50: q[quantity].p50,
      predicted_p90: q[quantity].p90,
      actual: actual[quantity],
    })),
  );
}
