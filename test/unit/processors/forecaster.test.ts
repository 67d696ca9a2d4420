import type { ClusterMetrics } from '../../../schemas/types.generated';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { forecasterProcessor, type ActiveForecastModels } from '../../../streams/processors/forecaster';
import { createVersionRegistry } from '../../../streams/trainer/registry';
import { BASELINE_FORECAST_VERSION, fitForecastCandidate, forecastTrainingOptions } from '../../../models/training/forecast-model';
import { setup, T0 } from './fixtures';

const minute = 60_000;

function metrics(pool: string, atMs: number, coresBusy: number): ClusterMetrics {
  return {
    pool, at: new Date(atMs), instancesRunning: 4, instancesBooting: 0, cpuCapacityMillicores: 16_000, memoryCapacityBytes: 64 * 1024 ** 3,
    cpuUtilization: coresBusy / 16, memoryUtilization: 0.3, ioUtilization: 0.1, queueDepth: 0,
  };
}

describe('forecaster', () => {
  it('forecasts each pool once per completed step, over the horizon, with ordered quantiles near a steady load', () => {
    const { clock, topics } = setup();
    const driver = new ProcessorTestDriver(forecasterProcessor({ topics, stepMs: 5 * minute, horizonMs: 30 * minute, windowMs: 6 * 60 * minute }), { clock });
    const start = Math.floor(T0 / (5 * minute)) * 5 * minute;
    for (let i = 0; i < 6 * 60; i++) {
      const at = start + i * minute;
      clock.set(at);
      // 6 cores with a small wobble, and a second pool at twice the load.
      driver.pipeInput('metrics', { key: 'a', value: metrics('a', at, 6 + ((i % 5) - 2) * 0.1) });
      driver.pipeInput('metrics', { key: 'b', value: metrics('b', at, 12) });
    }
    const out = driver.readOutput('forecasts').map((o) => o.value!);
    const a = out.filter((f) => f.pool === 'a');
    expect(a).toHaveLength(6 * 12 - 1);
    expect(out.filter((f) => f.pool === 'b')).toHaveLength(6 * 12 - 1);
    const last = a[a.length - 1]!;
    expect(last.points).toHaveLength(6);
    expect(last.metric).toBe('CPU_CORES');
    expect(last.model.name).toMatch(/^selected:/);
    for (let i = 0; i < last.points.length; i++) {
      const p = last.points[i]!;
      expect(p.at.getTime()).toBe(last.points[0]!.at.getTime() + i * 5 * minute);
      expect(p.p50).toBeLessThanOrEqual(p.p90);
      expect(p.p90).toBeLessThanOrEqual(p.p99);
      expect(p.p50).toBeGreaterThan(5.5);
      expect(p.p50).toBeLessThan(6.5);
    }
    const b = out.filter((f) => f.pool === 'b').pop()!;
    expect(b.points[0]!.p50).toBeCloseTo(12, 6);
    expect(new Set(a.map((f) => f.forecastId)).size).toBe(a.length);
  });

  it('follows a level shift within the window', () => {
    const { clock, topics } = setup();
    const driver = new ProcessorTestDriver(forecasterProcessor({ topics, stepMs: 5 * minute, horizonMs: 15 * minute, windowMs: 2 * 60 * minute }), { clock });
    const start = Math.floor(T0 / (5 * minute)) * 5 * minute;
    for (let i = 0; i < 4 * 60; i++) {
      const at = start + i * minute;
      clock.set(at);
      driver.pipeInput('metrics', { key: 'a', value: metrics('a', at, i < 120 ? 2 : 10) });
    }
    const last = driver.readOutput('forecasts').pop()!.value!;
    expect(last.points[0]!.p50).toBeGreaterThan(8);
    expect(driver.store('history').get('a')!.sums.length).toBe(48);
  });

  it('swaps a newly promoted version in without a restart, and ignores weights fitted on another grid', () => {
    const { clock, topics } = setup();
    const wave = (i: number) => 10 + 5 * Math.sin((2 * Math.PI * i) / 120);
    const history = Float64Array.from({ length: 240 }, (_, i) => wave(i));
    const options = forecastTrainingOptions({ stepMs: minute, horizonMs: 10 * minute, windowMs: 6 * 60 * minute });
    const fitted = fitForecastCandidate([{ pool: 'a', series: { startSeconds: 0, stepSeconds: 60, values: history } }], 60, options);
    const models = createVersionRegistry<ActiveForecastModels>({ version: BASELINE_FORECAST_VERSION });
    const driver = new ProcessorTestDriver(
      forecasterProcessor({ topics, stepMs: minute, horizonMs: 10 * minute, windowMs: 6 * 60 * minute, currentModels: models.current }),
      { clock },
    );
    const start = Math.floor(T0 / minute) * minute;
    const feed = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        clock.set(start + i * minute);
        driver.pipeInput('metrics', { key: 'a', value: metrics('a', start + i * minute, wave(i)) });
      }
      return driver.readOutput('forecasts').map((o) => o.value!);
    };
    expect(new Set(feed(0, 200).map((f) => f.model.version))).toEqual(new Set([BASELINE_FORECAST_VERSION]));
    models.swap({ version: 'fitted-on-5-minutes', artifact: { ...fitted, stepSeconds: 300 } });
    expect(new Set(feed(200, 220).map((f) => f.model.version))).toEqual(new Set([BASELINE_FORECAST_VERSION]));
    models.swap({ version: 'fitted', artifact: fitted });
    const after = feed(220, 300);
    expect(new Set(after.map((f) => f.model.version))).toEqual(new Set(['fitted']));
    // On this wave the fitted damped trend is the one the selection picks.
    expect(after[after.length - 1]!.model.name).toBe('selected:holt_winters');
  });

  it('accepts a sample stamped ahead within validation\'s tolerance without turning the on-time ones late', () => {
    const { clock, topics } = setup();
    const driver = new ProcessorTestDriver(forecasterProcessor({ topics, stepMs: minute, horizonMs: 10 * minute }), { clock });
    const at = Math.floor(T0 / minute) * minute;
    clock.set(at);
    driver.pipeInput('metrics', { key: 'skewed', value: metrics('skewed', at + 9 * minute, 4) });
    for (let i = 0; i < 12; i++) {
      clock.set(at + i * minute);
      driver.pipeInput('metrics', { key: 'a', value: metrics('a', at + i * minute, 4) });
    }
    expect(driver.readDeadLetters()).toEqual([]);
    expect(driver.readOutput('forecasts').filter((f) => f.value!.pool === 'a')).toHaveLength(11);
  });
});
