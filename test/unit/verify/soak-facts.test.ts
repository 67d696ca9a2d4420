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

/** The slopes a 30-minute soak allows (32 MiB of RSS and 4 MiB of live heap over its second half). */
const allowed = { rss: 128, live: 16 };

describe('a soak process\'s memory facts', () => {
  it('does not judge a step in RSS that is the nursery growing to its bound, and reports both', () => {
    // Shaped on the fleet broadcast's, thirtieth session: its nursery 64 -> 128 MiB once, its RSS up as much, then flat.
    const samples = second((t) => (t < 1050 ? 158 : 212) - (t - 900) / 600, (t) => (t < 1050 ? 64 : 128));
    const facts = processFacts(samples, samples, 'p', allowed);
    expect(facts.rssSlopeMiBPerHour).toBeGreaterThan(128);
    expect(facts.nurseryGrowthMiB).toBe(64);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeLessThan(0);
    expect(facts.flat).toBe(true);
  });

  it('fails memory that grows outside the nursery', () => {
    const samples = second((t) => 150 + (t - 900) / 15, () => 128); // 240 MiB an hour
    const facts = processFacts(samples, samples, 'p', allowed);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeCloseTo(240, 0);
    expect(facts.flat).toBe(false);
  });

  it('tells growth of the committed old generation from growth of the live heap and of native memory', () => {
    // RSS up 60 MiB an hour, all of it V8 keeping more heap committed; what it holds live and
    // what lies outside the heap flat.
    const samples = second((t) => 150 + (t - 900) / 60, () => 64).map((s) => ({
      ...s, heapCommittedMiB: { p: 64 + 40 + (s.t - 900) / 60 }, liveMiB: { p: 20 },
    }));
    const facts = processFacts(samples, samples, 'p', allowed);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeCloseTo(60, 0);
    expect(facts.oldCommittedSlopeMiBPerHour).toBeCloseTo(60, 0);
    expect(facts.liveSlopeMiBPerHour).toBe(0);
    expect(facts.outsideHeapSlopeMiBPerHour).toBe(0);
    expect(facts.flat).toBe(true);
  });

  it('fails a live heap that grows though RSS stays within its bound: a leak of objects V8 has not yet multiplied', () => {
    // Shaped on the simulated pool's leak (thirty-second session): live heap up 51 MiB an hour, RSS less the nursery 100.
    const samples = second((t) => 200 + (t - 900) / 36, () => 64).map((s) => ({ ...s, liveMiB: { p: 37 + (s.t - 900) * 51 / 3600 } }));
    const facts = processFacts(samples, samples, 'p', allowed);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeLessThan(allowed.rss);
    expect(facts.liveSlopeMiBPerHour).toBeCloseTo(51, 0);
    expect([facts.liveFlat, facts.flat]).toEqual([false, false]);
  });

  it('judges the plain RSS of a process that never reported its heap', () => {
    const samples = second((t) => (t < 1050 ? 158 : 212));
    const facts = processFacts(samples, samples, 'p', allowed);
    expect(facts.outsideNurserySlopeMiBPerHour).toBeNull();
    expect(facts.liveSlopeMiBPerHour).toBeNull();
    expect(facts.liveFlat).toBeNull();
    expect(facts.flat).toBe(false);
  });
});
