import { CARRY_FORWARD_STEPS } from './cluster-series';
import { PERSISTENCE, type Candidate } from './evaluation';
import type { Series } from './forecaster';
import { lastFiniteIndex } from './point-model';

const BOTTOM_UP_PREFIX = 'bottom_up_';

/**
 * Bottom-up (hierarchical) cluster forecasts, one per member model: the cluster's own persistence
 * forecast plus the sum over members of that model's predicted change from the member's last
 * value. Anchoring on the cluster's last value rather than summing member levels keeps the
 * forecast on the cluster's grid (the carry-forward of sumSeries), and with every member under
 * persistence it is cluster persistence exactly, so the candidate differs from the baseline only
 * by what the member models foresee (a spike reverting, a ramp continuing).
 *
 * A member counts at an origin only while sumSeries counts it (a report within the carry-forward),
 * so a member switched off contributes no predicted change to a sum it is no longer part of.
 * Sums accumulate member by member: the cluster never needs every member's paths in memory.
 *
 * Not a guaranteed gain: a sum of member medians is not the median of the sum. Members that spike
 * only upwards have medians below their means, and the shortfalls add up over members while the
 * noise they remove partly cancels in the sum anyway; members switching level together (a batch
 * job across VMs) make every member's reversion wrong at once. Hence these are candidates that
 * must beat cluster persistence on validation like any other.
 */
export class BottomUpSums {
  private readonly deltas: Map<string, Float64Array>;
  private memberCount = 0;

  /**
   * `models`: member candidates to sum; `predFrom`, `origins` and `horizon` give the layout of
   * every Candidate.pred (origins [predFrom, predFrom + origins), PointModel layout).
   */
  constructor(
    models: readonly string[],
    private readonly predFrom: number,
    private readonly origins: number,
    private readonly horizon: number,
    private readonly carryForwardSteps = CARRY_FORWARD_STEPS,
  ) {
    if (models.includes(PERSISTENCE)) throw new RangeError('persistence is the anchor of every bottom-up sum, not a member model');
    this.deltas = new Map(models.map((m) => [m, new Float64Array(origins * horizon)]));
  }

  get members(): number {
    return this.memberCount;
  }

  /** Adds one member's predicted changes; `candidates` must include persistence and every summed model. */
  add(member: Series, candidates: readonly Candidate[]): void {
    const size = this.origins * this.horizon;
    const byName = new Map(candidates.map((c) => [c.name, c.pred]));
    const persistence = byName.get(PERSISTENCE);
    if (!persistence) throw new RangeError(`a member needs the ${PERSISTENCE} candidate`);
    const last = lastFiniteIndex(member.values);
    for (const [name, sum] of this.deltas) {
      const pred = byName.get(name);
      if (!pred) throw new RangeError(`member has no '${name}' candidate to sum`);
      if (pred.length !== size || persistence.length !== size) throw new RangeError('member predictions do not match the bottom-up layout');
      for (let k = 0; k < this.origins; k++) {
        const o = this.predFrom + k;
        if (last[o]! < 0 || o - last[o]! > this.carryForwardSteps) continue;
        for (let i = k * this.horizon; i < (k + 1) * this.horizon; i++) {
          const d = pred[i]! - persistence[i]!;
          if (Number.isFinite(d)) sum[i]! += d;
        }
      }
    }
    this.memberCount++;
  }

  /** One candidate per summed model, `bottom_up_<model>`, anchored on the cluster's persistence path. */
  candidates(clusterPersistence: Float64Array): Candidate[] {
    if (this.memberCount === 0) throw new RangeError('no members added');
    if (clusterPersistence.length !== this.origins * this.horizon) throw new RangeError('cluster persistence does not match the bottom-up layout');
    return [...this.deltas].map(([name, sum]) => ({
      name: `${BOTTOM_UP_PREFIX}${name}`,
      pred: clusterPersistence.map((p, i) => p + sum[i]!),
    }));
  }
}
