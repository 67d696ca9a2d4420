import { LruCache } from '../../../models/code/lru';
import { coverage, medianAbsLogError, quantile, spearman } from '../../../models/code/metrics';

test('the LRU cache forgets the least recently used entry', () => {
  const c = new LruCache<string, number>(2);
  c.set('a', 1);
  c.set('b', 2);
  expect(c.get('a')).toBe(1);
  c.set('c', 3);
  expect(c.get('b')).toBeUndefined();
  expect(c.get('a')).toBe(1);
  expect(c.size).toBe(2);
});

test('spearman is 1 for any monotone relation and -1 for a reversed one, with ties averaged', () => {
  expect(spearman([1, 2, 3, 4], [10, 100, 1000, 1e6])).toBeCloseTo(1);
  expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
  expect(spearman([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 3);
});

test('log error, quantiles and coverage', () => {
  expect(medianAbsLogError([Math.E - 1, 0], [0, 0])).toBeCloseTo(0.5);
  expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
  expect(quantile([0, 10], 0.9)).toBeCloseTo(9);
  expect(coverage([5, 5, 5, 5], [1, 2, 6, 7])).toBe(0.5);
});
