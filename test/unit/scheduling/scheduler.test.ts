import type { JobRequest } from '../../../models/scheduling/job';
import { Scheduler } from '../../../models/scheduling/scheduler';

const limits = { instanceCores: 8, instanceMemory: 16, maxInstances: 4 };

function job(id: string, over: Partial<JobRequest> = {}): JobRequest {
  return { id, user: id, tier: 1, arrival: 0, cores: 1, memory: 1, replicas: 1, ...over };
}

const SHORT = { p50: 10, p90: 20 };
const LONG = { p50: 5000, p90: 20000 };

describe('Scheduler', () => {
  it('orders by tier, then shortest predicted (on the quantile), with FIFO ties', () => {
    const s = new Scheduler({ limits });
    s.admit(job('bronze', { tier: 2 }), SHORT);
    s.admit(job('gold-long', { tier: 0 }), LONG);
    s.admit(job('gold-short', { tier: 0 }), SHORT);
    s.admit(job('silver-a'), SHORT);
    s.admit(job('silver-b'), SHORT);
    expect(s.ordered(0).map((q) => q.job.id)).toEqual(['gold-short', 'gold-long', 'silver-a', 'silver-b', 'bronze']);
  });

  it('uses the configured quantile, not the median, for size', () => {
    const s = new Scheduler({ limits, weights: { tier: 0 } });
    s.admit(job('steady'), { p50: 100, p90: 120 });
    s.admit(job('volatile'), { p50: 50, p90: 5000 }); // smaller median, much larger tail
    expect(s.ordered(0)[0]!.job.id).toBe('steady');
  });

  it('ages a waiting low-tier job past fresh high-tier ones, capped', () => {
    const s = new Scheduler({ limits, ageCapSeconds: 600 });
    s.admit(job('old-bronze', { tier: 2, arrival: 0 }), LONG);
    s.admit(job('fresh-gold', { tier: 0, arrival: 1000 }), SHORT);
    expect(s.ordered(1000).map((q) => q.job.id)).toEqual(['old-bronze', 'fresh-gold']);
    // Before it has aged, the gold job wins.
    const t = new Scheduler({ limits, ageCapSeconds: 600 });
    t.admit(job('old-bronze', { tier: 2, arrival: 0 }), LONG);
    t.admit(job('fresh-gold', { tier: 0, arrival: 100 }), SHORT);
    expect(t.ordered(100)[0]!.job.id).toBe('fresh-gold');
    // Capped: waiting ten times longer adds nothing beyond the cap.
    const q = t.ordered(6000).find((x) => x.job.id === 'old-bronze')!;
    expect(q.score).toBeCloseTo(t.ordered(600).find((x) => x.job.id === 'old-bronze')!.score, 9);
  });

  it('lowers a heavy user by fair share, and forgives it as usage decays', () => {
    const s = new Scheduler({ limits, fairShareHalfLifeSeconds: 600 });
    s.admit(job('heavy-1', { user: 'heavy', cores: 8 }), LONG);
    s.dispatch('heavy-1', 0); // charges 8 x 5000 core-seconds to 'heavy'
    s.admit(job('heavy-2', { user: 'heavy', arrival: 0 }), SHORT);
    s.admit(job('light-1', { user: 'light', arrival: 0 }), SHORT);
    expect(s.ordered(0)[0]!.job.id).toBe('light-1');
    const gap = (t: number) => {
      const o = s.ordered(t);
      return o.find((x) => x.job.id === 'light-1')!.score - o.find((x) => x.job.id === 'heavy-2')!.score;
    };
    expect(gap(6000)).toBeLessThan(gap(0) / 100);
  });

  it('guards against underestimates: an overrunning user loses its size bonus for a while, not forever', () => {
    const s = new Scheduler({ limits, weights: { tier: 0, age: 0, fair: 0 }, underestimateHalfLifeSeconds: 600 });
    s.admit(job('liar-1', { user: 'liar' }), SHORT);
    const q = s.dispatch('liar-1', 0);
    s.complete(q, 160, 100); // predicted p90 20 s, ran 160 s: 8x
    expect(s.inflationOf('liar', 100)).toBeCloseTo(8, 6);
    s.admit(job('liar-2', { user: 'liar', arrival: 100 }), SHORT);
    s.admit(job('honest', { user: 'honest', arrival: 100 }), { p50: 60, p90: 100 });
    expect(s.ordered(100)[0]!.job.id).toBe('honest');
    expect(s.inflationOf('liar', 100 + 6000)).toBeLessThan(1.01);
    expect(s.ordered(100 + 6000)[0]!.job.id).toBe('liar-2');
  });

  it('stops backfilling past a job that has waited the full ageing cap', () => {
    const s = new Scheduler({ limits, ageCapSeconds: 600 });
    s.admit(job('wide', { cores: 8, replicas: 4, arrival: 0 }), SHORT);
    const [q] = s.ordered(0);
    expect(s.mustNotBeOvertaken(q!, 599)).toBe(false);
    expect(s.mustNotBeOvertaken(q!, 600)).toBe(true);
  });

  it('rejects with a reason instead of dropping', () => {
    const s = new Scheduler({ limits, maxQueue: 2 });
    expect(s.admit(job('a'), SHORT)).toEqual({ admitted: true });
    expect(s.admit(job('b'), SHORT)).toEqual({ admitted: true });
    const full = s.admit(job('c'), SHORT);
    expect(full).toMatchObject({ admitted: false, reason: 'queue_full' });
    expect(s.admit(job('wide', { cores: 16 }), SHORT)).toMatchObject({ admitted: false, reason: 'replica_too_large' });
    expect(s.admit(job('many', { cores: 8, replicas: 5 }), SHORT)).toMatchObject({ admitted: false, reason: 'job_too_large' });
    expect(s.admit(job('bad', { tier: 7 }), SHORT)).toMatchObject({ admitted: false, reason: 'invalid_request' });
    expect(s.size).toBe(2);
  });
  it('dispatchable keeps the order of ordered(), leaves out jobs that cannot act, and ends at the first starved wide job', () => {
    const s = new Scheduler({ limits, ageCapSeconds: 600 });
    s.admit(job('old-wide', { tier: 2, cores: 8, arrival: 0 }), SHORT);
    s.admit(job('old-wider', { tier: 2, cores: 8, replicas: 2, arrival: 0 }), SHORT);
    s.admit(job('gold', { tier: 0, arrival: 500 }), SHORT);
    s.admit(job('gold-wide', { tier: 0, cores: 6, arrival: 500 }), SHORT);
    s.admit(job('silver', { tier: 1, arrival: 500 }), LONG);
    s.admit(job('bronze', { tier: 2, arrival: 700 }), SHORT);
    const small = (q: { job: JobRequest }) => q.job.cores <= 2;
    const at = 1000;
    const full = s.ordered(at).map((q) => q.job.id);
    const stop = full.indexOf('old-wide') < full.indexOf('old-wider') ? 'old-wide' : 'old-wider';
    const expected = full.slice(0, full.indexOf(stop) + 1).filter((id) => id === stop || !id.includes('wide'));
    expect(s.dispatchable(at, small).map((q) => q.job.id)).toEqual(expected);
    expect(expected[expected.length - 1]).toBe(stop);
    expect(expected).not.toContain('gold-wide');
    // Before the wide jobs age past the cap nothing stops the pass: all fitting jobs, in order.
    expect(s.dispatchable(550, small).map((q) => q.job.id)).toEqual(s.ordered(550).map((q) => q.job.id).filter((id) => !id.includes('wide')));
    expect(s.dispatchable(at, () => true).map((q) => q.job.id)).toEqual(full);
  });
});
