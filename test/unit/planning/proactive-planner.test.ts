import type { Forecaster, QuantileForecast, Series } from '../../../models/forecasting/forecaster';
import { proactivePlanner } from '../../../models/planning/proactive-planner';
import type { ClusterView } from '../../../models/planning/types';

const STEP = 300;

/** A forecaster that returns a fixed path: tests decide exactly what the planner is told. */
function scripted(path: (origin: number, h: number) => number): Forecaster & { calls: { origin: number; horizon: number }[] } {
  const calls: { origin: number; horizon: number }[] = [];
  return {
    name: 'scripted',
    calls,
    forecast(_s: Series, origin: number, horizon: number): QuantileForecast[] {
      calls.push({ origin, horizon });
      return Array.from({ length: horizon }, (_, i) => {
        const v = path(origin, i + 1);
        return { p50: v, p90: v, p99: v };
      });
    },
  };
}

function history(level: number, steps = 10): Series {
  return { startSeconds: 0, stepSeconds: STEP, values: new Float64Array(steps).fill(level) };
}

function view(now: number, over: Partial<ClusterView> = {}): ClusterView {
  return { now, ready: 10, booting: 0, instanceCores: 8, windowSeconds: 60, utilization: 0.5, demandCores: 40, backlogCoreSeconds: 0, ...over };
}

describe('proactivePlanner', () => {
  it('sizes for the forecast one boot delay ahead, not for now', () => {
    // Demand is flat at 40 cores until step 12, then 160 cores: a launch at step 11 + 60 s is ready in step 12.
    const f = scripted((origin, h) => (origin + h >= 12 ? 160 : 40));
    const p = proactivePlanner({ forecaster: f, history: history(40), bootDelaySeconds: STEP, controlSeconds: 60, headroom: { initial: 1, min: 1 }, warmStartSeconds: 0 });
    const early = p.decide(view(10 * STEP + 60, { ready: 5 }));
    expect(early.desired).toBe(5); // 40 cores -> 5 instances: the jump is still beyond the lead time
    const ahead = p.decide(view(11 * STEP + 60, { ready: 5 }));
    expect(ahead.desired).toBe(20); // 160 / 8: launched one boot delay before the jump
    expect(ahead.reason).toBe('forecast');
    expect(ahead.explanation).toContain('scripted p50 at +300s = 160.0 cores');
  });

  it('never scales in below what current demand and backlog need', () => {
    const f = scripted(() => 0); // forecast says demand vanishes
    const p = proactivePlanner({ forecaster: f, history: history(100), bootDelaySeconds: STEP, controlSeconds: 60, scaleInDelaySeconds: 0, scaleInMaxFraction: 1, warmStartSeconds: 0 });
    const d = p.decide(view(10 * STEP + 60, { ready: 30, demandCores: 100, backlogCoreSeconds: 8 * STEP * 2 }));
    // 100 cores now + 4800 core-seconds of backlog drained over one control interval (80 cores): 180 / 8.
    expect(d.desired).toBe(23);
    expect(d.explanation).toContain('reactive floor 180.0 cores');
  });

  it('without a scale-in delay, sheds to the forecast target, not below it', () => {
    // The forecast falls from 160 to 80 cores while demand now needs 2 instances: the fleet goes to 10, not to the floor.
    const f = scripted((origin) => (origin >= 11 ? 80 : 160));
    const p = proactivePlanner({ forecaster: f, history: history(40), bootDelaySeconds: STEP, controlSeconds: 60, scaleInDelaySeconds: 0, scaleInMaxFraction: 1, warmStartSeconds: 0, headroom: { initial: 1, min: 1 } });
    expect(p.decide(view(10 * STEP + 60, { ready: 20, demandCores: 16 })).desired).toBe(20);
    const shed = p.decide(view(11 * STEP + 60, { ready: 20, demandCores: 16 }));
    expect(shed).toMatchObject({ desired: 10, reason: 'scale_in_gradual' });
  });

  it('never goes below the current need on a random walk of demand', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const f = scripted(() => 10 * rand()); // a forecaster that is often far too low
    const p = proactivePlanner({ forecaster: f, history: history(50), bootDelaySeconds: STEP, controlSeconds: 60, scaleInDelaySeconds: 0, scaleInMaxFraction: 1, warmStartSeconds: 0 });
    let ready = 10;
    for (let k = 1; k <= 200; k++) {
      const demandCores = 200 * rand();
      const backlogCoreSeconds = rand() < 0.2 ? 5000 * rand() : 0;
      const d = p.decide(view(10 * STEP + 60 * k, { ready, demandCores, backlogCoreSeconds }));
      expect(d.desired).toBeGreaterThanOrEqual(Math.ceil((demandCores + backlogCoreSeconds / STEP) / 8 - 1e-9));
      ready = d.desired;
    }
  });

  it('scales in late and gradually', () => {
    const f = scripted(() => 8);
    const p = proactivePlanner({ forecaster: f, history: history(8), bootDelaySeconds: STEP, controlSeconds: 60, scaleInDelaySeconds: 300, scaleInMaxFraction: 0.1, warmStartSeconds: 0, headroom: { initial: 1, min: 1 } });
    let ready = 20;
    const desired: number[] = [];
    for (let k = 0; k < 10; k++) {
      const d = p.decide(view(10 * STEP + 60 * (k + 1), { ready, demandCores: 8 }));
      desired.push(d.desired);
      ready = d.desired;
    }
    // First the target must stay low for the whole delay window: the first decisions hold.
    expect(desired.slice(0, 5)).toEqual([20, 20, 20, 20, 20]);
    // Then at most 10% (2 instances) per decision.
    for (let k = 5; k < desired.length; k++) expect(desired[k - 1]! - desired[k]!).toBeLessThanOrEqual(2);
    expect(desired[desired.length - 1]!).toBeLessThan(20);
  });

  it('lets instances bought for a backlog go once it is drained, while the hysteresis holds the rest', () => {
    let level = 80; // 10 instances' worth of demand, forecast right
    const f = scripted(() => level);
    const p = proactivePlanner({ forecaster: f, history: history(80), bootDelaySeconds: STEP, controlSeconds: 60, scaleInDelaySeconds: 1800, warmStartSeconds: 0, headroom: { initial: 1, min: 1 } });
    const t0 = 10 * STEP;
    // A backlog of 2400 core-seconds to drain within 60 s: 40 more cores, 5 more instances.
    const burst = p.decide(view(t0 + 60, { ready: 10, demandCores: 80, backlogCoreSeconds: 2400 }));
    expect(burst).toMatchObject({ desired: 15, reason: 'reactive_floor' });
    // Half drained (its floor alone would be 13), then gone: the instances bought for it are
    // still booting, so they stay for one boot delay (STEP) from the last floor that wanted them.
    const draining = p.decide(view(t0 + 90, { ready: 10, booting: 5, demandCores: 80, backlogCoreSeconds: 1200 }));
    expect(draining).toMatchObject({ desired: 15, reason: 'reactive_floor', explanation: expect.stringContaining('the floor within the last 300s') });
    expect(p.decide(view(t0 + 120, { ready: 10, booting: 5, demandCores: 80 })).desired).toBe(15);
    expect(p.decide(view(t0 + 60 + STEP, { ready: 15, demandCores: 80 })).desired).toBe(13);
    // Then straight back to 10, long before the 1800 s scale-in delay.
    const after = p.decide(view(t0 + 90 + STEP, { ready: 15, demandCores: 80 }));
    expect(after.desired).toBe(10);
    // The demand-driven fleet itself is still held: a dip in demand does not shed it yet.
    level = 8;
    const dip = p.decide(view(t0 + 2 * STEP + 60, { ready: 10, demandCores: 8 }));
    expect(dip).toMatchObject({ desired: 10, reason: 'hold_hysteresis' });
  });

  it('scales in after one boot delay by default', () => {
    const f = scripted(() => 8);
    const p = proactivePlanner({ forecaster: f, history: history(8), bootDelaySeconds: STEP, controlSeconds: 60, warmStartSeconds: 0, headroom: { initial: 1, min: 1 } });
    let ready = 20;
    const desired: number[] = [];
    for (let k = 1; k <= 7; k++) {
      ready = p.decide(view(10 * STEP + 60 * k, { ready, demandCores: 8 })).desired;
      desired.push(ready);
    }
    expect(desired.slice(0, 5)).toEqual([20, 20, 20, 20, 20]); // held for 300 s
    expect(desired[5]).toBe(18); // then 10% of the held fleet per decision
    expect(desired[6]).toBe(17);
  });

  it('raises its headroom after under-predictions and says so', () => {
    // The forecaster always says 80 cores, the demand is really 120.
    const f = scripted(() => 80);
    const p = proactivePlanner({ forecaster: f, history: history(80, 40), bootDelaySeconds: STEP, controlSeconds: STEP, warmStartSeconds: 0, headroom: { initial: 1, min: 1, minOutcomes: 3, scaling: 'ratio' } });
    let d = p.decide(view(40 * STEP, { demandCores: 120 }));
    for (let k = 1; k < 8; k++) d = p.decide(view((40 + k) * STEP, { demandCores: 120, windowSeconds: STEP }));
    expect(d.explanation).toMatch(/headroom 1\.50/);
    expect(d.desired).toBe(15); // 80 x 1.5 / 8
  });
});
