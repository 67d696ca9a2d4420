import type { Estimate } from '../../../models/code/samples';
import {
  EVIDENCE_STRENGTH_GRID, fitCrossFitted, fitEvidenceStrength, mixEstimates, mixingWeights, type EvidenceStrengths, type ProfiledRequest,
} from '../../../models/demand/evidence-strength';
import { seededRandom } from '../../../models/seeded-random';

const spread = (x: number) => ({ p50: x, p90: x * 1.3, p99: x * 1.6 });
const estimate = (cpuMs: number, memoryMb: number): Estimate => ({ cpu_ms: spread(cpuMs), peak_memory_mb: spread(memoryMb), duration_ms: spread(cpuMs * 1.1) });
const all = (k: number): EvidenceStrengths => ({ cpu_ms: k, peak_memory_mb: k, duration_ms: k });
const prior = all(5);

/**
 * Requests of varied sizes where, for each resource, one side knows the usage (within 10%)
 * while the other says the user's typical 200 ms and 100 MiB whatever the code: what a profile
 * says for a user whose jobs differ, or a code estimate for a cost it cannot read.
 */
function requests(n: number, knows: { cpu: 'code' | 'profile'; memory: 'code' | 'profile' }, seed = 1): ProfiledRequest[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const cpuMs = 10 * 10 ** (i % 4) * (1 + random());
    const memoryMb = 20 + 300 * random();
    const noise = 1 + (random() - 0.5) * 0.2;
    const side = (who: 'code' | 'profile') => estimate(knows.cpu === who ? cpuMs * noise : 200, knows.memory === who ? memoryMb * noise : 100);
    return {
      code: side('code'),
      profile: side('profile'),
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

  it('mixes as the predictor does: in ln(1 + x), memory in bytes, each resource under its own k', () => {
    const mixed = mixEstimates(estimate(9, 1), estimate(9999, 1), 5, prior);
    expect(mixed.cpu_ms.p50).toBeCloseTo(Math.expm1((Math.log(10) + Math.log(10_000)) / 2), 6);
    expect(mixed.peak_memory_mb.p50).toBeCloseTo(1, 9);
    const leaning = mixEstimates(estimate(9, 10), estimate(9999, 1000), 5, { cpu_ms: 10_000, peak_memory_mb: 0.1, duration_ms: 5 });
    expect(leaning.cpu_ms.p50).toBeLessThan(9.1);
    expect(leaning.peak_memory_mb.p50).toBeGreaterThan(900);
  });

  it('learns to trust the code when the profile says the same for every job, and the profile when the code estimate is blind', () => {
    const codeKnows = fitEvidenceStrength(requests(200, { cpu: 'code', memory: 'code' }), { prior, minRows: 20 });
    // At k 1,000 a profile of 31 executions (the most these have) weighs 3%.
    for (const k of Object.values(codeKnows.codeEvidenceStrength)) expect(k).toBeGreaterThanOrEqual(1_000);
    expect(codeKnows.loss!.chosen).toBeLessThan(codeKnows.loss!.prior);
    expect(codeKnows.rows).toBe(200);

    const profileKnows = fitEvidenceStrength(requests(200, { cpu: 'profile', memory: 'profile' }), { prior, minRows: 20 });
    // At k 0.5 a profile of 2 executions (the fewest these have) weighs 80%.
    for (const k of Object.values(profileKnows.codeEvidenceStrength)) expect(k).toBeLessThanOrEqual(0.5);
    expect(profileKnows.loss!.chosen).toBeLessThan(profileKnows.loss!.prior);
  });

  it('fits each resource on its own: a code estimate that reads CPU time but not memory keeps its CPU weight', () => {
    const fit = fitEvidenceStrength(requests(200, { cpu: 'code', memory: 'profile' }), { prior, minRows: 20 });
    expect(fit.codeEvidenceStrength.cpu_ms).toBeGreaterThanOrEqual(1_000);
    expect(fit.codeEvidenceStrength.duration_ms).toBeGreaterThanOrEqual(1_000);
    expect(fit.codeEvidenceStrength.peak_memory_mb).toBeLessThanOrEqual(0.5);
    // One k for all would have to give one of them up.
    const single = Math.min(...EVIDENCE_STRENGTH_GRID.map((k) => fitLossAt(all(k))));
    expect(fit.loss!.chosen).toBeLessThan(single);
  });

  it('keeps the prior on too few requests, and when no other k does better', () => {
    expect(fitEvidenceStrength(requests(19, { cpu: 'code', memory: 'code' }), { prior, minRows: 20 })).toMatchObject({ codeEvidenceStrength: prior, rows: 19, reason: expect.stringContaining('fewer than 20') });
    expect(fitEvidenceStrength([], { prior, minRows: 0 })).toMatchObject({ codeEvidenceStrength: prior, rows: 0 });
    // Both sides say the same: every k predicts alike.
    const agreeing = requests(50, { cpu: 'code', memory: 'code' }).map((r) => ({ ...r, profile: r.code }));
    expect(fitEvidenceStrength(agreeing, { prior: all(50), minRows: 20 })).toMatchObject({ codeEvidenceStrength: all(50), reason: expect.stringContaining('no k scores better') });
  });

  it('cross-fits: each half is mixed under the ks the other half chose, and a resource whose fit fails on the other half keeps its prior', () => {
    // CPU time: the code knows it on every row. Memory: the code knows it on even rows, the profile on odd ones.
    const codeKnows = requests(80, { cpu: 'code', memory: 'code' }, 2);
    const profileKnowsMemory = requests(80, { cpu: 'code', memory: 'profile' }, 3);
    const rows = codeKnows.map((r, i) => (i % 2 === 0 ? r : profileKnowsMemory[i]!));
    const o = { prior, minRows: 20 };
    const evenK = fitEvidenceStrength(rows.filter((_, i) => i % 2 === 0), o).codeEvidenceStrength;
    const oddK = fitEvidenceStrength(rows.filter((_, i) => i % 2 === 1), o).codeEvidenceStrength;
    expect(evenK.peak_memory_mb).toBeGreaterThan(oddK.peak_memory_mb);
    const { fit, mixes } = fitCrossFitted(rows, o);
    const onAll = fitEvidenceStrength(rows, o).codeEvidenceStrength;
    expect(onAll.peak_memory_mb).not.toBe(prior.peak_memory_mb);
    expect(fit.codeEvidenceStrength).toEqual({ ...onAll, peak_memory_mb: prior.peak_memory_mb });
    expect(fit.codeEvidenceStrength.cpu_ms).toBeGreaterThanOrEqual(1_000);
    expect(fit.reason).toContain('peak_memory_mb keeps 5');
    const [even, odd] = [rows[0]!, rows[1]!];
    expect(mixes[0]).toEqual(mixEstimates(even.code, even.profile, even.evidence, { ...oddK, peak_memory_mb: prior.peak_memory_mb }));
    expect(mixes[1]).toEqual(mixEstimates(odd.code, odd.profile, odd.evidence, { ...evenK, peak_memory_mb: prior.peak_memory_mb }));
  });

  it('keeps the prior when the halves are too small to fit on, so a version never ships ks its score did not see', () => {
    // 39 requests: enough for a fit on all of them, which would move every k, but 19 in a half.
    const few = requests(39, { cpu: 'code', memory: 'code' });
    const o = { prior, minRows: 20 };
    expect(fitEvidenceStrength(few, o).codeEvidenceStrength).not.toEqual(prior);
    const { fit, mixes } = fitCrossFitted(few, o);
    expect(fit).toMatchObject({ codeEvidenceStrength: prior, rows: 39, reason: expect.stringContaining('too few to fit on each half') });
    expect(mixes).toEqual(few.map((r) => mixEstimates(r.code, r.profile, r.evidence, prior)));
    expect(fitCrossFitted(requests(40, { cpu: 'code', memory: 'code' }), o).fit.codeEvidenceStrength).not.toEqual(prior);
    // No minimum set still needs a row in each half.
    expect(fitCrossFitted(requests(1, { cpu: 'code', memory: 'code' }), { prior, minRows: 0 }).fit.codeEvidenceStrength).toEqual(prior);
    expect(fitCrossFitted([], { prior, minRows: 0 })).toMatchObject({ fit: { codeEvidenceStrength: prior, rows: 0 }, mixes: [] });
  });
});

/** The mean pinball loss of the mixed-resource requests under one k for every resource. */
function fitLossAt(k: EvidenceStrengths): number {
  return fitEvidenceStrength(requests(200, { cpu: 'code', memory: 'profile' }), { prior: k, minRows: 0, grid: [] }).loss!.prior;
}
