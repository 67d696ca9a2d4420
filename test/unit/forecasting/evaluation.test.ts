import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runForecastEval } from '../../../models/forecasting/benchmark';
import { sumSeries } from '../../../models/forecasting/cluster-series';
import { chooseModel, chooseWithDefault, eligibleModels, evaluateSeries, populationDefault } from '../../../models/forecasting/evaluation';
import { formatReport } from '../../../models/forecasting/report';
import { buildBitbrainsGrid, parseBitbrainsLine, type BitbrainsSample } from '../../../models/traces/bitbrains';

const FIXTURE = join(__dirname, '../../fixtures/forecasting/bitbrains-sample.csv.gz');

function fixtureSamples(): BitbrainsSample[] {
  const lines = gunzipSync(readFileSync(FIXTURE)).toString('utf8').trim().split('\n');
  return lines.map((l, i) => parseBitbrainsLine(l, i + 1)).filter((s): s is BitbrainsSample => s !== undefined);
}

const sample = (vmId: number, t: number, cpu: number): BitbrainsSample => ({
  vmId, timestampSeconds: t, cpuCores: 2, cpuCapacityMhz: 5000, cpuUsageMhz: cpu, memCapacityKb: 1, memUsageKb: 1,
  diskReadKbps: 0, diskWriteKbps: 0, netRxKbps: 0, netTxKbps: 0,
});

describe('Bitbrains grid', () => {
  it('averages samples sharing a step, accepts out-of-order rows and leaves gaps as NaN', () => {
    const grid = buildBitbrainsGrid([sample(1, 1_000, 10), sample(1, 300, 4), sample(1, 1_100, 30), sample(2, 0, 1), sample(1, 1_900, 7)], { metrics: ['cpuUsageMhz'] });
    expect(grid.startSeconds).toBe(0);
    expect(grid.steps).toBe(7);
    const cpu = grid.series.get(1)!.cpuUsageMhz!;
    expect(Array.from(cpu).map((v) => (Number.isNaN(v) ? null : v))).toEqual([null, 4, null, 20, null, null, 7]);
    expect(grid.series.get(2)!.cpuUsageMhz![0]).toBe(1);
    expect(grid.series.get(1)!.memUsageKb).toBeUndefined();
    expect(grid.mhzPerCore.get(1)).toBe(2500);
  });

  it('rejects malformed rows with the line number, and an empty trace', () => {
    expect(() => parseBitbrainsLine('1,2,3', 7)).toThrow(/line 7/);
    expect(() => parseBitbrainsLine('1,1372629804,2,5851,-1,1,8218624,1,0,0,0,0', 8)).toThrow(/negative/);
    expect(() => buildBitbrainsGrid([])).toThrow(/no samples/);
  });

  it('builds the shipped real sample into a mostly complete 5-minute grid', () => {
    const grid = buildBitbrainsGrid(fixtureSamples());
    expect(grid.vmIds).toEqual([1, 34]);
    const cpu = grid.series.get(1)!.cpuUsageMhz!;
    const missing = cpu.filter((v) => Number.isNaN(v)).length / cpu.length;
    expect(missing).toBeLessThan(0.2);
    const cluster = sumSeries(grid.vmIds.map((id) => ({ startSeconds: grid.startSeconds, stepSeconds: 300, values: grid.series.get(id)!.cpuUsageMhz! })));
    expect(cluster.values.filter(Number.isFinite).length).toBeGreaterThanOrEqual(cpu.filter(Number.isFinite).length);
    expect(cluster.values[1_000]).toBeGreaterThan(cpu[1_000] ?? 0);
  });
});

describe('selection', () => {
  it('keeps persistence unless a model beats it, and only eligible models', () => {
    expect(chooseModel({ last_value: 10, a: 11, b: 12 })).toBe('last_value');
    expect(chooseModel({ last_value: 10, a: 9, b: 8 })).toBe('b');
    expect(chooseModel({ last_value: 10, a: 9, b: 8 }, new Set(['a']))).toBe('a');
    const eligible = eligibleModels([{ last_value: 10, a: 9, b: 20 }, { last_value: 10, a: 9.5, b: 5 }, { last_value: 10, a: 11, b: 30 }]);
    expect([...eligible].sort()).toEqual(['a', 'last_value']);
  });

  it('population default: the eligible model with the best median validation skill', () => {
    const validations = [{ last_value: 10, a: 8, b: 9 }, { last_value: 10, a: 7, b: 9 }, { last_value: 10, a: 12, b: 2 }];
    const eligible = eligibleModels(validations);
    expect(populationDefault(validations, eligible)).toBe('a'); // median skills: a 0.8, b 0.9
    expect(populationDefault(validations, new Set(['last_value', 'b']))).toBe('b');
    expect(populationDefault([{ last_value: 10, a: 11 }], new Set(['last_value', 'a']))).toBe('last_value');
  });

  it('a user leaves the default only for a clear validation win, and never keeps a default that loses to persistence', () => {
    const all = new Set(['last_value', 'a', 'b', 'c']);
    expect(chooseWithDefault({ last_value: 10, a: 8, b: 7.5 }, all, 'a', 0.1)).toBe('a'); // b only 6% better
    expect(chooseWithDefault({ last_value: 10, a: 8, b: 7 }, all, 'a', 0.1)).toBe('b'); // 12.5% better
    expect(chooseWithDefault({ last_value: 10, a: 8, b: 7.5 }, all, 'a', 0)).toBe('b');
    expect(chooseWithDefault({ last_value: 10, a: 11, b: 9.5 }, all, 'a', 0.1)).toBe('last_value'); // default worse than persistence; b only 5% better
    expect(chooseWithDefault({ last_value: 10, a: 11, c: 5 }, new Set(['last_value', 'a']), 'a', 0.1)).toBe('last_value'); // c not eligible
    expect(() => chooseWithDefault({ last_value: 1 }, all, 'a', 1)).toThrow(RangeError);
  });

  it('refuses to evaluate without the reference baselines', () => {
    const series = { startSeconds: 0, stepSeconds: 300, values: new Float64Array(10) };
    const w = { predFrom: 0, validationFrom: 0, testFrom: 5, testTo: 10, horizon: 1, calibration: { calibrationSteps: 2, recalibrateEvery: 1 } };
    expect(() => evaluateSeries(series, [{ name: 'x', pred: new Float64Array(10) }], w)).toThrow(/baselines/);
  });
});

describe('forecast-eval on the shipped sample', () => {
  it('reports every model with skill against persistence on the same points', async () => {
    const report = await runForecastEval({
      samples: fixtureSamples(), trainUntilSeconds: Date.UTC(2013, 6, 9, 0, 0, 0) / 1000, horizon: 6, users: 10,
      clock: () => 0, log: () => {},
    });
    expect(report.cluster.models.last_value!.skill).toBe(1);
    expect(report.cluster.models.seasonal_naive_daily!.skill_seasonal).toBe(1);
    for (const m of Object.values(report.cluster.models)) {
      expect(m.mae).toBeGreaterThanOrEqual(0);
      expect(m.coverage_p90).toBeGreaterThan(0); // one test day of two series: no tighter bound holds
      expect(m.coverage_p90).toBeLessThanOrEqual(1);
    }
    expect(report.cluster.models.ensemble).toBeDefined();
    expect(report.cluster.models.bottom_up_moving_median_24).toBeDefined();
    expect(report.cluster.validation_mae.bottom_up_holt_winters).toBeGreaterThan(0);
    expect(report.per_user.users).toBe(2);
    expect(report.per_user.models.selected).toBeDefined();
    expect(report.per_user.models.moving_median_24).toBeDefined();
    expect(report.per_user.eligible).toContain(report.per_user.population_default);
    expect(Object.keys(report.cluster.models)).toContain(report.cluster.chosen);
    expect(formatReport(report)).toMatch(/holt_winters/);
    expect(() => formatReport(report)).not.toThrow();
  }, 30_000);

  it('rejects a cut-off that leaves too little training or no test', async () => {
    const base = { samples: fixtureSamples(), horizon: 6, users: 10, clock: () => 0, log: () => {} };
    await expect(runForecastEval({ ...base, trainUntilSeconds: Date.UTC(2013, 6, 3) / 1000 })).rejects.toThrow(/at least 8 days/);
    await expect(runForecastEval({ ...base, trainUntilSeconds: Date.UTC(2013, 6, 20) / 1000 })).rejects.toThrow(/no test data/);
  });
});
