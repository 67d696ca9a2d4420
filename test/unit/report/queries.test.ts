import { bucketWidthMs, runIdPattern } from '../../../sinks/report/queries';

describe('bucketWidthMs', () => {
  it('picks the smallest round width giving at most the buckets asked for', () => {
    expect(bucketWidthMs(10 * 60_000, 120)).toBe(5_000);
    expect(bucketWidthMs(2 * 3_600_000, 120)).toBe(60_000);
    expect(bucketWidthMs(2 * 3_600_000 + 1, 120)).toBe(120_000);
    expect(bucketWidthMs(10 * 60_000, 40)).toBe(15_000);
    expect(bucketWidthMs(500, 120)).toBe(1_000);
  });

  it('falls back to whole days for very long windows', () => {
    expect(bucketWidthMs(400 * 86_400_000, 120)).toBe(4 * 86_400_000);
  });
});

describe('runIdPattern', () => {
  it('matches the run id literally, then a slash', () => {
    expect(runIdPattern('run-1')).toBe('run-1/%');
    expect(runIdPattern('a_b%c\\d')).toBe('a\\_b\\%c\\\\d/%');
  });
});
