import type { Series } from '../../../models/forecasting/forecaster';
import {
  decideForecastPromotion, fitForecastCandidate, forecastModelsFor, forecastTrainingOptions, parseForecastArtifact, scoreForecastVersion, type PoolSeries,
} from '../../../models/training/forecast-model';

const grid = { stepMs: 60_000, horizonMs: 10 * 60_000, windowMs: 2 * 86_400_000 };
const options = forecastTrainingOptions(grid);

function seeded(seed: number) {
  let s = seed;
  return () => (s = (s * 16_807) % 2_147_483_647) / 2_147_483_647;
}

function pool(name: string, n: number, f: (t: number) => number): PoolSeries {
  const series: Series = { startSeconds: 1_800_000_000, stepSeconds: 60, values: Float64Array.from({ length: n }, (_, t) => f(t)) };
  return { pool: name, series };
}

describe('forecaster retraining (pure)', () => {
  it('fits weights on the start of the window and promotes them when the held-out end is forecast better than by the baselines', () => {
    const noise = seeded(3);
    // A two-hour wave: persistence lags it, a damped trend follows it.
    const data = [pool('wave', 240, (t) => 10 + 5 * Math.sin((2 * Math.PI * t) / 120) + noise() * 0.5)];
    const candidate = fitForecastCandidate(data, 60, options);
    expect(Object.keys(candidate.pools)).toEqual(['wave']);
    const fitted = scoreForecastVersion(candidate, data, options);
    const baselines = scoreForecastVersion(undefined, data, options);
    expect(fitted.points).toBe(baselines.points);
    // 60 held-out origins, each scored on the observed part of its 10 steps.
    expect(fitted.points).toBe(Array.from({ length: 60 }, (_, i) => Math.min(10, 59 - i)).reduce((a, b) => a + b, 0));
    expect(fitted.mae_p50).toBeLessThan(0.6 * baselines.mae_p50);
    expect(decideForecastPromotion(fitted, baselines, options)).toMatchObject({ promoted: true, reason: expect.stringMatching(/^better: mae_p50/) });
  });

  it('does not promote weights that only match persistence on a random walk', () => {
    const step = seeded(11);
    let level = 20;
    const data = [pool('walk', 300, () => (level += (step() - 0.5) * 2))];
    const candidate = fitForecastCandidate(data, 60, options);
    const decision = decideForecastPromotion(scoreForecastVersion(candidate, data, options), scoreForecastVersion(undefined, data, options), options);
    expect(decision).toMatchObject({ promoted: false, reason: expect.stringMatching(/^not better/) });
  });

  it('leaves pools with too little history to the baselines and promotes nothing on too few points', () => {
    const data = [pool('short', options.minSteps - 1, (t) => t)];
    const candidate = fitForecastCandidate(data, 60, options);
    expect(candidate.pools).toEqual({});
    expect(forecastModelsFor(candidate, 'short').map((m) => m.name)).not.toContain('holt_winters');
    const scored = scoreForecastVersion(candidate, data, options);
    expect(scored.points).toBe(0);
    expect(decideForecastPromotion(scored, scoreForecastVersion(undefined, data, options), options)).toMatchObject({ promoted: false, reason: expect.stringMatching(/fewer than 60/) });
  });

  it('refuses a series on another grid', () => {
    expect(() => fitForecastCandidate([pool('p', 100, () => 1)], 300, options)).toThrow(/60 s grid, expected 300 s/);
  });

  it('adds the pool\'s fitted model to the baselines it selects among', () => {
    const artifact = fitForecastCandidate([pool('a', 100, (t) => t % 7)], 60, options);
    expect(forecastModelsFor(artifact, 'a').map((m) => m.name)).toContain('holt_winters');
    expect(forecastModelsFor(artifact, 'b').map((m) => m.name)).not.toContain('holt_winters');
  });

  it('round-trips its artifact through JSON and refuses a damaged one with the reason', () => {
    const artifact = fitForecastCandidate([pool('a', 100, (t) => t % 7)], 60, options);
    expect(parseForecastArtifact(JSON.stringify(artifact))).toEqual(artifact);
    expect(() => parseForecastArtifact({ format: 'prm-trained-code-estimator/1' })).toThrow(/not a prm-cluster-forecaster\/1/);
    expect(() => parseForecastArtifact({ ...artifact, stepSeconds: 0 })).toThrow(/stepSeconds/);
    expect(() => parseForecastArtifact({ ...artifact, pools: { a: { ...artifact.pools.a, alpha: 1.5 } } })).toThrow(/pool a: Holt-Winters alpha/);
  });
});
