import { seededRandom } from '../../models/seeded-random';
import type { ExecutionRequest, UserTier } from '../../schemas/types.generated';

export interface RequestMixOptions {
  /** Source programs to draw code from (the code corpus). */
  programs: readonly string[];
  /** Distinct users; their activity is Zipf-distributed, as on a real service. Default 2000. */
  users?: number;
  /**
   * Share of requests whose code no one sent before (a unique comment makes its hash new), so the
   * analyser's cache misses as it would on first-seen code. Default 0: only corpus programs.
   */
  novelCode?: number;
  seed?: number;
  /** Prefix of request ids: a run's requests never collide with another run's. */
  runId: string;
}

/** Tier shares by user: few enterprise users, many free ones. */
const tierShares: [UserTier, number][] = [['ENTERPRISE', 0.05], ['PREMIUM', 0.15], ['STANDARD', 0.4], ['FREE', 0.4]];

/**
 * A realistic, reproducible stream of execution requests: many users with Zipf (s = 1.1)
 * activity, each with a fixed tier and a few favourite corpus programs it mostly resubmits (a
 * user iterates on its own code), priorities spread 0-9, and optionally some first-seen code.
 */
export class RequestMix {
  private readonly random: () => number;
  private readonly cdf: Float64Array;
  private readonly tiers: UserTier[];
  private readonly programs: readonly string[];
  private readonly novelCode: number;
  private readonly runId: string;
  private n = 0;

  constructor(o: RequestMixOptions) {
    const users = o.users ?? 2000;
    if (o.programs.length === 0) throw new RangeError('a request mix needs at least one program');
    if (!Number.isInteger(users) || users < 1) throw new RangeError(`users must be a positive integer, got ${users}`);
    this.novelCode = o.novelCode ?? 0;
    if (!(this.novelCode >= 0 && this.novelCode <= 1)) throw new RangeError(`novelCode must be in [0, 1], got ${this.novelCode}`);
    this.random = seededRandom(o.seed ?? 1);
    this.programs = o.programs;
    this.runId = o.runId;
    this.cdf = new Float64Array(users);
    let total = 0;
    for (let u = 0; u < users; u++) this.cdf[u] = total += 1 / Math.pow(u + 1, 1.1);
    for (let u = 0; u < users; u++) this.cdf[u] = this.cdf[u]! / total;
    this.tiers = Array.from({ length: users }, () => {
      let r = this.random();
      for (const [tier, share] of tierShares) if ((r -= share) < 0) return tier;
      return 'FREE';
    });
  }

  next(submittedAtMs: number): ExecutionRequest {
    const user = this.user();
    const requestId = `${this.runId}-${this.n++}`;
    // Mostly the user's own few programs (cubed draw: skewed to the first), sometimes any.
    const favourite = (user * 7919 + Math.floor(this.random() ** 3 * 8)) % this.programs.length;
    const program = this.random() < 0.9 ? favourite : Math.floor(this.random() * this.programs.length);
    let code = this.programs[program]!;
    if (this.novelCode > 0 && this.random() < this.novelCode) code = `${code}\n// ${requestId}\n`;
    return {
      requestId, userId: `user-${user}`, tier: this.tiers[user]!, priority: Math.floor(this.random() * 10), language: 'JAVASCRIPT',
      code, submittedAt: new Date(submittedAtMs), deadline: null, resourceHints: null,
    };
  }

  private user(): number {
    const r = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
