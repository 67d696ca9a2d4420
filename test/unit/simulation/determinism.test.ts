import { runSimulation, type SimulationRunOptions } from '../../../models/simulation/run';

/** A small PRM jobs trace: three users in three tiers, bursty, over four hours. */
function jobsTrace(): string[] {
  const lines: string[] = [];
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let t = 0; t < 4 * 3600; t += 20) {
    const burst = Math.floor(t / 1800) % 2 === 1 ? 3 : 1;
    for (let k = 0; k < burst; k++) {
      const u = Math.floor(rand() * 3);
      lines.push(JSON.stringify({ id: `j${t}-${k}`, user: `u${u}`, tier: u, arrival: 1_700_000_000 + t, cores: 1 + Math.floor(rand() * 4), duration_s: 30 + Math.floor(rand() * 300) }));
    }
  }
  return lines;
}

async function run(seed: number): Promise<string> {
  const lines = jobsTrace();
  const o: SimulationRunOptions = {
    traces: ['mem'], readLines: async function* () { yield* lines; }, format: 'jobs', trainUntil: 1_700_000_000 + 2 * 3600,
    policies: ['static', 'reactive', 'predictive', 'oracle'], sweep: false, bootDelaySeconds: 120, bootJitterSeconds: 60, instanceCores: 8,
    sloDelaySeconds: 60, controlSeconds: 60, maxInstances: 100, seed, quantile: 'p90', coverage: 0.95,
    log: () => {}, print: () => {},
  };
  return JSON.stringify(await runSimulation(o));
}

describe('simulator determinism', () => {
  it('gives the same JSON for the same seed', async () => {
    const a = await run(1);
    expect(await run(1)).toBe(a);
    expect(await run(2)).not.toBe(a); // the seed drives boot jitter
    const report = JSON.parse(a);
    expect(Object.keys(report.policies)).toEqual(['static', 'reactive', 'predictive', 'oracle']);
    expect(report.policies.reactive.jobs_completed).toBeGreaterThan(0);
    expect(Object.keys(report.policies.reactive.per_tier)).toEqual(['0', '1', '2']);
  });
});
