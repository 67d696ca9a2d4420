import { availableParallelism } from 'node:os';

/**
 * Node flags for a process that runs stream processors. A processor's work is one JavaScript
 * thread; V8 adds a pool of helper threads (concurrent marking, parallel scavenges, background
 * compiles), four by default. On a small machine shared with a broker those helpers take the
 * cores the event loop needs, and every record behind the event loop waits. On 2 cores,
 * `prm bench pipeline`'s p99 at 5,000 requests/s was 113 to 142 ms with the default pool and
 * 76 to 87 ms with one helper. So: one core fewer than the machine has, at most V8's default.
 * Deployments pass them in NODE_OPTIONS (see the README); the bench starts its workers with them.
 */
export function processorNodeFlags(cores = availableParallelism()): string[] {
  return [`--v8-pool-size=${Math.max(1, Math.min(4, cores - 1))}`];
}
