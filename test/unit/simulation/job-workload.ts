import type { TraceJob } from '../../../models/traces/jobs';

/**
 * Six hours of seeded, bursty jobs from seven users in three tiers: mostly single-replica, some
 * wide (up to 12 replicas) and some memory-heavy, so a small fleet fragments and wide jobs starve.
 */
export function workload(seed: number): TraceJob[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const jobs: TraceJob[] = [];
  for (let t = 0, k = 0; t < 6 * 3600; t += Math.floor(rand() * 40)) {
    const burst = Math.floor(t / 1200) % 3 === 1 ? 4 : 1;
    for (let b = 0; b < burst; b++, k++) {
      const u = Math.floor(rand() * 7);
      jobs.push({
        id: `j${k}`, user: `u${u}`, tier: u % 3, arrival: 1000 + t, cores: [0.5, 1, 2, 4, 8][Math.floor(rand() * 5)]!,
        memory: rand() < 0.3 ? 0.5 * rand() : 0.05, replicas: rand() < 0.1 ? 1 + Math.floor(rand() * 12) : 1, durationSeconds: 20 + Math.floor(rand() * 900),
      });
    }
  }
  return jobs;
}
