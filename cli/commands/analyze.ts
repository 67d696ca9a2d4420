import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from '../command';
import { UsageError } from '../command';
import { checkWritableFile, numberFlag, parseFlags } from '../args';
import type { Estimate, Quantiles } from '../../models/code/samples';

const usage = `
usage: prm analyze FILE|- [--json [OUT]] [--max-bytes N]
       prm analyze --bench [--json [OUT]]

Analyses a JavaScript or TypeScript program statically (typescript-estree) and estimates its
resource use with the trained code estimator: quantiles p50/p90/p99 of CPU ms, peak memory MB
(above the runtime's own) and duration ms. Code over --max-bytes (default 262144), nested too
deeply, or that does not parse, is reported as unparsed with the reason, never as a crash.

  --json [OUT]   print {"features", "estimate", "model"} as JSON (or write it to OUT)
  --bench        time the analyser (cold, no cache) on the corpus programs and on synthetic
                 sources of 8-64 KB built from them; prints p50/p99 ms and lines/s per size
`;

/** Reads a program from a file path, or from stdin when the path is '-'. */
export async function readSource(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const command: Command = {
  name: 'analyze',
  summary: 'static features of a program and its estimated CPU, memory and duration (p50/p90/p99)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      json: { type: 'boolean', default: false },
      bench: { type: 'boolean', default: false },
      'max-bytes': { type: 'string' },
    }, true);
    const [first, second, ...extra] = positionals;
    const file = values.bench ? undefined : first;
    const out = values.bench ? first : second;
    if (!values.bench && !file) throw new UsageError('a FILE (or - for stdin) is required');
    if (extra.length > 0 || (values.bench && second !== undefined) || (out !== undefined && !values.json)) throw new UsageError('unexpected argument');
    if (out !== undefined) checkWritableFile('OUT', out);
    const maxBytes = numberFlag('max-bytes', values['max-bytes'], 256 * 1024);
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new UsageError('--max-bytes must be a positive integer');
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createAnalyzer } = require('../../models/code/analyzer') as typeof import('../../models/code/analyzer');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const emit = async (result: object, text: string) => {
      if (!values.json) process.stdout.write(text);
      else if (out) await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    };

    if (values.bench) {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { benchAnalyzer, formatBench } = require('../../models/code/analyzer-bench') as typeof import('../../models/code/analyzer-bench');
      const { loadCorpus } = require('../../data/code-corpus/dataset') as typeof import('../../data/code-corpus/dataset');
      const { performance } = require('node:perf_hooks') as typeof import('node:perf_hooks');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const { sources } = await loadCorpus();
      const rows = benchAnalyzer(createAnalyzer, [...sources.values()], () => performance.now());
      await emit({ analyzer_bench: rows }, formatBench(rows));
      return 0;
    }

    const source = await readSource(file!);
    const features = createAnalyzer({ maxBytes }).analyze(source);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { artifactPath, loadEstimator } = require('../../models/code/estimator') as typeof import('../../models/code/estimator');
    let artifact;
    try {
      artifact = JSON.parse(await readFile(artifactPath, 'utf8'));
    } catch (err) {
      throw new Error(`no trained code estimator at ${artifactPath} (${(err as Error).message}): run 'npx prm estimate-eval --retrain'`);
    }
    const estimator = await loadEstimator(artifact);
    const [estimate] = estimator.estimate([features]);
    estimator.dispose();
    if (!features.parsed) process.stderr.write(`prm analyze: not analysed (${features.reason}); the estimate sees only the size\n`);
    const result = { features, estimate: round(estimate!), model: estimator.name };
    const rows = Object.entries(features).map(([k, v]) => `  ${k.padEnd(24)} ${typeof v === 'number' ? formatNumber(v) : String(v)}`);
    const est = Object.entries(result.estimate).map(([k, q]) => `  ${k.padEnd(16)} p50 ${formatNumber(q.p50).padStart(10)}  p90 ${formatNumber(q.p90).padStart(10)}  p99 ${formatNumber(q.p99).padStart(10)}`);
    await emit(result, `features\n${rows.join('\n')}\n\nestimate (${estimator.name})\n${est.join('\n')}\n`);
    return 0;
  },
};

function round(estimate: Estimate): Estimate {
  const r = (v: number) => Math.round(v * 100) / 100;
  const q = ({ p50, p90, p99 }: Quantiles): Quantiles => ({ p50: r(p50), p90: r(p90), p99: r(p99) });
  return { cpu_ms: q(estimate.cpu_ms), peak_memory_mb: q(estimate.peak_memory_mb), duration_ms: q(estimate.duration_ms) };
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v >= 1e6 ? v.toExponential(2) : v.toFixed(2);
}
