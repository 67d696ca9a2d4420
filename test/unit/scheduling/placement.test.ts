import { bestFit, lackingRoom, partsThatFit } from '../../../models/scheduling/placement';

describe('bestFit', () => {
  it('fills the tightest bins first and keeps a large free bin free', () => {
    const bins = [
      { name: 'empty', freeCores: 8, freeMemory: 16 },
      { name: 'almost-full', freeCores: 2, freeMemory: 4 },
      { name: 'half', freeCores: 4, freeMemory: 8 },
    ];
    const p = bestFit(bins, 2, 2, 3, 8, 16);
    expect(p.map((x) => [x.bin.name, x.replicas])).toEqual([['almost-full', 1], ['half', 2]]);
  });

  it('respects memory as well as cores, and is all or nothing', () => {
    const bins = [{ freeCores: 8, freeMemory: 3 }, { freeCores: 8, freeMemory: 3 }];
    expect(bestFit(bins, 1, 2, 2, 8, 16)).toHaveLength(2); // one replica per bin by memory
    expect(bestFit(bins, 1, 2, 3, 8, 16)).toEqual([]);
  });

  it('breaks ties of room by the order of the bins, and fills only as many as it needs', () => {
    const bins = Array.from({ length: 6 }, (_, i) => ({ name: `b${i}`, freeCores: i % 2 === 0 ? 4 : 8, freeMemory: 16 }));
    const p = bestFit(bins, 4, 0, 3, 8, 16);
    // b0, b2, b4 are equally tight (4 free cores): taken in their order, none of the empty bins.
    expect(p.map((x) => [x.bin.name, x.replicas])).toEqual([['b0', 1], ['b2', 1], ['b4', 1]]);
    expect(bestFit(bins, 4, 0, 10, 8, 16)).toEqual([]); // 3 + 2 x 3 = 9 parts of room
  });

  it('counts a bin charged past its size as holding nothing, not as negative room offsetting another bin', () => {
    const bins = [{ name: 'over', freeCores: -2, freeMemory: 16 }, { name: 'room', freeCores: 3, freeMemory: 16 }];
    expect(bestFit(bins, 1, 1, 1, 8, 16).map((x) => [x.bin.name, x.replicas])).toEqual([['room', 1]]);
    expect(bestFit(bins, 1, 1, 4, 8, 16)).toEqual([]);
    expect(partsThatFit(bins[0]!, 1, 1)).toBe(0);
  });
});

describe('lackingRoom', () => {
  it('sums the cores and memory a bin lacks as fractions of a bin, and is 0 when they fit', () => {
    const bin = { freeCores: 2, freeMemory: 1 };
    expect(lackingRoom(bin, 6, 3, 8, 4)).toBeCloseTo(4 / 8 + 2 / 4, 12);
    expect(lackingRoom(bin, 6, 1, 8, 4)).toBeCloseTo(0.5, 12);
    expect(lackingRoom(bin, 2, 1, 8, 4)).toBe(0);
    // Room to spare in one does not offset what the other lacks.
    expect(lackingRoom({ freeCores: 8, freeMemory: 0 }, 1, 2, 8, 4)).toBeCloseTo(0.5, 12);
  });
});
