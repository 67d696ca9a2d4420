/**
 * How a pool's instances are divided between scheduler tasks. Each task orders and admits only
 * the jobs of its own users (its partition), so each needs a budget of the pool it may reserve;
 * budgets that add up to the fleet keep the tasks from reserving one instance twice. Fixed equal
 * budgets strand capacity: one user's burst can then use a task's sixth of the fleet while the
 * rest idles, and the planner, which scales for the whole backlog, adds instances the busy task
 * cannot use. So budgets follow demand, as Mesos' and YARN's allocators divide a cluster:
 * every task keeps a floor, so a new arrival anywhere can start before the next allotment; the
 * rest is shared max-min fair over what the tasks ask for beyond their floor (a small demand is
 * met in full, the biggest ones split what is left equally); capacity nobody asks for is split
 * equally, so it is ready wherever demand appears next.
 */

/** Share of the fleet kept as every task's floor, split equally: a quarter of an equal split each. */
export const DEFAULT_FLOOR_FRACTION = 0.25;

/**
 * Each task's share of `instances`, in instances, from its demand in instances (running
 * reservations plus queue). The shares add up to `instances`. A demand that is not a finite
 * non-negative number counts as none: one task's bad report cannot take the fleet.
 */
export function allotTaskShares(instances: number, demands: readonly number[], floorFraction = DEFAULT_FLOOR_FRACTION): number[] {
  const tasks = demands.length;
  if (tasks === 0) return [];
  if (!(floorFraction >= 0 && floorFraction <= 1)) throw new RangeError(`floorFraction must be within [0, 1], got ${floorFraction}`);
  const fleet = Number.isFinite(instances) && instances > 0 ? instances : 0;
  const floor = (fleet * floorFraction) / tasks;
  const shares = demands.map(() => floor);
  let left = fleet - floor * tasks;
  const beyondFloor = demands.map((d) => (Number.isFinite(d) && d > floor ? d - floor : 0));
  // Water-filling, smallest want first: each gets its want or an equal part of what is left.
  const order = beyondFloor.map((_, i) => i).sort((a, b) => beyondFloor[a]! - beyondFloor[b]! || a - b);
  order.forEach((task, k) => {
    const give = Math.min(beyondFloor[task]!, left / (tasks - k));
    shares[task]! += give;
    left -= give;
  });
  if (left > 0) for (let i = 0; i < tasks; i++) shares[i]! += left / tasks;
  return shares;
}
