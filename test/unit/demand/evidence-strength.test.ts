import type { Estimate } from '../../../models/code/samples';
import {
  crossFittedMixes, fitEvidenceStrength, mixEstimates, mixingWeights, type ProfiledRequest,
} from '../../../models/demand/evidence-strength';
import { seededRandom } from '../../../models/seeded-random';

const spread = (x: number) => ({ p50: x, p90: x * 1.3, p99: x * 1.6 });
const estimate = (cpuMs: number, memoryMb: number): Estimate => ({ cpu_ms: spread(cpuMs), peak_memory_mb: spread(memoryMb), duration_ms: spread(cpuMs * 1.1) });

/**
 * Requests of varied sizes whose usage one side knows (within 10%) while the other says the
 * user's typical 200 ms and 100 MiB whatever the code: what a profile says for a user whose
 * jobs differ, or a code estimate for code whose cost it cannot read.
 */
function requests(n: number, knows: 'code' | 'profile', seed = 1): ProfiledRequest[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const cpuMs = 10 * 10 ** (i % 4) * (1 + random());
    const memoryMb = 20 + 300 * random();
    const noise = 1 + (random() - 0.5) * 0.2;
    const knowing = estimate(cpuMs * noise, memoryMb * noise);
    const typical = estimate(200, 100);
    return {
      code: knows === 'code' ? knowing : typical,
      profile: knows === 'profile' ? knowing : typical,
      evidence: 2 + (i % 30),
      actual: { cpu_ms: cpuMs, peak_memory_mb: memoryMb, duration_ms: cpuMs * 1.1 },
    };
  });
}

describe('how far a user profile outweighs the code estimate', () => {
  it('weighs n decayed executions against k: the code alone without a profile, half each at n = k', () => {
    expect(mixingWeights(0, 5)).toEqual({ code: 1, profile: 0 });
    expect(mixingWeights(5, 5)).toEqual({ code: 0.5, profile: 0.5 });
    const w = mixingWeights(30, 10);
    expect(w.code + w.profile).toBeCloseTo(1, 12);
    expect(w.profile).toBeCloseTo(0.75, 12);
  });

  it('mixes as the predictor does: in ln(1 + x), memory in bytes, so equal weights meet at the geometric middle', () => {
    const mixed = mixEstimates(estimate(9, 1), estimate(9999, 1), 5, 5);
    expect(mixed.cpu_ms.p50).toBeCloseTo(Math.expm1((Math.log(10) + Math.log(10_000)) / 2), 6);
    expect(mixed.peak_memory_mb.p50).toBeCloseTo(1, 9);
  });

  it('learns to trust the code when the profile says the same for every job, and the profile when the code estimate is blind', () => {
    const codeKnows = fitEvidenceStrength(requests(200, 'code'), { prior: 5, minRows: 20 });
    // At k 1,000 a profile of 31 executions (the most these have) weighs 3%.
    expect(codeKnows.codeEvidenceStrength).toBeGreaterThanOrEqual(1_000);
    expect(codeKnows.loss!.chosen).toBeLessThan(codeKnows.loss!.prior);
    expect(codeKnows.rows).toBe(200);

    const profileKnows = fitEvidenceStrength(requests(200, 'profile'), { prior: 5, minRows: 20 });
    // At k 0.5 a profile of 2 executions (the fewest these have) weighs 80%.
    expect(profileKnows.codeEvidenceStrength).toBeLessThanOrEqual(0.5);
    expect(profileKnows.loss!.chosen).toBeLessThan(profileKnows.loss!.prior);
  });

  it('keeps the prior on too few requests, and when no other k does better', () => {
    expect(fitEvidenceStrength(requests(19, 'code'), { prior: 5, minRows: 20 })).toMatchObject({ codeEvidenceStrength: 5, rows: 19, reason: expect.stringContaining('fewer than 20') });
    // Both sides say the same: every k predicts alike.
    const agreeing = requests(50, 'code').map((r) => ({ ...r, profile: r.code }));
    expect(fitEvidenceStrength(agreeing, { prior: 50, minRows: 20 })).toMatchObject({ codeEvidenceStrength: 50, reason: expect.stringContaining('no k scores better') });
  });

  it('cross-fits: each half of the requests is mixed under the k the other half chose', () => {
    // Even rows: the code knows; odd rows: the profile does. Each half's own k would suit it; the other's does not.
    const code = requests(80, 'code', 2);
    const profile = requests(80, 'profile', 3);
    const alternating = code.map((r, i) => (i % 2 === 0 ? r : profile[i]!));
    const o = { prior: 5, minRows: 20 };
    const mixes = crossFittedMixes(alternating, o);
    const evenK = fitEvidenceStrength(alternating.filter((_, i) => i % 2 === 0), o).codeEvidenceStrength;
    const oddK = fitEvidenceStrength(alternating.filter((_, i) => i % 2 === 1), o).codeEvidenceStrength;
    expect(evenK).toBeGreaterThan(oddK);
    const [even, odd] = [alternating[0]!, alternating[1]!];
    expect(mixes[0]).toEqual(mixEstimates(even.code, even.profile, even.evidence, oddK));
    expect(mixes[1]).toEqual(mixEstimates(odd.code, odd.profile, odd.evidence, evenK));
  });
});
