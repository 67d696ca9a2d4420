import { join } from 'node:path';
import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';

const usage = `
usage: prm corpus [--count N] [--heavy M] [--flat-loops L] [--runs R] [--seed S] [--concurrency C] [--out DIR]
                  [--cpu-ms N] [--memory-mb N] [--wall-ms N]

Regenerates the code corpus: writes N programs drawn from the families in
data/code-corpus/families.ts over their whole size ranges, and M more (ids H0001...) drawn from
the upper half of the ranges (seed S+1), so that heavy programs are not rare; runs each R times
in the sandbox, and writes DIR/dataset.json
with the median CPU ms, peak memory MB and duration ms of each, and the generation parameters.
Each measured program is appended to DIR/measurements.jsonl, so an interrupted run resumes
where it stopped (entries whose source changed are measured again).

  --count N    programs (default 330)       --heavy M    heavier programs (default 150)
  --flat-loops L  long flat loops of cheap arithmetic, 1e4 to 2e8 trips (ids L0001..., seed
               S+2; default 24): the batch job's shape, which the families above lack
  --runs R     runs per program (default 3)
  --seed S     generator seed (default 1)   --out DIR    default data/code-corpus
  --concurrency C  programs measured at once (default 1; CPU and memory are per job, wall
                   time is not immune to a busy neighbour)
  --cpu-ms, --memory-mb, --wall-ms          sandbox limits (default 8000, 1024, 60000)
`;

export const command: Command = {
  name: 'corpus',
  summary: 'regenerate the code corpus: programs run in the sandbox, medians of measured usage',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      count: { type: 'string' }, heavy: { type: 'string' }, 'flat-loops': { type: 'string' }, runs: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, concurrency: { type: 'string' },
      'cpu-ms': { type: 'string' }, 'memory-mb': { type: 'string' }, 'wall-ms': { type: 'string' },
    });
    const count = numberFlag('count', values.count, 330);
    const runs = numberFlag('runs', values.runs, 3);
    const seed = numberFlag('seed', values.seed, 1);
    const heavy = numberFlag('heavy', values.heavy, 150);
    const flatLoops = numberFlag('flat-loops', values['flat-loops'], 24);
    if (!Number.isInteger(count) || count < 1) throw new UsageError('--count must be a positive integer');
    if (!Number.isInteger(heavy) || heavy < 0) throw new UsageError('--heavy must be a non-negative integer');
    if (!Number.isInteger(flatLoops) || flatLoops < 0) throw new UsageError('--flat-loops must be a non-negative integer');
    if (!Number.isInteger(runs) || runs < 1 || runs > 15) throw new UsageError('--runs must be an integer in 1..15');
    const concurrency = numberFlag('concurrency', values.concurrency, 1);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new UsageError('--concurrency must be an integer in 1..16');
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createExecutor } = require('../../sandbox/executor') as typeof import('../../sandbox/executor');
    const { resolveLimits } = require('../../sandbox/limits') as typeof import('../../sandbox/limits');
    const { generateCorpus } = require('../../data/code-corpus/generate') as typeof import('../../data/code-corpus/generate');
    /* eslint-enable @typescript-eslint/no-require-imports */
    let limits;
    try {
      limits = resolveLimits({
        cpuMs: numberFlag('cpu-ms', values['cpu-ms'], 8000),
        memoryMb: numberFlag('memory-mb', values['memory-mb'], 1024),
        wallMs: numberFlag('wall-ms', values['wall-ms'], 60_000),
      });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const dataset = await generateCorpus({
      batches: [
        { seed, count, upper: 0, prefix: '' },
        ...(heavy > 0 ? [{ seed: seed + 1, count: heavy, upper: 0.5, prefix: 'H' }] : []),
        ...(flatLoops > 0 ? [{ seed: seed + 2, count: flatLoops, upper: 0, prefix: 'L', family: 'long-flat-loop' }] : []),
      ],
      runs, concurrency, limits,
      outDir: values.out ?? join(__dirname, '..', '..', 'data', 'code-corpus'),
      executor: createExecutor(),
      log: (line) => process.stderr.write(`${line}\n`),
      generatedAt: new Date().toISOString(),
    });
    const ok = dataset.programs.filter((p) => p.status === 'OK').length;
    process.stdout.write(`${dataset.programs.length} programs, ${ok} OK, dataset written\n`);
    return 0;
  },
};
