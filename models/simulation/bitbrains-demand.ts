import type { Series } from '../forecasting/forecaster';
import { sumSeries } from '../forecasting/cluster-series';
import type { BitbrainsGrid } from '../traces/bitbrains';

/**
 * The cluster's CPU demand in cores: each VM (one user) converts MHz to cores with its own MHz
 * per core, then the VMs are summed (a VM missing for a few steps keeps its last value).
 */
export function bitbrainsDemandCores(grid: BitbrainsGrid): Series {
  const members: Series[] = [];
  for (const vmId of grid.vmIds) {
    const mhz = grid.series.get(vmId)?.cpuUsageMhz;
    const perCore = grid.mhzPerCore.get(vmId);
    if (!mhz || !perCore) continue;
    members.push({ startSeconds: grid.startSeconds, stepSeconds: grid.stepSeconds, values: mhz.map((v) => v / perCore) });
  }
  return sumSeries(members);
}

/** Splits a series at event time `t`: steps starting before t, and the rest. */
export function splitSeries(s: Series, t: number): [Series, Series] {
  const cut = Math.max(0, Math.min(s.values.length, Math.ceil((t - s.startSeconds) / s.stepSeconds)));
  return [
    { startSeconds: s.startSeconds, stepSeconds: s.stepSeconds, values: s.values.slice(0, cut) },
    { startSeconds: s.startSeconds + cut * s.stepSeconds, stepSeconds: s.stepSeconds, values: s.values.slice(cut) },
  ];
}

/** Largest finite value of the steps overlapping [from, to); 0 outside the series. */
export function peakBetween(s: Series, from: number, to: number): number {
  const a = Math.max(0, Math.floor((from - s.startSeconds) / s.stepSeconds));
  const b = Math.min(s.values.length - 1, Math.ceil((to - s.startSeconds) / s.stepSeconds) - 1);
  let peak = 0;
  for (let i = a; i <= b; i++) {
    const v = s.values[i]!;
    if (Number.isFinite(v) && v > peak) peak = v;
  }
  return peak;
}
