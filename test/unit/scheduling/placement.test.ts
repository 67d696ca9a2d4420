import { bestFit } from '../../../models/scheduling/placement';

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
});
