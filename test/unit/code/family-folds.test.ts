import { crossValidateByFamily, familyFolds } from '../../../models/code/estimator';
import type { Sample } from '../../../models/code/samples';

const sample = (id: number, group: string): Sample => ({ id: String(id), group, x: [id], y: { cpu_ms: id, peak_memory_mb: 1, duration_ms: id } });

test('family folds hold every family out exactly once and whole', () => {
  const groups = ['sort', 'json', 'fib', 'sieve', 'bfs', 'nbody', 'regex'];
  const samples = groups.flatMap((g, i) => Array.from({ length: 3 + i }, (_, k) => sample(i * 10 + k, g)));
  const folds = familyFolds(samples, 3);
  expect(folds).toHaveLength(3);
  expect(folds.flat().map((s) => s.id).sort()).toEqual(samples.map((s) => s.id).sort());
  for (const g of groups) expect(folds.filter((fold) => fold.some((s) => s.group === g))).toHaveLength(1);
});

test('family cross-validation refuses fold counts the families cannot fill', async () => {
  const samples = ['a', 'b', 'c'].flatMap((g, i) => [sample(i, g), sample(i + 5, g)]);
  await expect(crossValidateByFamily(samples, 4, { seed: 1 })).rejects.toThrow(RangeError);
  await expect(crossValidateByFamily(samples, 1, { seed: 1 })).rejects.toThrow(RangeError);
});
