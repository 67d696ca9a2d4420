import type { Series } from './forecaster';

/** Steps a member's last value stands in for missing reports before it counts as absent. */
export const CARRY_FORWARD_STEPS = 3;

/**
 * The cluster's demand: the sum over members at each step. A member that skipped a step (the
 * trace's samples jitter around the grid) keeps its last value for up to `carryForwardSteps`;
 * beyond that it counts as absent (0), as a switched-off VM would. A step where no member
 * reported or carried is NaN.
 */
export function sumSeries(members: Series[], carryForwardSteps = CARRY_FORWARD_STEPS): Series {
  if (members.length === 0) throw new RangeError('no series to sum');
  const { startSeconds, stepSeconds } = members[0]!;
  const length = members[0]!.values.length;
  for (const m of members) {
    if (m.startSeconds !== startSeconds || m.stepSeconds !== stepSeconds || m.values.length !== length) {
      throw new RangeError('series to sum must share one grid');
    }
  }
  const sum = new Float64Array(length);
  const seen = new Uint8Array(length);
  for (const m of members) {
    let last = NaN;
    let age = Infinity;
    for (let i = 0; i < length; i++) {
      const v = m.values[i]!;
      if (Number.isFinite(v)) { last = v; age = 0; } else age++;
      if (age <= carryForwardSteps) { sum[i]! += last; seen[i] = 1; }
    }
  }
  for (let i = 0; i < length; i++) if (!seen[i]) sum[i] = NaN;
  return { startSeconds, stepSeconds, values: sum };
}
