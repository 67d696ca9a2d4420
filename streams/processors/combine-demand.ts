import type { DemandComponent, Quantiles } from '../../schemas/types.generated';

type Resource = 'cpuMs' | 'peakMemoryBytes' | 'ioBytes' | 'durationMs';
const resources: readonly Resource[] = ['cpuMs', 'peakMemoryBytes', 'ioBytes', 'durationMs'];

/** A component's estimate of each resource; a resource it knows nothing about is absent. */
export type ComponentEstimate = Omit<DemandComponent, Resource | 'weight'> & Partial<Record<Resource, Quantiles>>;

export interface CombinedDemand {
  cpuMs: Quantiles;
  peakMemoryBytes: Quantiles;
  ioBytes: Quantiles;
  durationMs: Quantiles;
  components: DemandComponent[];
}

const zero: Quantiles = { p50: 0, p90: 0, p99: 0 };

/**
 * Mixes the estimates per quantile as a weighted mean of ln(1 + value): usage spans orders of
 * magnitude, so a profile saying 10 ms and code saying 1000 ms meet near 100 ms, not 505 ms.
 * A resource only some components estimate is mixed from those, their weights renormalised.
 * Quantiles come out ordered (each input is, and the mean is monotone in every input).
 */
export function combineDemand(estimates: readonly { estimate: ComponentEstimate; weight: number }[]): CombinedDemand {
  const total = estimates.reduce((s, e) => s + e.weight, 0);
  if (estimates.length === 0 || !(total > 0)) throw new RangeError('combining demand needs at least one component with positive weight');
  const out = { components: [] } as unknown as CombinedDemand;
  for (const r of resources) {
    const known = estimates.filter((e) => e.estimate[r] !== undefined && e.weight > 0);
    const w = known.reduce((s, e) => s + e.weight, 0);
    out[r] = known.length === 0 ? zero : ordered(mix(known.map((e) => ({ q: e.estimate[r]!, w: e.weight / w }))));
  }
  out.components = estimates.map(({ estimate, weight }) => ({
    ...estimate,
    weight: weight / total,
    cpuMs: estimate.cpuMs ?? zero,
    peakMemoryBytes: estimate.peakMemoryBytes ?? zero,
    ioBytes: estimate.ioBytes ?? zero,
    durationMs: estimate.durationMs ?? zero,
  }));
  return out;
}

function mix(parts: { q: Quantiles; w: number }[]): Quantiles {
  const at = (k: keyof Quantiles) => Math.expm1(parts.reduce((s, p) => s + p.w * Math.log1p(Math.max(0, p.q[k])), 0));
  return { p50: at('p50'), p90: at('p90'), p99: at('p99') };
}

/** Guards against float noise putting p90 a hair under p50. */
function ordered(q: Quantiles): Quantiles {
  const p90 = Math.max(q.p50, q.p90);
  return { p50: q.p50, p90, p99: Math.max(p90, q.p99) };
}
