import { LogHistogramLayout, UNSET_KEY } from '../../models/profiles/log-histogram';
import type { ProfileModel } from '../../models/profiles/profile-model';
import type { ProfileMetric, ProfileState } from '../../models/profiles/user-profile';
import type { DecayedDistribution, ExitCounts, UserProfile } from '../../schemas/types.generated';

const MIB = 1024 * 1024;

/** What the profiler keeps per user beside the model's state: figures the model does not track. */
export interface ProfileExtras {
  exits: ExitCounts;
  /** Largest value seen per metric, in the event's units (not decayed). */
  max: { cpuMs: number; peakMemoryBytes: number; ioBytes: number; durationMs: number; interArrivalMs: number };
}

export function emptyExtras(): ProfileExtras {
  return { exits: { ok: 0, error: 0, timeout: 0, oom: 0 }, max: { cpuMs: 0, peakMemoryBytes: 0, ioBytes: 0, durationMs: 0, interArrivalMs: 0 } };
}

/**
 * The UserProfile event for a profile state as of its last event. Quantiles come from the
 * model; the moments are those of the decayed histogram (each bucket at its representative
 * value); hour-of-week rates are the product of the model's hour-of-day and day-of-week rates
 * (the model keeps those two marginals, not the 168-cell joint).
 */
export function profileEvent(model: ProfileModel, userId: string, s: ProfileState, extras: ProfileExtras): UserProfile {
  const asOf = s.lastSeenSeconds;
  const dist = (metric: ProfileMetric, unit: number, max: number) => distribution(model, s, metric, unit, max, asOf);
  return {
    userId,
    updatedAt: new Date(asOf * 1000),
    firstSeenAt: new Date(s.firstSeenSeconds * 1000),
    lastSeenAt: new Date(asOf * 1000),
    halfLifeMs: model.config.usageHalfLifeSeconds * 1000,
    observations: s.events,
    exitCounts: { ...extras.exits },
    cpuMs: dist('cpuMs', 1, extras.max.cpuMs),
    peakMemoryBytes: dist('peakMemoryMb', MIB, extras.max.peakMemoryBytes),
    ioBytes: dist('ioMb', MIB, extras.max.ioBytes),
    durationMs: dist('durationMs', 1, extras.max.durationMs),
    interArrivalMs: dist('interArrivalSeconds', 1000, extras.max.interArrivalMs),
    hourOfWeekRates: hourOfWeek(model, s, asOf),
  };
}

function distribution(model: ProfileModel, s: ProfileState, metric: ProfileMetric, unit: number, max: number, asOf: number): DecayedDistribution {
  const H: LogHistogramLayout = model.layout.histogram;
  const at = model.layout.histogramAt[metric];
  // Raw weights are forward-decayed from the landmark; this brings them to "events as of asOf".
  const toNow = Math.pow(2, (s.landmarkSeconds - asOf) / model.config.usageHalfLifeSeconds);
  const bounds: number[] = [LogHistogramLayout.ZERO];
  const weights: number[] = [s.data[at + 1]! * toNow];
  const minKey = s.data[at]!;
  if (minKey !== UNSET_KEY) {
    for (let i = 0; i < H.buckets; i++) {
      bounds.push(Math.pow(H.gamma, minKey + i) * unit);
      weights.push(s.data[at + 2 + i]! * toNow);
    }
  }
  const total = weights.reduce((a, b) => a + b, 0);
  let mean = 0;
  let squares = 0;
  if (total > 0) {
    weights.forEach((w, i) => {
      const v = i === 0 ? 0 : H.value(minKey + i - 1) * unit;
      mean += (w * v) / total;
      squares += (w * v * v) / total;
    });
  }
  const q = (p: number) => (total > 0 ? H.quantile(s.data, at, p) * unit : 0);
  const p50 = q(0.5);
  const p90 = Math.max(p50, q(0.9));
  return {
    weight: total,
    ewma: mean,
    ewmVariance: Math.max(0, squares - mean * mean),
    p50,
    p90,
    p99: Math.max(p90, q(0.99)),
    max,
    bucketUpperBounds: bounds,
    bucketWeights: weights,
  };
}

function hourOfWeek(model: ProfileModel, s: ProfileState, asOf: number): number[] {
  const { byHour, byDay } = model.arrivalRates(s, asOf);
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  const hourMean = byHour.reduce((a, b) => a + finite(b), 0) / 24;
  return Array.from({ length: 168 }, (_, i) => {
    const day = Math.floor(i / 24);
    const hour = i % 24;
    return hourMean > 0 ? (finite(byHour[hour]!) * finite(byDay[day]!)) / hourMean : 0;
  });
}
