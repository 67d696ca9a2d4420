import { availableParallelism } from 'node:os';

/**
 * Node flags for a process that runs stream processors.
 *
 * `--v8-pool-size`: a processor's work is one JavaScript thread; V8 adds a pool of helper threads
 * (concurrent marking, parallel scavenges, background compiles), four by default. On a small
 * machine shared with a broker those helpers take the cores the event loop needs, and every
 * record behind the event loop waits. On 2 cores, `prm bench pipeline`'s p99 at 5,000 requests/s
 * was 113 to 142 ms with the default pool and 76 to 87 ms with one helper. So: one core fewer
 * than the machine has, at most V8's default.
 *
 * `--max-semi-space-size=64` (MB; V8's default tops out at 16): every record allocates its
 * decoded event, analysis lookups and encoded outputs, all dead by the transaction's end, so a
 * processor's garbage is nearly all young. A larger nursery scavenges less often and each
 * scavenge finds the same few survivors. In `prm bench pipeline`, alternating runs on one broker
 * (2 cores): scavenges 130 to 35 while draining 100,000 requests, GC time 1.4-2.0 s to 1.0-1.1 s,
 * worker CPU per 1,000 requests 164-178 ms to 145-150 ms. It costs up to about 3 × 64 MB of heap
 * per process.
 *
 * `--no-allocation-site-pretenuring`: V8 allocates straight in the old generation the objects of
 * an allocation site whose objects have survived scavenges, which a processor's sites do while a
 * transaction holds them (its outputs, the chunk's bookkeeping). Those die soon after, but in the
 * old generation, and until a full collection finds them dead everything they point to in the
 * nursery is kept and copied by every scavenge. Which sites V8 pretenures changes from run to run:
 * in `prm bench pipeline` at 5,000 requests/s the scavenges copied 2.7 to 7 MB each with it (three
 * runs), 3.6 MB without (two). Alternating runs on one broker (2 cores, seven pairs): p99 at
 * 5,000/s 42-82 ms (median 54) against 56-107 (71), lower in five pairs of seven; GC time at that
 * rate 653-784 ms against 679-1,113; draining 25,441-36,068 requests/s (median 31,348) against
 * 24,600-30,900 (28,813) at a tenth less CPU. Long-lived state (a running job) is now copied out
 * of the nursery instead of allocated in the old generation, which costs less than what
 * pretenuring kept alive.
 *
 * Deployments pass them in NODE_OPTIONS (see the README); the bench starts its workers with them.
 */
export function processorNodeFlags(cores = availableParallelism()): string[] {
  return [`--v8-pool-size=${Math.max(1, Math.min(4, cores - 1))}`, '--max-semi-space-size=64', '--no-allocation-site-pretenuring'];
}
