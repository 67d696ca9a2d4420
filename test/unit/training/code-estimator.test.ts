import { readFileSync } from 'node:fs';
import { createAnalyzer } from '../../../models/code/analyzer';
import { artifactPath, type Estimator, type EstimatorArtifact } from '../../../models/code/estimator';
import { seededRandom } from '../../../models/seeded-random';
import { wrapEstimatorArtifact } from '../../../models/training/artifact';
import { DEFAULT_CODE_EVIDENCE_STRENGTHS, mixEstimates } from '../../../models/demand/evidence-strength';
import { heldOutMetrics } from '../../../models/training/compare';
import { measured } from '../../../models/training/dataset';
import { trainCodeCandidate, type CodeTrainingOptions, type CurrentVersion, type TrainingWindow } from '../../../models/training/code-estimator';
import type { TrainingRow } from '../../../models/training/dataset';
import { loadTrainedEstimator } from '../../../models/training/load';
import { initTfBackend } from '../../../models/tf/backend';
import { flatEstimate, T0, windowRows } from './rows';

const options: CodeTrainingOptions = { seed: 11, heldOutShare: 0.25, epochs: 60, minRows: 40, minProfiledRows: 20, minComparedRows: 10, minImprovement: 0, backend: 'test' };
const shippedArtifact = wrapEstimatorArtifact(JSON.parse(readFileSync(artifactPath, 'utf8')) as EstimatorArtifact, 'analyzer');
const events = (rows: readonly TrainingRow[]): TrainingWindow => ({ inputs: 'code-features-event', rows });

describe('retraining the code estimator on a window', () => {
  // Each case fits small networks (60 epochs): up to 7 s measured with both cores busy, past
  // Jest's 5 s default. Much slower than that is a regression worth a red test.
  jest.setTimeout(20_000);
  let backend: string;
  let shipped: CurrentVersion;
  beforeAll(async () => {
    backend = await initTfBackend();
    shipped = { version: 'shipped-x', inputs: 'analyzer', estimator: await loadTrainedEstimator(shippedArtifact) };
  });
  afterAll(() => shipped.estimator.dispose());

  it('is deterministic for a seed: the same window gives the same weights and metrics, another seed other weights', async () => {
    const rows = events(windowRows(80));
    // tfjs numbers its layers per process, so the topology's layer names differ between runs: compare what the model is.
    const essence = (o: Awaited<ReturnType<typeof trainCodeCandidate>>) => {
      if (o.status !== 'trained') throw new Error(o.reason);
      const e = o.artifact.estimator;
      return { selected: e.selected, scaler: e.scaler, baseline: e.baseline, weights: e.mlp.weightData, calibration: e.mlpCalibration, candidate: o.candidate, decision: o.decision };
    };
    const a = essence(await trainCodeCandidate(rows, shipped, { ...options, backend }));
    const b = essence(await trainCodeCandidate(rows, shipped, { ...options, backend }));
    expect(b).toEqual(a);
    const other = essence(await trainCodeCandidate(rows, shipped, { ...options, seed: 12, backend }));
    expect(other.weights).not.toEqual(a.weights);
  });

  it('on the event view, promotes a candidate that beats what the shipped version predicted, and not a copy of itself', async () => {
    // The shipped version said 20 ms for everything: its recorded predictions are far off for most requests.
    const rows = windowRows(80).map((r) => ({ ...r, recorded: flatEstimate(20) }));
    const first = await trainCodeCandidate(events(rows), shipped, { ...options, backend });
    if (first.status !== 'trained') throw new Error(first.reason);
    expect(first.heldOutRows).toBe(20);
    expect(first.current!.rows).toBe(20);
    expect(first.candidate.pinball_log_mean).toBeLessThan(first.current!.pinball_log_mean);
    expect(first.decision.promoted).toBe(true);
    expect(first.artifact.inputs).toBe('code-features-event');

    // Retrained on the same window, the candidate is the same model: not better, so not promoted.
    const estimator = await loadTrainedEstimator(first.artifact);
    try {
      const second = await trainCodeCandidate(events(rows), { version: 'v1', inputs: 'code-features-event', estimator }, { ...options, backend });
      if (second.status !== 'trained') throw new Error(second.reason);
      expect(second.current!.pinball_log_mean).toBeCloseTo(first.candidate.pinball_log_mean, 9);
      expect(second.decision).toMatchObject({ promoted: false, reason: expect.stringContaining('not better') });
    } finally {
      estimator.dispose();
    }
  });

  it('fits the candidate\'s ks on the held-out requests predicted with a profile, ships it, and scores both versions mixed as the predictor would', async () => {
    const o = { ...options, minProfiledRows: 8, backend };
    // Every request was predicted with a profile of 30 executions saying 200 ms for every job, whatever its code: useless here.
    const useless = windowRows(80).map((r) => ({ ...r, recorded: flatEstimate(20), profile: { estimate: flatEstimate(200), evidence: 30 } }));
    const ignoring = await trainCodeCandidate(events(useless), shipped, o);
    if (ignoring.status !== 'trained') throw new Error(ignoring.reason);
    expect(ignoring.mixing.rows).toBe(20);
    for (const k of Object.values(ignoring.mixing.codeEvidenceStrength)) expect(k).toBeGreaterThanOrEqual(100);
    expect(ignoring.artifact.mixing).toEqual({ codeEvidenceStrength: ignoring.mixing.codeEvidenceStrength });
    // The current version is judged as it predicted: its estimate mixed with the profile under its k, the default 5.
    const heldOut = useless.slice(60);
    const asPredicted = heldOutMetrics(heldOut.map((r) => mixEstimates(r.recorded, r.profile.estimate, 30, DEFAULT_CODE_EVIDENCE_STRENGTHS)), heldOut.map(measured));
    expect(ignoring.current!.pinball_log_mean).toBeCloseTo(asPredicted.pinball_log_mean, 12);
    expect(ignoring.codeOnly.current).toBeCloseTo(heldOutMetrics(heldOut.map((r) => r.recorded), heldOut.map(measured)).pinball_log_mean, 12);

    // A profile that knew each job's usage: the candidate learns to lean on it.
    const knowing = windowRows(80).map((r) => ({
      ...r, recorded: flatEstimate(20),
      profile: { estimate: { cpu_ms: exact(r.cpuMs), peak_memory_mb: exact(r.peakMemoryBytes / 2 ** 20), duration_ms: exact(r.durationMs) }, evidence: 30 },
    }));
    const leaning = await trainCodeCandidate(events(knowing), { ...shipped, codeEvidenceStrength: { cpu_ms: 50, peak_memory_mb: 50, duration_ms: 50 } }, o);
    if (leaning.status !== 'trained') throw new Error(leaning.reason);
    for (const k of Object.values(leaning.mixing.codeEvidenceStrength)) expect(k).toBeLessThanOrEqual(1);
    expect(leaning.mixing.loss!.chosen).toBeLessThan(leaning.mixing.loss!.prior);
  });

  it('does not promote a candidate worse than the current version', async () => {
    // The current version knew the exact usage of every held-out request.
    const rows = windowRows(80).map((r) => ({ ...r, recorded: { cpu_ms: exact(r.cpuMs), peak_memory_mb: exact(r.peakMemoryBytes / 2 ** 20), duration_ms: exact(r.durationMs) } }));
    const outcome = await trainCodeCandidate(events(rows), shipped, { ...options, backend });
    if (outcome.status !== 'trained') throw new Error(outcome.reason);
    expect(outcome.candidate.pinball_log_mean).toBeGreaterThan(outcome.current!.pinball_log_mean);
    expect(outcome.decision.promoted).toBe(false);
  });

  it('does not promote without evidence about the current version, and skips a window too small to train on', async () => {
    const unscored = await trainCodeCandidate(events(windowRows(80)), shipped, { ...options, backend });
    if (unscored.status !== 'trained') throw new Error(unscored.reason);
    expect(unscored.current).toBeUndefined();
    expect(unscored.candidate.rows).toBe(20);
    expect(unscored.decision).toMatchObject({ promoted: false, reason: expect.stringContaining('0 held-out rows') });

    const small = await trainCodeCandidate(events(windowRows(30)), shipped, { ...options, backend });
    expect(small).toMatchObject({ status: 'skipped', usableRows: 30 });
  });

  it('on the analyser\'s features, re-runs the shipped version on the held-out requests and promotes a candidate fitted to this machine', async () => {
    // This machine runs the code five times slower than the one the shipped model was measured on.
    const rows = programRows(80, shipped.estimator, 5);
    const outcome = await trainCodeCandidate({ inputs: 'analyzer', rows }, shipped, { ...options, epochs: 150, backend });
    if (outcome.status !== 'trained') throw new Error(outcome.reason);
    expect(outcome.artifact.inputs).toBe('analyzer');
    expect(outcome.current!.rows).toBe(20);
    expect(outcome.current!.mae_log_cpu_ms).toBeGreaterThan(1);
    expect(outcome.candidate.mae_log_cpu_ms).toBeLessThan(0.5);
    expect(outcome.decision.promoted).toBe(true);
  });
});

function exact(x: number) {
  return { p50: x, p90: x, p99: x };
}

/** Loop programs of varied sizes, analysed, with usage `slowdown` times what `reference` estimates, and some noise. */
function programRows(n: number, reference: Estimator, slowdown: number): TrainingRow[] {
  const analyzer = createAnalyzer({ cacheSize: 0 });
  const random = seededRandom(3);
  return Array.from({ length: n }, (_, i) => {
    const outer = [10, 100, 1000, 10_000, 100_000][i % 5]!;
    const inner = [1, 10, 100][i % 3]!;
    const features = analyzer.analyze(`let s = 0;\nconst xs = new Array(${(i % 4) * 1000}).fill(1);\nfor (let i = 0; i < ${outer}; i++) {\n  for (let j = 0; j < ${inner}; j++) s += i * j + xs.length;\n}\nconsole.log(s);\n`);
    const [estimate] = reference.estimate([features]);
    const noise = Math.exp((random() - 0.5) * 0.2);
    return {
      requestId: `p${String(i).padStart(3, '0')}`, userId: 'u', analyzedAt: new Date(T0 + i * 60_000), features,
      cpuMs: estimate!.cpu_ms.p50 * slowdown * noise, peakMemoryBytes: estimate!.peak_memory_mb.p50 * 2 ** 20, durationMs: estimate!.duration_ms.p50 * slowdown * noise,
    };
  });
}
