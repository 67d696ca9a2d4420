import type { Series } from '../forecasting/forecaster';
import { totalCores } from '../scheduling/job';
import type { TraceJob } from '../traces/jobs';

/**
 * The cores jobs would hold if each started on arrival: per step, the peak of requested cores
 * running at once. The training part feeds static and predictive; the simulated part is what
 * the oracle knows exactly.
 */
export function concurrencyProfile(jobs: readonly TraceJob[], startSeconds: number, endSeconds: number, stepSeconds: number): Series {
  const steps = Math.max(1, Math.ceil((endSeconds - startSeconds) / stepSeconds));
  const events: [number, number][] = [];
  for (const j of jobs) {
    events.push([j.arrival, totalCores(j)], [j.arrival + j.durationSeconds, -totalCores(j)]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const values = new Float64Array(steps);
  let level = 0;
  let k = 0;
  for (let i = 0; i < steps; i++) {
    const from = startSeconds + i * stepSeconds;
    const to = from + stepSeconds;
    while (k < events.length && events[k]![0] <= from) level += events[k++]![1];
    let peak = level;
    while (k < events.length && events[k]![0] < to) {
      level += events[k++]![1];
      if (level > peak) peak = level;
    }
    values[i] = Math.max(0, peak);
  }
  return { startSeconds, stepSeconds, values };
}
