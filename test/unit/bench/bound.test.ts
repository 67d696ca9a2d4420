import { drainBound } from '../../../streams/bench/bound';

describe('what held a drain back', () => {
  const drain = { spanSeconds: 24, instances: 1 };

  it('names the worker\'s main thread when it ran nearly all the drain on a machine with idle cores', () => {
    // This session's pipeline drains: 21.5 s of a 24 s drain, the machine 72% busy.
    expect(drainBound({ ...drain, machineBusyShare: 0.72, mainThreadRunMs: 21_500 })).toEqual({
      by: 'main-thread', reason: 'the worker\'s main thread (main thread ran 90% of the drain, machine 72% busy)',
    });
  });

  it('names the machine when its cores were all but full, whatever the thread did', () => {
    expect(drainBound({ ...drain, machineBusyShare: 0.96, mainThreadRunMs: 21_500 }).by).toBe('machine');
    expect(drainBound({ ...drain, machineBusyShare: 0.95, mainThreadRunMs: 5_000 }).by).toBe('machine');
  });

  it('says the worker waited when neither was full', () => {
    expect(drainBound({ ...drain, machineBusyShare: 0.6, mainThreadRunMs: 12_000 }).by).toBe('waiting');
  });

  it('takes each instance\'s thread on its own: two half-busy threads are not one full one', () => {
    expect(drainBound({ ...drain, instances: 2, machineBusyShare: 0.7, mainThreadRunMs: 24_000 }).by).toBe('waiting');
    expect(drainBound({ ...drain, instances: 2, machineBusyShare: 0.85, mainThreadRunMs: 44_000 }).by).toBe('main-thread');
  });

  it('does not guess without figures', () => {
    expect(drainBound({ ...drain, machineBusyShare: null, mainThreadRunMs: 21_500 }).by).toBe('unknown');
    expect(drainBound({ ...drain, machineBusyShare: 0.7, mainThreadRunMs: NaN }).by).toBe('unknown');
  });
});
