import type { JobRequest } from '../../../models/scheduling/job';
import { FORGET_AFTER_HALF_LIVES, Scheduler, type UserState } from '../../../models/scheduling/scheduler';

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

  it('lowers a heavy user by its share of recent usage, and forgives old usage as newer usage outweighs it', () => {
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
    // Shares are relative: the clock alone does not move them, as everyone's usage decays alike.
    expect(gap(6000)).toBeCloseTo(gap(0), 9);
    // Ten half-lives on, heavy's 40,000 core-seconds count for 39; light was given 100 a half-life ago (50 now).
    s.admit(job('light-0', { user: 'light', arrival: 5400 }), { p50: 100, p90: 100 });
    s.dispatch('light-0', 5400);
    expect(gap(6000)).toBeLessThan(0);
    expect(s.ordered(6000)[0]!.job.id).toBe('heavy-2');
  });

  describe('fair share is relative to the other waiting users', () => {
    /**
     * Runs the queue on `slots` equal slots: at each step the best-ranked job starts, the oldest
     * running one ends first. Returns the start order.
     */
    function drain(s: Scheduler, slots: number, from: number, step: number): string[] {
      const started: string[] = [];
      const running: string[] = [];
      for (let now = from; s.size > 0; now += step) {
        if (running.length >= slots) running.shift();
        const [best] = s.ordered(now);
        s.dispatch(best!.job.id, now);
        running.push(best!.job.id);
        started.push(best!.job.id);
      }
      return started;
    }

    it.each([
      ['tiny', { cores: 0.1, memory: 0.01 }, { p50: 0.01, p90: 0.02 }],
      ['large', { cores: 8, memory: 16 }, { p50: 5000, p90: 20000 }],
    ] as const)('does not let a flood of %s jobs starve a second user who comes later', (_, size, forecast) => {
      const s = new Scheduler({ limits });
      for (let i = 0; i < 60; i++) s.admit(job(`flood-${i}`, { user: 'flooder', arrival: i / 1000, ...size }), forecast);
      // Two of the flood start at once; a minute later another user asks for the same kind of job twice.
      s.dispatch('flood-0', 0);
      s.dispatch('flood-1', 0);
      s.admit(job('other-a', { user: 'other', arrival: 60, ...size }), forecast);
      s.admit(job('other-b', { user: 'other', arrival: 60, ...size }), forecast);
      const order = drain(s, 2, 61, 0.01);
      // Both of the other user's jobs start before any more of the flood: its share is far below the flooder's.
      expect(order.slice(0, 2)).toEqual(['other-a', 'other-b']);
      expect(order.slice(2)).toEqual(Array.from({ length: 58 }, (_, i) => `flood-${i + 2}`));
    });

    it('does not slow a lone user: its jobs start in the order, and as often, as with no fair share at all', () => {
      const sizes = [SHORT, LONG, { p50: 1, p90: 2 }, { p50: 300, p90: 900 }];
      const build = (fair: number) => {
        const s = new Scheduler({ limits, weights: { fair } });
        for (let i = 0; i < 40; i++) s.admit(job(`job-${i}`, { user: 'alone', arrival: i, tier: i % 3, cores: 1 + (i % 4) }), sizes[i % 4]!);
        return s;
      };
      const withFairShare = drain(build(0.5), 4, 40, 1);
      expect(withFairShare).toHaveLength(40); // one start per free slot: nothing held back
      expect(withFairShare).toEqual(drain(build(0), 4, 40, 1));
    });

    it('penalises by the dominant resource: a memory-heavy user ranks behind a core-heavy one of the same core use', () => {
      const s = new Scheduler({ limits });
      s.admit(job('cores-0', { user: 'cores', cores: 4, memory: 1 }), SHORT);
      s.admit(job('memory-0', { user: 'memory', cores: 4, memory: 16 }), SHORT);
      s.dispatch('cores-0', 0);
      s.dispatch('memory-0', 0);
      // Admitted first, so on core use alone FIFO would rank it first.
      s.admit(job('memory-1', { user: 'memory', arrival: 1 }), SHORT);
      s.admit(job('cores-1', { user: 'cores', arrival: 1 }), SHORT);
      expect(s.ordered(1).map((q) => q.job.id)).toEqual(['cores-1', 'memory-1']);
    });
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

  describe('deadlines', () => {
    // SHORT's p90 is 20 s: a deadline at t + 20 must start at t.
    const scoreOf = (s: Scheduler, id: string, now: number) => s.ordered(now).find((q) => q.job.id === id)!.score;

    it('ranks a job up as its latest start nears, from nothing a horizon away to the full weight when due', () => {
      const s = new Scheduler({ limits, deadlineHorizonSeconds: 600, weights: { deadline: 0.5 } });
      s.admit(job('plain'), SHORT);
      s.admit(job('due', { deadline: 1020 }), SHORT); // latest start 1000
      const gain = (now: number) => scoreOf(s, 'due', now) - scoreOf(s, 'plain', now);
      expect(gain(0)).toBe(0); // 1000 s of slack: beyond the horizon
      expect(gain(400)).toBeCloseTo(0, 12); // exactly the horizon
      expect(gain(700)).toBeCloseTo(0.25, 12); // half of it left
      expect(gain(1000)).toBeCloseTo(0.5, 12); // must start now
      expect(gain(5000)).toBeCloseTo(0.5, 12); // too late to meet: kept at the weight, not given up on
      expect(s.ordered(700)[0]!.job.id).toBe('due');
      expect(s.ordered(0)[0]!.job.id).toBe('plain'); // FIFO tie while it has slack
    });

    it('counts the predicted run time (the size quantile, inflated by the guard) against the deadline', () => {
      const s = new Scheduler({ limits, deadlineHorizonSeconds: 600, weights: { tier: 0, size: 0, age: 0, fair: 0 } });
      s.admit(job('short', { deadline: 1000 }), SHORT);
      s.admit(job('long', { deadline: 1000 }), { p50: 100, p90: 400 });
            expect(scoreOf(s, 'long', 300)).toBeCloseTo(0.5 * 0.5, 12); // 300 s left of 600
      expect(scoreOf(s, 'short', 300)).toBe(0); // 680 s left: beyond the horizon
      // An overrunning user's jobs are expected to run longer, so their deadlines press sooner.
      s.admit(job('liar-1', { user: 'liar' }), SHORT);
      s.complete(s.dispatch('liar-1', 0), 80, 0); // p90 20 s, ran 80 s: 4x
      s.admit(job('liar-2', { user: 'liar', deadline: 1000 }), SHORT);
      const inflation = s.inflationOf('liar', 620); // about 3.7: 4x, decaying since
      expect(inflation).toBeGreaterThan(3);
      const slack = 1000 - 20 * inflation - 620; // about 300 s where an honest 20 s job has 360
      expect(scoreOf(s, 'liar-2', 620)).toBeCloseTo(0.5 * (1 - slack / 600), 12);
    });

    it('explains its part of the score and how long the job has left to start', () => {
      const s = new Scheduler({ limits, deadlineHorizonSeconds: 600 });
      s.admit(job('due', { deadline: 1020 }), SHORT);
      s.admit(job('plain'), SHORT);
      const [due, plain] = s.ordered(850);
      expect(due!.job.id).toBe('due');
      const parts = s.scoreParts(due!, 850);
      expect(parts.deadline).toBeCloseTo(0.5 * (1 - 150 / 600), 12);
      expect(parts.startWithinSeconds).toBeCloseTo(150, 12);
      // The rest of the score is what the same job without a deadline has.
      expect(due!.score - parts.deadline).toBeCloseTo(plain!.score, 12);
      expect(s.scoreParts(plain!, 850)).toEqual({ aging: expect.any(Number), size: expect.any(Number), deadline: 0 });
    });

    it('refuses a deadline that is not a time', () => {
      const s = new Scheduler({ limits });
      expect(s.admit(job('nan', { deadline: NaN }), SHORT)).toMatchObject({ admitted: false, reason: 'invalid_request' });
      expect(() => new Scheduler({ limits, deadlineHorizonSeconds: 0 })).toThrow(RangeError);
    });

    it('refuses a duration forecast that is not finite, negative or out of order, which would otherwise rank first', () => {
      const s = new Scheduler({ limits });
      for (const forecast of [{ p50: NaN, p90: 10 }, { p50: 1, p90: Infinity }, { p50: -1, p90: 10 }, { p50: 10, p90: 5 }]) {
        expect(s.admit(job(`bad-${forecast.p50}-${forecast.p90}`, { tier: 0 }), forecast)).toMatchObject({ admitted: false, reason: 'invalid_request' });
      }
      expect(s.admit(job('good', { tier: 2 }), SHORT)).toMatchObject({ admitted: true });
      expect(s.ordered(0).map((q) => q.job.id)).toEqual(['good']);
    });
  });

  it('settles a user\'s usage to what its jobs held: more for an overrun, less for a short run, nothing for one never started', () => {
    const s = new Scheduler({ limits, fairShareHalfLifeSeconds: 1e9 }); // no decay: the figures are the charges
    const usage = (user: string) => s.userState(user)?.usage ?? 0;
    const run = (user: string, actual: number) => {
      s.admit(job(`${user}-${actual}`, { user, cores: 2 }), { p50: 100, p90: 200 });
      const q = s.dispatch(`${user}-${actual}`, 0);
      expect(usage(user)).toBeCloseTo(200, 9); // 2 cores x p50 100 s, charged at dispatch
      s.complete(q, actual, 10);
    };
    run('long', 150);
    expect(usage('long')).toBeCloseTo(300, 4);
    run('short', 10);
    expect(usage('short')).toBeCloseTo(20, 4);
    run('never', 0);
    expect(usage('never')).toBeCloseTo(0, 4);
    // A refund takes back only what is on record: a restored user with less than that ends at nothing.
    s.admit(job('restored-1', { user: 'restored', cores: 2 }), { p50: 100, p90: 200 });
    const q = s.dispatch('restored-1', 0);
    s.restoreUser('restored', { usage: 50, usageAt: 0, inflationExcess: 0, inflationAt: 0 });
    s.complete(q, 0, 10);
    expect(usage('restored')).toBe(0);
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
  it('dispatchOrder keeps the order of ordered(), leaves out jobs that cannot act, and ends at the first starved wide job', () => {
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
    expect([...s.dispatchOrder(at, small)].map((q) => q.job.id)).toEqual(expected);
    expect(expected[expected.length - 1]).toBe(stop);
    expect(expected).not.toContain('gold-wide');
    // Before the wide jobs age past the cap nothing stops the pass: all fitting jobs, in order.
    expect([...s.dispatchOrder(550, small)].map((q) => q.job.id)).toEqual(s.ordered(550).map((q) => q.job.id).filter((id) => !id.includes('wide')));
    expect([...s.dispatchOrder(at, () => true)].map((q) => q.job.id)).toEqual(full);
  });

  it('dispatchOrder yields that order one job at a time, the fitting jobs below the stopper after it when asked', () => {
    const s = new Scheduler({ limits, ageCapSeconds: 600 });
    for (let i = 0; i < 40; i++) s.admit(job(`j${i}`, { tier: i % 3, cores: 1 + (i % 4), arrival: 10 * i, user: `u${i % 5}` }), i % 2 ? SHORT : LONG);
    const fits = (q: { job: JobRequest }) => q.job.cores <= 3;
    const order = s.dispatchOrder(1000, fits);
    const first = order.next();
    expect(first.done).toBe(false);
    const rest = Array.from(order);
    // ordered() cut after the best-ranked job that cannot fit and has waited past the cap, and
    // without the other jobs that cannot fit.
    const full = s.ordered(1000);
    const stop = full.findIndex((q) => !fits(q) && s.mustNotBeOvertaken(q, 1000));
    expect(stop).toBeGreaterThan(0);
    const expected = full.slice(0, stop + 1).filter((q, i) => i === stop || fits(q)).map((q) => q.job.id);
    expect([first.value!, ...rest].map((q) => q.job.id)).toEqual(expected);
    // belowStopper: the fitting jobs ranked below it follow, in order (a pass that holds room for it and backfills).
    const below = full.slice(stop + 1).filter(fits).map((q) => q.job.id);
    expect(below.length).toBeGreaterThan(0);
    expect(Array.from(s.dispatchOrder(1000, fits, true), (q) => q.job.id)).toEqual([...expected, ...below]);
  });

  it('some tells whether any queued job passes a test', () => {
    const s = new Scheduler({ limits });
    expect(s.some(() => true)).toBe(false);
    s.admit(job('narrow', { cores: 1 }), SHORT);
    s.admit(job('wide', { cores: 6 }), SHORT);
    expect(s.some((q) => q.job.cores > 4)).toBe(true);
    expect(s.some((q) => q.job.cores > 6)).toBe(false);
  });

  describe('forgetting idle users', () => {
    const HALF_LIFE = 600;
    const HORIZON = FORGET_AFTER_HALF_LIVES * HALF_LIFE;
    const options = { limits, fairShareHalfLifeSeconds: HALF_LIFE, underestimateHalfLifeSeconds: HALF_LIFE };

    /** Runs a job of `user`'s from `at` for `actual` seconds (p50 10 s, p90 20 s). */
    function ran(s: Scheduler, id: string, user: string, at: number, actual: number): void {
      s.admit(job(id, { user, arrival: at }), SHORT);
      s.complete(s.dispatch(id, at), actual, at + actual);
    }

    it('forgets a user charged once and idle past the horizon, and keeps one with a job queued or a run outstanding', () => {
      const s = new Scheduler(options);
      ran(s, 'o1', 'once', 0, 50); // overran its p90: inflated too, written at 50
      expect(s.userState('once')).toMatchObject({ usageAt: 50, inflationAt: 50 });
      ran(s, 'q1', 'queued', 0, 10);
      s.admit(job('q2', { user: 'queued', arrival: 10 }), SHORT);
      s.admit(job('r1', { user: 'running', arrival: 0 }), SHORT);
      s.dispatch('r1', 0);
      s.runStarted('running');
      ran(s, 'l1', 'later', 1000, 10);
      // Exactly at the horizon nothing goes; past it, the user idle since.
      expect(s.forgetIdle(50 + HORIZON)).toEqual([]);
      expect(s.forgetIdle(50 + HORIZON + 1)).toEqual(['once']);
      expect(s.userState('once')).toBeUndefined();
      expect(s.inflationOf('once', 50 + HORIZON + 1)).toBe(1);
      expect(s.userState('queued')).toBeDefined();
      expect(s.userState('running')).toBeDefined();
      // Once idle, each goes by when its state was last written, not when it became idle.
      s.withdraw('q2');
      s.runEnded('running');
      expect(s.forgetIdle(1000 + HORIZON + 1)).toEqual(['queued', 'running', 'later']);
      expect(['queued', 'running', 'later'].map((u) => s.userState(u))).toEqual([undefined, undefined, undefined]);
      // A forgotten user comes back as a new one.
      s.admit(job('o2', { user: 'once', arrival: 2 * HORIZON }), SHORT);
      expect(s.ordered(2 * HORIZON)[0]!.job.id).toBe('o2');
    });

    it('forgets at most `limit` users a call, earliest written first, and the same ones in a model rebuilt from what it kept', () => {
      const live = new Scheduler(options);
      for (let i = 0; i < 6; i++) ran(live, `j${i}`, `u${5 - i}`, 100 * i, i % 2 === 0 ? 10 : 0); // odd ones refunded to nothing
      live.admit(job('k', { user: 'u0', arrival: 900 }), SHORT);
      const rebuilt = new Scheduler(options);
      for (let i = 0; i < 6; i++) rebuilt.restoreUser(`u${i}`, JSON.parse(JSON.stringify(live.userState(`u${i}`))) as UserState);
      rebuilt.admit(job('k', { user: 'u0', arrival: 900 }), SHORT);
      for (const s of [live, rebuilt]) {
        expect(s.forgetIdle(HORIZON + 1000, 2)).toEqual(['u5', 'u4']);
        expect(s.forgetIdle(HORIZON + 1000)).toEqual(['u3', 'u2', 'u1']); // u0 has a job queued
        expect(s.userState('u0')).toBeDefined();
      }
    });
  });
});
