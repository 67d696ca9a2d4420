import { DEFAULT_CODE_EVIDENCE_STRENGTHS, type EvidenceStrengths } from '../../models/demand/evidence-strength';
import { CODE_MODEL_NAME, serializeArtifact, versionName, type TrainedEstimatorArtifact } from '../../models/training/artifact';
import { defaultCodeTrainingOptions, trainCodeCandidate, type CodeTrainingOptions, type TrainingWindow } from '../../models/training/code-estimator';
import { usableRows } from '../../models/training/dataset';
import type { HeldOutMetrics } from '../../models/training/compare';
import { loadTrainedEstimator } from '../../models/training/load';
import type { ModelUpdated } from '../../schemas/types.generated';
import { refreshAggregates } from '../../sinks/aggregates';
import type { Database } from '../../sinks/database';
import {
  BASELINE_FORECAST_VERSION, FORECAST_MODEL_NAME, decideForecastPromotion, defaultForecastGrid, fitForecastCandidate, forecastTrainingOptions,
  parseForecastArtifact, scoreForecastVersion, type ForecastGrid, type ForecastMetrics, type ForecastTrainingOptions,
} from '../../models/training/forecast-model';
import {
  predictionErrorByVersion, readAnalyzedTrainingRows, readClusterLoadSeries, readEventTrainingRows, recordPredictionErrors, windowBuckets, type VersionError, type Window,
} from './history';
import type { CurrentVersions } from './current-versions';
import { digest, getArtifact, getArtifactBody, putArtifact, recordVersion } from './model-store';
import type { ModelUpdatePublisher } from './publisher';

export interface TrainerOptions extends Omit<CodeTrainingOptions, 'backend'> {
  /** Length of the event-time window read, ending at the cycle's `now`. */
  windowMs: number;
  /** The cluster forecaster's grid (the forecaster processor's): its models are fitted and scored on it. */
  forecastGrid: ForecastGrid;
  /** Overrides of the forecaster's training (held-out share, promotion bar). */
  forecastTraining?: Partial<ForecastTrainingOptions>;
}

export const defaultTrainerOptions: TrainerOptions = { ...defaultCodeTrainingOptions, windowMs: 24 * 3_600_000, forecastGrid: defaultForecastGrid };

export interface TrainerDeps {
  /** A migrated database (migrate()). */
  db: Database;
  /** Where promoted versions are announced. */
  publisher: Pick<ModelUpdatePublisher, 'publish'>;
  /** The versions the processors use now (followCurrentVersions): each candidate's bar. */
  current: CurrentVersions;
  /** The version in use when none has been promoted yet (model-store shippedEstimator()). */
  shipped: { version: string; artifact: TrainedEstimatorArtifact };
  /** The TensorFlow.js backend in use (initTfBackend), recorded in artifacts. */
  backend: string;
  options?: Partial<TrainerOptions>;
  log?: (line: string) => void;
}

/** One model's cycle; `Metrics` is how versions of that model are scored. */
export interface ModelCycleResult<Metrics = HeldOutMetrics | ForecastMetrics> {
  model: string;
  status: 'promoted' | 'not-promoted' | 'skipped';
  reason: string;
  currentVersion: string;
  /** What the model learnt from: the analyser's features (prm.request_features), their event view (prm.code-features), or the pools' load (prm.cluster_metrics). */
  inputs: TrainingWindow['inputs'] | 'cluster-load';
  /** The version trained this cycle (absent when skipped). */
  candidateVersion?: string;
  algorithm?: string;
  trainingRows?: number;
  /** Held-out requests (code estimator) or forecast points (forecaster) both versions were scored on. */
  heldOutRows?: number;
  /** Both versions on the same held-out rows; `current` absent when it could be scored on none. */
  candidateMetrics?: Metrics;
  currentMetrics?: Metrics;
  /** The metric promotion compares, lower is better, for both versions. */
  score?: { metric: string; candidate: number; current?: number };
  update?: ModelUpdated;
}

export interface TrainingCycleResult {
  window: Window;
  /** Rows added to prm.prediction_errors this cycle (executions of the window with a stored prediction). */
  predictionErrorRows: number;
  /** Requests and successful executions per hour of the window. */
  buckets: { bucket: Date; requests: number; executions: number }[];
  models: [code: ModelCycleResult<HeldOutMetrics>, forecaster: ModelCycleResult<ForecastMetrics>];
  /** CPU error of every model version over the window (from prm.prediction_errors). */
  errorsByVersion: VersionError[];
}

/**
 * One training cycle at `now` over the window [now - windowMs, now):
 * 1. prediction errors of the window's executions into prm.prediction_errors (idempotent);
 * 2. the code estimator retrained on the window's features joined with measured usage (the
 *    analyser's features recorded by the feature recorder when the window has enough of them,
 *    else the event view from prm.code-features), and validated against the current version
 *    (latest promoted, else shipped) on the same held-out rows, both mixed with the user
 *    profiles those requests were predicted with: the candidate under the ks it fits there (how
 *    many of a user's executions its estimate of each resource is worth), the current version
 *    under its own;
 * 3. the candidate's artifact stored (prm.model_artifacts);
 * 4. ModelUpdated published only when the candidate is better, for processors to swap it in;
 * 5. its version recorded with its validation (prm.model_versions), promoted or not;
 * 6. the same for the cluster-load forecaster: per-pool Holt-Winters weights fitted on the
 *    window's load (time_bucket on the forecaster's grid), scored against the version in use
 *    on the held-out end of the window, announced only when its error is lower.
 */
export async function runTrainingCycle(deps: TrainerDeps, now: Date): Promise<TrainingCycleResult> {
  const o = { ...defaultTrainerOptions, ...deps.options };
  const log = deps.log ?? (() => undefined);
  const window: Window = { from: new Date(now.getTime() - o.windowMs), to: now };

  const predictionErrorRows = await recordPredictionErrors(deps.db, window);
  await refreshAggregates(deps.db, { from: window.from, to: window.to, names: ['prm.prediction_error_hourly'] });
  log(`trainer: ${predictionErrorRows} prediction error rows recorded for ${window.from.toISOString()} .. ${window.to.toISOString()}`);

  const code = await codeEstimatorCycle(deps, o, window, now, log);
  const forecast = await forecasterCycle(deps, o, window, now, log);
  return {
    window,
    predictionErrorRows,
    buckets: await windowBuckets(deps.db, window),
    models: [code, forecast],
    errorsByVersion: await predictionErrorByVersion(deps.db, window),
  };
}

async function codeEstimatorCycle(deps: TrainerDeps, o: TrainerOptions, window: Window, now: Date, log: (line: string) => void): Promise<ModelCycleResult<HeldOutMetrics>> {
  const promoted = deps.current.get(CODE_MODEL_NAME);
  const current = promoted ? { version: promoted.version, artifact: await getArtifact(deps.db, promoted.artifactUri) } : deps.shipped;
  const analysed = await readAnalyzedTrainingRows(deps.db, window);
  const training: TrainingWindow = usableRows(analysed).length >= o.minRows
    ? { inputs: 'analyzer', rows: analysed }
    : { inputs: 'code-features-event', rows: await readEventTrainingRows(deps.db, window, { name: CODE_MODEL_NAME, version: current.version }) };
  log(`trainer: ${CODE_MODEL_NAME}: ${training.rows.length} requests with features (${training.inputs}) and telemetry in the window; current version ${current.version}`);

  const estimator = await loadTrainedEstimator(current.artifact);
  const currentK = current.artifact.mixing?.codeEvidenceStrength ?? DEFAULT_CODE_EVIDENCE_STRENGTHS;
  let outcome;
  try {
    outcome = await trainCodeCandidate(training, { version: current.version, inputs: current.artifact.inputs, estimator, codeEvidenceStrength: currentK }, { ...o, backend: deps.backend });
  } finally {
    estimator.dispose();
  }
  if (outcome.status === 'skipped') {
    log(`trainer: ${CODE_MODEL_NAME}: skipped (${outcome.reason})`);
    return { model: CODE_MODEL_NAME, status: 'skipped', reason: outcome.reason, currentVersion: current.version, inputs: training.inputs };
  }

  const version = versionName(now, digest(serializeArtifact(outcome.artifact)));
  const artifactUri = await putArtifact(deps.db, CODE_MODEL_NAME, version, outcome.artifact);
  const update: ModelUpdated = {
    modelName: CODE_MODEL_NAME,
    version,
    algorithm: outcome.artifact.estimator.selected,
    trainedAt: now,
    windowStart: window.from,
    windowEnd: window.to,
    trainingRows: outcome.trainingRows,
    validationMetrics: { ...metricMap(outcome.candidate), ...strengthMetrics(outcome.mixing.codeEvidenceStrength), code_only_pinball_log_mean: outcome.codeOnly.candidate },
    // The bar a candidate must clear is the version in use, on the same rows.
    baselineMetrics: outcome.current && outcome.codeOnly.current !== undefined
      ? { ...metricMap(outcome.current), ...strengthMetrics(currentK), code_only_pinball_log_mean: outcome.codeOnly.current }
      : {},
    promoted: outcome.decision.promoted,
    artifactUri,
  };
  await announce(deps, update);
  const codeOnly = `code estimates alone: pinball_log_mean ${outcome.codeOnly.candidate.toFixed(4)}${outcome.codeOnly.current !== undefined ? ` vs current ${outcome.codeOnly.current.toFixed(4)}` : ''}`;
  const k = outcome.mixing.codeEvidenceStrength;
  log(`trainer: ${CODE_MODEL_NAME}: ${version} mixed with user profiles at k cpu ${k.cpu_ms}, memory ${k.peak_memory_mb}, duration ${k.duration_ms} (${outcome.mixing.reason}); ${codeOnly}`);
  log(`trainer: ${CODE_MODEL_NAME}: ${version} ${update.promoted ? 'promoted' : 'not promoted'} (${outcome.decision.reason})`);
  return {
    model: CODE_MODEL_NAME,
    status: update.promoted ? 'promoted' : 'not-promoted',
    reason: outcome.decision.reason,
    currentVersion: current.version,
    inputs: training.inputs,
    candidateVersion: version,
    algorithm: update.algorithm,
    trainingRows: outcome.trainingRows,
    heldOutRows: outcome.heldOutRows,
    candidateMetrics: outcome.candidate,
    currentMetrics: outcome.current,
    score: { metric: 'pinball_log_mean', candidate: outcome.candidate.pinball_log_mean, current: outcome.current?.pinball_log_mean },
    update,
  };
}

async function forecasterCycle(deps: TrainerDeps, o: TrainerOptions, window: Window, now: Date, log: (line: string) => void): Promise<ModelCycleResult<ForecastMetrics>> {
  const stepSeconds = o.forecastGrid.stepMs / 1000;
  const training = forecastTrainingOptions(o.forecastGrid, o.forecastTraining);
  const promoted = deps.current.get(FORECAST_MODEL_NAME);
  const current = promoted
    ? { version: promoted.version, artifact: parseForecastArtifact(await getArtifactBody(deps.db, promoted.artifactUri)) }
    : { version: BASELINE_FORECAST_VERSION, artifact: undefined };
  // Weights fitted on another grid mean nothing on this one: the baselines are the bar then.
  const currentArtifact = current.artifact?.stepSeconds === stepSeconds ? current.artifact : undefined;
  const data = (await readClusterLoadSeries(deps.db, window, stepSeconds)).filter((d) => d.series.values.length >= training.minSteps);
  const steps = data.reduce((n, d) => n + d.series.values.length, 0);
  log(`trainer: ${FORECAST_MODEL_NAME}: ${data.length} pools with at least ${training.minSteps} steps of ${stepSeconds} s (${steps} steps); current version ${current.version}`);
  const base = { model: FORECAST_MODEL_NAME, currentVersion: current.version, inputs: 'cluster-load' as const };
  if (data.length === 0) {
    const reason = `no pool has ${training.minSteps} steps of load in the window`;
    log(`trainer: ${FORECAST_MODEL_NAME}: skipped (${reason})`);
    return { ...base, status: 'skipped', reason };
  }

  const artifact = fitForecastCandidate(data, stepSeconds, training);
  const candidateMetrics = scoreForecastVersion(artifact, data, training);
  const currentMetrics = scoreForecastVersion(currentArtifact, data, training);
  const decision = decideForecastPromotion(candidateMetrics, currentMetrics, training);
  const version = versionName(now, digest(JSON.stringify(artifact)));
  const update: ModelUpdated = {
    modelName: FORECAST_MODEL_NAME,
    version,
    algorithm: 'holt-winters-damped+baselines',
    trainedAt: now,
    windowStart: window.from,
    windowEnd: window.to,
    trainingRows: steps,
    validationMetrics: { ...candidateMetrics },
    baselineMetrics: { ...currentMetrics },
    promoted: decision.promoted,
    artifactUri: await putArtifact(deps.db, FORECAST_MODEL_NAME, version, artifact),
  };
  await announce(deps, update);
  log(`trainer: ${FORECAST_MODEL_NAME}: ${version} ${update.promoted ? 'promoted' : 'not promoted'} (${decision.reason})`);
  return {
    ...base,
    status: update.promoted ? 'promoted' : 'not-promoted',
    reason: decision.reason,
    candidateVersion: version,
    algorithm: update.algorithm,
    trainingRows: steps,
    heldOutRows: candidateMetrics.points,
    candidateMetrics,
    currentMetrics,
    score: { metric: 'mae_p50', candidate: candidateMetrics.mae_p50, current: currentMetrics.mae_p50 },
    update,
  };
}

/**
 * A promoted version is recorded only once announced: if publishing fails, the next cycle
 * still measures against the version the processors actually use.
 */
async function announce(deps: TrainerDeps, update: ModelUpdated): Promise<void> {
  if (update.promoted) {
    await deps.publisher.publish(update);
    deps.current.record(update);
  }
  await recordVersion(deps.db, update);
}

function metricMap(m: HeldOutMetrics): Record<string, number> {
  return { ...m };
}

/** A version's ks as model-version metrics (code_evidence_strength_cpu_ms, ...). */
function strengthMetrics(k: EvidenceStrengths): Record<string, number> {
  return { code_evidence_strength_cpu_ms: k.cpu_ms, code_evidence_strength_peak_memory_mb: k.peak_memory_mb, code_evidence_strength_duration_ms: k.duration_ms };
}
