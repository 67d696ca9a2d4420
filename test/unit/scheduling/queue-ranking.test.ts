import type { JobRequest } from '../../../models/scheduling/job';
import { Scheduler, type QueuedJob, type ScoredJob } from '../../../models/scheduling/scheduler';
import { seededRandom as random } from '../../../models/seeded-random';

// Scheduler.rankingAt must pick exactly what scoring and sorting the whole queue picks: the same
// job, the same score, the same stopper, in every state the queue can be in. Checked here against
// `ordered(now)` (every job scored and sorted) over random queues.

const limits = { instanceCores: 16, instanceMemory: 64, maxInstances: 8 };
const T0 = 1_767_225_600; // 2026-01-01, epoch seconds: keys take the ageing at arrival, large numbers

interface World {
  s: Scheduler;
  rand: () => number;
  next: number;
}

function admitSome(w: World, n: number, now: number): void {
  const { rand } = w;
  for (let k = 0; k < n; k++) {
    const id = `j${w.next++}`;
    const job: JobRequest = {
      id,
      user: `u${Math.floor(rand() ** 2 * 12)}`, // a few users hold most of the queue
      tier: Math.floor(rand() * 3),
      // Mostly waited a little, some past the ageing cap (1800 s), a few arriving after `now`.
      arrival: now - Math.floor(rand() * 4000) + (rand() < 0.05 ? 600 : 0),
      cores: [0.5, 1, 2, 4, 8][Math.floor(rand() * 5)]!,
      memory: [1, 2, 4, 16][Math.floor(rand() * 4)]!,
      replicas: 1,
    };
    if (rand() < 0.2) job.deadline = now + Math.floor(rand() * 3000) - 500;
    const p50 = [5, 60, 600, 7200][Math.floor(rand() * 4)]! * (0.5 + rand());
    // Equal sizes and tiers on purpose (ties broken by arrival order), and varied ones.
    w.s.admit(job, rand() < 0.3 ? { p50: 60, p90: 90 } : { p50, p90: p50 * (1 + rand() * 3) });
  }
}

/** The reference: every job scored at the pass's start and sorted; the pass's picks leave in order. */
function referencePicks(s: Scheduler, now: number, fits: (q: QueuedJob) => boolean, picks: number): { picked: ScoredJob[]; stopper?: ScoredJob } {
  const ranked = s.ordered(now);
  const stopper = ranked.find((q) => s.mustNotBeOvertaken(q, now) && !fits(q));
  const picked: ScoredJob[] = [];
  for (const q of ranked) {
    if (picked.length === picks) break;
    if (fits(q)) picked.push(q);
  }
  return { picked, stopper };
}

const summary = (q: ScoredJob | undefined) => q && { id: q.job.id, score: q.score };

describe('Scheduler.rankingAt', () => {
  it('picks what scoring every queued job picks, pick after pick, and the same stopper', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = random(seed);
      const w: World = { s: new Scheduler({ limits, maxQueue: 100_000 }), rand, next: 0 };
      let now = T0;
      for (let round = 0; round < 12; round++) {
        admitSome(w, 1 + Math.floor(rand() * 60), now);
        // Time moves on, and sometimes back (a record older than the last one).
        now += rand() < 0.15 ? -Math.floor(rand() * 900) : Math.floor(rand() * 1500);
        const maxCores = [0.5, 1, 4, 16][Math.floor(rand() * 4)]!;
        const fits = (q: QueuedJob) => q.job.cores <= maxCores;
        const picks = 1 + Math.floor(rand() * 5);
        const expected = referencePicks(w.s, now, fits, picks);
        const ranking = w.s.rankingAt(now);
        expect({ seed, round, stopper: summary(ranking.stopper((q) => !fits(q))) }).toEqual({ seed, round, stopper: summary(expected.stopper) });
        const picked: ScoredJob[] = [];
        for (let k = 0; k < picks; k++) {
          const best = ranking.best(fits);
          if (!best) break;
          picked.push(best);
          // Dispatching charges the user: the ranking keeps the terms of its start.
          w.s.dispatch(best.job.id, now);
        }
        expect({ seed, round, picked: picked.map(summary) }).toEqual({ seed, round, picked: expected.picked.map(summary) });
        // Some of what was dispatched ends, moving its user's fair share and the underestimate guard.
        for (const q of picked) if (rand() < 0.5) w.s.complete(q, q.forecast.p90 * (0.2 + rand() * 3), now);
      }
    }
  });

  it('ranks every job a keep accepts as ordered() does', () => {
    const rand = random(99);
    const w: World = { s: new Scheduler({ limits, maxQueue: 100_000 }), rand, next: 0 };
    admitSome(w, 300, T0);
    const now = T0 + 1000;
    const keep = (q: QueuedJob) => q.job.memory <= 4;
    expect(w.s.rankingAt(now).all(keep).map(summary)).toEqual(w.s.ordered(now).filter(keep).map(summary));
  });

  it('finds a job submitted after the pass\'s instant, which has not waited at all', () => {
    // A record older than the jobs it finds queued: their wait, and their ageing, is none yet.
    const s = new Scheduler({ limits });
    for (let i = 0; i < 20; i++) s.admit({ id: `waited-${i}`, user: `u${i}`, tier: 1, arrival: T0 - 100, cores: 1, memory: 1, replicas: 1 }, { p50: 60, p90: 90 });
    s.admit({ id: 'later', user: 'late', tier: 0, arrival: T0 + 1000, cores: 1, memory: 1, replicas: 1 }, { p50: 60, p90: 90 });
    expect(s.rankingAt(T0).best(() => true)?.job.id).toBe(s.ordered(T0)[0]!.job.id);
    expect(s.ordered(T0)[0]!.job.id).toBe('later');
  });

  it('scores a handful of jobs, not the queue, when the best stand out', () => {
    const s = new Scheduler({ limits, maxQueue: 100_000 });
    // Waits of 100 to 600 s: the top tier's lead (1) outweighs any ageing (at most 2 x 600 / 1800).
    for (let i = 0; i < 5000; i++) s.admit({ id: `low-${i}`, user: `u${i % 50}`, tier: 2, arrival: T0 + i / 10, cores: 1, memory: 1, replicas: 1 }, { p50: 60, p90: 90 });
    s.admit({ id: 'top', user: 'u7', tier: 0, arrival: T0 + 500, cores: 1, memory: 1, replicas: 1 }, { p50: 60, p90: 90 });
    let looked = 0;
    const best = s.rankingAt(T0 + 600).best(() => { looked++; return true; });
    expect(best?.job.id).toBe('top');
    expect(looked).toBeLessThan(100);
  });
});
