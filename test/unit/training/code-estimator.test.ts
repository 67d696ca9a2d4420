import { loadTrainedEstimator } from '../../../models/training/load';
import { trainCodeCandidate, type CodeTrainingOptions } from '../../../models/training/code-estimator';
import { initTfBackend } from '../../../models/tf/backend';
import { flatEstimate, windowRows } from './rows';

const options: CodeTrainingOptions = { seed: 11, heldOutShare: 0.25, epochs: 60, minRows: 40, minComparedRows: 10, minImprovement: 0, backend: 'test' };

describe('retraining the code estimator on a window', () => {
  let backend: string;
  beforeAll(async () => {
    backend = await initTfBackend();
  });

  it('is deterministic for a seed: the same window gives the same weights and metrics, another seed other weights', async () => {
    const rows = windowRows(80);
    const current = { version: 'shipped-x', inputs: 'analyzer' as const };
    // tfjs numbers its layers per process, so the topology's layer names differ between runs: compare what the model is.
    const essence = (o: Awaited<ReturnType<typeof trainCodeCandidate>>) => {
      if (o.status !== 'trained') throw new Error(o.reason);
      const e = o.artifact.estimator;
      return { selected: e.selected, scaler: e.scaler, baseline: e.baseline, weights: e.mlp.weightData, calibration: e.mlpCalibration, candidate: o.candidate, decision: o.decision };
    };
    const a = essence(await trainCodeCandidate(rows, current, { ...options, backend }));
    const b = essence(await trainCodeCandidate(rows, current, { ...options, backend }));
    expect(b).toEqual(a);
    const other = essence(await trainCodeCandidate(rows, current, { ...options, seed: 12, backend }));
    expect(other.weights).not.toEqual(a.weights);
  });

  it('promotes a candidate that beats what the current version predicted, and not a copy of itself', async () => {
    // The current version said 20 ms for everything: its recorded predictions are far off for most requests.
    const rows = windowRows(80).map((r) => ({ ...r, recorded: flatEstimate(20) }));
    const first = await trainCodeCandidate(rows, { version: 'shipped-x', inputs: 'analyzer' }, { ...options, backend });
    if (first.status !== 'trained') throw new Error(first.reason);
    expect(first.heldOutRows).toBe(20);
    expect(first.current!.rows).toBe(20);
    expect(first.candidate.pinball_log_mean).toBeLessThan(first.current!.pinball_log_mean);
    expect(first.decision.promoted).toBe(true);
    expect(first.artifact.inputs).toBe('code-features-event');

    // Retrained on the same window, the candidate is the same model: not better, so not promoted.
    const estimator = await loadTrainedEstimator(first.artifact);
    try {
      const second = await trainCodeCandidate(rows, { version: 'v1', inputs: 'code-features-event', estimator }, { ...options, backend });
      if (second.status !== 'trained') throw new Error(second.reason);
      expect(second.current!.pinball_log_mean).toBeCloseTo(first.candidate.pinball_log_mean, 9);
      expect(second.decision).toMatchObject({ promoted: false, reason: expect.stringContaining('not better') });
    } finally {
      estimator.dispose();
    }
  });

  it('does not promote a candidate worse than the current version', async () => {
    // The current version knew the exact usage of every held-out request.
    const rows = windowRows(80).map((r) => ({ ...r, recorded: { cpu_ms: q(r.cpuMs), peak_memory_mb: q(r.peakMemoryBytes / 2 ** 20), duration_ms: q(r.durationMs) } }));
    const outcome = await trainCodeCandidate(rows, { version: 'oracle', inputs: 'analyzer' }, { ...options, backend });
    if (outcome.status !== 'trained') throw new Error(outcome.reason);
    expect(outcome.candidate.pinball_log_mean).toBeGreaterThan(outcome.current!.pinball_log_mean);
    expect(outcome.decision.promoted).toBe(false);
  });

  it('does not promote without evidence about the current version, and skips a window too small to train on', async () => {
    const unscored = await trainCodeCandidate(windowRows(80), { version: 'shipped-x', inputs: 'analyzer' }, { ...options, backend });
    if (unscored.status !== 'trained') throw new Error(unscored.reason);
    expect(unscored.current).toBeUndefined();
    expect(unscored.candidate.rows).toBe(20);
    expect(unscored.decision).toMatchObject({ promoted: false, reason: expect.stringContaining('0 held-out rows') });

    const small = await trainCodeCandidate(windowRows(30), { version: 'shipped-x', inputs: 'analyzer' }, { ...options, backend });
    expect(small).toMatchObject({ status: 'skipped', usableRows: 30 });
  });
});

function q(x: number) {
  return { p50: x, p90: x, p99: x };
}
