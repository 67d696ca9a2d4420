import { BitbrainsGridBuilder, type BitbrainsSample } from '../traces/bitbrains';
import { windowModel } from './baselines';
import { BottomUpSums } from './bottom-up';
import { baselineModels, fittedHoltWinters, robustModels } from './candidates';
import { sumSeries } from './cluster-series';
import { evaluateSeries, PERSISTENCE, scoreValidation, type Candidate, type EvaluationWindows } from './evaluation';
import type { Series } from './forecaster';
import { HOLT_WINTERS } from './holt-winters';
import { clusterReport, UserAggregate, type ForecastEvalReport } from './report';

/** A model fitted across many series at once whose inference is batched over them (the LSTM). */
export interface GlobalModel {
  readonly name: string;
  predictBatch(series: Series[], from: number, to: number, horizon: number): Promise<Float64Array[]>;
}

export interface GlobalModelTrainer {
  /** Trains on the given series' values strictly before index `until`. */
  train(series: Series[], until: number, log: (line: string) => void): Promise<GlobalModel>;
}

export interface ForecastEvalOptions {
  samples: AsyncIterable<BitbrainsSample> | Iterable<BitbrainsSample>;
  trainUntilSeconds: number;
  horizon: number;
  /** Per-user evaluation covers the first `users` VMs by id; the cluster always sums all. */
  users: number;
  global?: GlobalModelTrainer;
  /** Milliseconds, for train_seconds only (the core reads no clock of its own). */
  clock: () => number;
  log: (line: string) => void;
}

const DAY_STEPS_5MIN = 288;

/**
 * The forecast-eval benchmark: series from the trace, selection on the last week before
 * `trainUntil`, a rolling-origin test after it (see EvaluationWindows).
 */
export async function runForecastEval(o: ForecastEvalOptions): Promise<ForecastEvalReport> {
  const builder = new BitbrainsGridBuilder({ metrics: ['cpuUsageMhz'] });
  for await (const s of o.samples) builder.add(s);
  const grid = builder.build();
  const asSeries = (values: Float64Array): Series => ({ startSeconds: grid.startSeconds, stepSeconds: grid.stepSeconds, values });
  const vmSeries = grid.vmIds.map((id) => asSeries(grid.series.get(id)!.cpuUsageMhz!));
  o.log(`forecast-eval: ${grid.vmIds.length} VMs x ${grid.steps} steps of ${grid.stepSeconds}s`);
  const w = windows(grid.startSeconds, grid.stepSeconds, grid.steps, o.trainUntilSeconds, o.horizon);
  const cluster = sumSeries(vmSeries);

  const t0 = o.clock();
  const global = o.global ? await o.global.train([cluster, ...vmSeries], w.validationFrom, o.log) : undefined;
  const trainSeconds = (o.clock() - t0) / 1000;

  // Every VM is predicted, as the bottom-up cluster candidates sum them all; only the first
  // `users` are scored per user.
  const bottomUp = new BottomUpSums(bottomUpModels(global), w.predFrom, w.testTo - 1 - w.predFrom, w.horizon);
  const aggregate = new UserAggregate();
  const scored = Math.min(o.users, vmSeries.length);
  const BATCH = 50;
  for (let b = 0; b < vmSeries.length; b += BATCH) {
    const batch = vmSeries.slice(b, b + BATCH);
    (await candidatesBatch(batch, w, global)).forEach((candidates, k) => {
      bottomUp.add(batch[k]!, candidates);
      if (b + k < scored) aggregate.add(evaluateSeries(batch[k]!, candidates, w));
    });
    o.log(`forecast-eval: ${Math.min(b + BATCH, vmSeries.length)}/${vmSeries.length} VMs predicted, ${Math.min(b + BATCH, scored)}/${scored} evaluated`);
  }
  const [clusterCandidates] = await candidatesBatch([cluster], w, global);
  const clusterPersistence = clusterCandidates!.find((c) => c.name === PERSISTENCE)!.pred;
  const clusterResult = clusterReport(evaluateSeries(cluster, [...clusterCandidates!, ...bottomUp.candidates(clusterPersistence)], w));
  o.log(`forecast-eval: cluster chosen ${clusterResult.chosen}`);
  return { cluster: clusterResult, per_user: aggregate.report(), train_seconds: trainSeconds };

  async function candidatesBatch(batch: Series[], ww: EvaluationWindows, g: GlobalModel | undefined): Promise<Candidate[][]> {
    const to = ww.testTo - 1;
    const globalPreds = g ? await g.predictBatch(batch, ww.predFrom, to, ww.horizon) : [];
    return batch.map((series, k) => {
      const fitFrom = Math.max(0, ww.validationFrom - 14 * DAY_STEPS_5MIN);
      const models = [...baselineModels(), ...robustModels(), fittedHoltWinters(series, fitFrom, ww.validationFrom, ww.horizon)];
      const candidates: Candidate[] = models.map((m) => ({ name: m.name, pred: m.predictRange(series, ww.predFrom, to, ww.horizon) }));
      if (g) candidates.push({ name: g.name, pred: globalPreds[k]! });
      candidates.push(validationEnsemble(series, candidates, ww));
      return candidates;
    });
  }
}

/**
 * Member models whose bottom-up sums become cluster candidates: the non-linear ones. A moving
 * average or a seasonal naive summed over members is the same model on the cluster, already a
 * candidate there; the ensemble's members are picked on the validation week, which would flatter
 * its bottom-up sum in the very week that selects among cluster candidates.
 */
function bottomUpModels(global: GlobalModel | undefined): string[] {
  const medians = [windowModel('median', 3), ...robustModels()].map((m) => m.name);
  return [...medians, HOLT_WINTERS, ...(global ? [global.name] : [])];
}

/**
 * `ensemble`: the equal-weight mean of persistence and the two other models with the lowest
 * validation MAE on this series. Members are picked on validation data only and the weights are
 * fixed, so it is a model like any other: it is scored on validation and can lose selection.
 */
function validationEnsemble(series: Series, candidates: Candidate[], w: EvaluationWindows): Candidate {
  const mae = scoreValidation(series, candidates, w);
  const best = candidates
    .filter((c) => c.name !== PERSISTENCE && Number.isFinite(mae[c.name]!))
    .sort((a, b) => mae[a.name]! - mae[b.name]!)
    .slice(0, 2);
  const members = [candidates.find((c) => c.name === PERSISTENCE)!, ...best];
  const pred = new Float64Array(members[0]!.pred.length);
  for (const m of members) for (let i = 0; i < pred.length; i++) pred[i]! += m.pred[i]! / members.length;
  return { name: 'ensemble', pred };
}

function windows(startSeconds: number, stepSeconds: number, steps: number, trainUntilSeconds: number, horizon: number): EvaluationWindows {
  const testFrom = Math.ceil((trainUntilSeconds - startSeconds) / stepSeconds);
  const day = Math.round(86_400 / stepSeconds);
  if (testFrom < 8 * day) throw new RangeError(`--train-until leaves ${testFrom} steps of training; need at least 8 days (the last 7 for selection)`);
  if (testFrom >= steps - horizon) throw new RangeError('--train-until leaves no test data after it');
  const validationFrom = testFrom - 7 * day;
  const calibrationSteps = 7 * day;
  return {
    predFrom: Math.max(0, Math.min(validationFrom, testFrom - 1 - calibrationSteps - horizon)),
    validationFrom,
    testFrom,
    testTo: steps,
    horizon,
    // Recalibrating every 3 days keeps the sorting cost of 500 VMs x 8 models x 12 horizons modest.
    calibration: { calibrationSteps, recalibrateEvery: 3 * day },
  };
}
