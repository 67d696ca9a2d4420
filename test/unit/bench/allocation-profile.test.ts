import { allocationsKept } from '../../../streams/bench/allocation-profile';

describe('PRM_BENCH_ALLOC_PROFILE_KEEP', () => {
  it('keeps every allocation unless told otherwise', () => {
    expect(allocationsKept(undefined)).toBe('all');
    expect(allocationsKept('')).toBe('all');
  });

  it('takes each of its choices', () => {
    expect(allocationsKept('survivors')).toBe('survivors');
    expect(allocationsKept('live')).toBe('live');
    expect(allocationsKept('all')).toBe('all');
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => allocationsKept('promoted')).toThrow("PRM_BENCH_ALLOC_PROFILE_KEEP must be one of all, survivors, live, got 'promoted'");
  });
});
