import { processFacts, type SoakSample } from '../../../streams/verify-faults/soak';

/** Samples every 60 s over the second half of a 30-minute soak, for one process 'p'. */
function second(rss: (t: number) => number, nursery?: (t: number) => number): SoakSample[] {
  return Array.from({ length: 16 }, (_, i) => {
    const t = 900 + i * 60;
    // A process without the heap probe has RSS samples only.
    const probed = (v: number): Record<string, number> => (nursery ? { p: v } : {});
    return {
      t, rssMiB: { p: rss(t) }, heapMiB: probed(30), liveMiB: probed(20), heapCommittedMiB: probed((nursery?.(t) ?? 0) + 40), nurseryMiB: probed(nursery?.(t) ?? 0), externalMiB: probed(5),
      lag: { p: 3 }, totalLag: 3, requests: 0, finished: 0,
    };
  });
}

describe('a soak process\'s memory facts', () => {
  it('does not judge a step in RSS that is the nursery growing to its bound, and reports both', () => {
    // Shaped on the fleet broadcast's, thirtieth session: its nursery 64 -> 128 MiB once, its RSS up as much, then flat.
    const samples = second((t) => (t < 1050 ? 158 : 212) - (t - 900) / 600, (t) => (t < 1050 ? 64 : 128));
    const facts = processFacts(samples, samples, 'p', 128);
    expect(facts.rssSlopeMiBPerHour).toBeGreaterThan(128);
    expect(facts.nurseryGrowthMiB).toBe(64);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeLessThan(0);
    expect(facts.flat).toBe(true);
  });

  it('fails memory that grows outside the nursery', () => {
    const samples = second((t) => 150 + (t - 900) / 15, () => 128); // 240 MiB an hour
    const facts = processFacts(samples, samples, 'p', 128);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeCloseTo(240, 0);
    expect(facts.flat).toBe(false);
  });

  it('tells growth of the committed old generation from growth of the live heap and of native memory', () => {
    // RSS up 60 MiB an hour, all of it V8 keeping more heap committed; what it holds live and
    // what lies outside the heap flat.
    const samples = second((t) => 150 + (t - 900) / 60, () => 64).map((s) => ({
      ...s, heapCommittedMiB: { p: 64 + 40 + (s.t - 900) / 60 }, liveMiB: { p: 20 },
    }));
    const facts = processFacts(samples, samples, 'p', 128);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeCloseTo(60, 0);
    expect(facts.oldCommittedSlopeMiBPerHour).toBeCloseTo(60, 0);
    expect(facts.liveSlopeMiBPerHour).toBe(0);
    expect(facts.outsideHeapSlopeMiBPerHour).toBe(0);
  });

  it('judges the plain RSS of a process that never reported its heap', () => {
    const samples = second((t) => (t < 1050 ? 158 : 212));
    const facts = processFacts(samples, samples, 'p', 128);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeNull();
    expect(facts.liveSlopeMiBPerHour).toBeNull();
    expect(facts.flat).toBe(false);
  });
});
