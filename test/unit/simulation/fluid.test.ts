import { simulateFluid } from '../../../models/simulation/fluid';
import { staticPolicy } from '../../../models/planning/static-policy';
import { oraclePolicy } from '../../../models/planning/oracle-policy';
import { peakBetween } from '../../../models/simulation/bitbrains-demand';

const demand = { startSeconds: 0, stepSeconds: 300, values: Float64Array.from([8, 8, 40, 40, 8, 8]) };
const base = { demand, instanceCores: 8, bootDelaySeconds: 300, sloDelaySeconds: 60, minInstances: 1, maxInstances: 100, initialInstances: 1, seed: 1 };

describe('simulateFluid', () => {
  it('queues work that does not fit and measures its delay per unit of work', () => {
    const r = simulateFluid(staticPolicy(8, 8), base); // one instance, demand jumps to 5x
    expect(r.instance_hours).toBeCloseTo(0.5, 6); // 1 instance x 1800 s
    expect(r.slo_miss_fraction).toBeGreaterThan(0.5);
    expect(r.p99_delay_s).toBeGreaterThan(600);
  });

  it('an oracle launching one boot delay ahead serves everything on time', () => {
    const r = simulateFluid(oraclePolicy((a, b) => peakBetween(demand, a, b), 300, 60), base);
    expect(r.slo_miss_fraction).toBe(0);
    expect(r.scale_actions).toBeGreaterThanOrEqual(2);
  });
});
