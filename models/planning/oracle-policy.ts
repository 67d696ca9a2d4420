import type { ClusterView, ScaleDecision, ScalingPolicy } from './types';

/**
 * The future an oracle is given: the most instances that must be ready at any moment in
 * [from, to) for no work to wait (fluid: the peak cores over instance cores; jobs: the instances
 * the simulator's own placement occupies when every job starts as early as it can).
 */
export type NeededInstances = (fromSeconds: number, toSeconds: number) => number;

/**
 * The lower bound: knows the future exactly and holds, at every decision, exactly the instances
 * needed before a launch decided at the next decision could be ready:
 *   desired(now) = needed over [now, now + control + lead).
 * Necessary: an instance that must be ready at t was launched at a decision no later than
 * t - lead, and decisions come every `control` seconds, so for any t before now + control + lead
 * that decision is now or earlier and the instance must be in the fleet now. Sufficient: what
 * launches now is ready by now + lead, and scale-in removes the newest instances first, so the
 * instances kept for t are the oldest, ready by then. So no work waits for capacity (beyond a
 * starting fleet too small for the first lead), and no policy under which no work waits pays for
 * fewer instances at any moment: another policy pays less only by letting work wait.
 * `leadSeconds` is the longest a launch takes to get ready (boot delay plus any jitter).
 */
export function oraclePolicy(needed: NeededInstances, leadSeconds: number, controlSeconds: number): ScalingPolicy {
  if (!(leadSeconds >= 0) || !(controlSeconds > 0)) throw new RangeError('oracle needs leadSeconds >= 0 and controlSeconds > 0');
  return {
    name: 'oracle',
    decide(view: ClusterView): ScaleDecision {
      const ahead = needed(view.now, view.now + controlSeconds + leadSeconds);
      // Fluid work already waiting (a starting fleet too small) drains over the next interval.
      const now = needed(view.now, view.now + controlSeconds);
      const drain = Math.ceil(view.backlogCoreSeconds / controlSeconds / view.instanceCores - 1e-9);
      const desired = Math.max(ahead, now + drain);
      return {
        desired,
        reason: 'oracle_exact',
        explanation: `exact future: ${ahead} instances needed before +${controlSeconds + leadSeconds}s${drain > 0 ? `, ${now} now + ${drain} to drain the backlog` : ''}`,
      };
    },
  };
}
