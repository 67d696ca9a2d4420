import { planPrograms } from '../../../data/code-corpus/generate';
import { families } from '../../../data/code-corpus/families';

describe('planPrograms', () => {
  it('takes the families in turn unless the batch names one', () => {
    const inTurn = planPrograms({ seed: 1, count: families.length + 1, upper: 0, prefix: '' });
    expect(inTurn.map((p) => p.family)).toEqual([...families.map((f) => f.name), families[0]!.name]);
    expect(inTurn.some((p) => p.family === 'long-flat-loop')).toBe(false);
  });

  it('draws only the named family, which may be one no batch takes in turn', () => {
    const named = planPrograms({ seed: 3, count: 5, upper: 0, prefix: 'L', family: 'long-flat-loop' });
    expect(named.map((p) => p.family)).toEqual(Array(5).fill('long-flat-loop'));
    expect(named[0]!.id).toBe('L0001-long-flat-loop');
    expect(named.every((p) => p.sizes.N! >= 1e4 && p.sizes.N! <= 2e8)).toBe(true);
  });

  it('refuses a family it does not know', () => {
    expect(() => planPrograms({ seed: 1, count: 1, upper: 0, prefix: 'X', family: 'no-such-family' })).toThrow('no corpus family named no-such-family');
  });
});
