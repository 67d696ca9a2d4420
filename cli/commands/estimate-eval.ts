import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from '../command';
import { UsageError } from '../command';
import { checkWritableFile, numberFlag, parseFlags } from '../args';
import { join } from 'node:path';
import type { EstimatorArtifact, ModelName, Scores } from '../../models/code/estimator';
import type { WorkloadCheck } from '../../models/code/workload-check';

const usage = `
usage: prm estimate-eval [--json [OUT]] [--retrain [--seed S] [--held-out F] [--epochs E]]
                         [--workload [FILE] [--format F]]

Scores the code estimator on the held-out split of the code corpus (data/code-corpus): for the
learned model (quantile-mlp) and the gradient-free baseline (log-ridge), per target (cpu_ms,
peak_memory_mb, duration_ms), the Spearman rank correlation of the predicted median with the
measured value, the median absolute log error |ln(1+predicted) - ln(1+measured)|, and the
coverage of p90 and p99. The split is stratified by program family and seeded.

  --retrain      train both models again on the training share, select the learned model only
                 if its mean held-out log error beats the baseline's, and write the artifact
                 (models/code/estimator-model.json) with the training share's feature range:
                 beyond it, estimates scale in proportion to the program's size
                 (models/code/extrapolation.ts)
  --seed S       split and initialisation seed (default 7)
  --held-out F   held-out share (default 0.25)
  --epochs E     MLP training epochs (default 800)
  --workload [FILE]
                 also score both models on a replayed workload's programs (default the bundled
                 data/workload/workload.jsonl that npm start replays): each job's code is the
                 replay's (a constant-trip loop and one held array, far larger than the corpus'
                 programs), compared with the usage the trace recorded: CPU and duration mean
                 absolute error, median absolute log error, Spearman and p90 coverage; memory
                 p90 coverage and the share of jobs that fit the scheduler's reservation (p90
                 x 1.15; the rest would be OOM-killed and retried)
  --format F     the workload's trace format (default jobs; as prm replay)
  --json [OUT]   print the report as JSON (or write it to OUT)
`;

const bundledWorkload = join(__dirname, '..', '..', 'data', 'workload', 'workload.jsonl');

export const command: Command = {
  name: 'estimate-eval',
  summary: 'held-out Spearman and log error of the code estimator and its baseline',
  usage,
  async run(argv) {
    const { workload, rest } = workloadFlag(argv);
    const { values, positionals } = parseFlags(rest, {
      json: { type: 'boolean', default: false },
      retrain: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'held-out': { type: 'string' },
      epochs: { type: 'string' },
      format: { type: 'string' },
    }, true);
    const [out, ...extra] = positionals;
    if (extra.length > 0 || (out !== undefined && !values.json)) throw new UsageError('unexpected argument');
    if (out !== undefined) checkWritableFile('OUT', out);
    const seed = numberFlag('seed', values.seed, 7);
    const share = numberFlag('held-out', values['held-out'], 0.25);
    const epochs = numberFlag('epochs', values.epochs, 800);
    if (!(share > 0 && share < 0.9)) throw new UsageError('--held-out must be in (0, 0.9)');
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError('--epochs must be a positive integer');
    if (values.format !== undefined && workload === undefined) throw new UsageError('--format goes with --workload');
    const log = (line: string) => process.stderr.write(`${line}\n`);

    /* eslint-disable @typescript-eslint/no-require-imports */
    const { loadCorpus, measuredPrograms } = require('../../data/code-corpus/dataset') as typeof import('../../data/code-corpus/dataset');
    const { createAnalyzer } = require('../../models/code/analyzer') as typeof import('../../models/code/analyzer');
    const est = require('../../models/code/estimator') as typeof import('../../models/code/estimator');
    const { trainEstimator } = require('../../models/code/estimator-training') as typeof import('../../models/code/estimator-training');
    const { splitHeldOut } = require('../../models/code/samples') as typeof import('../../models/code/samples');
    const { seededRandom } = require('../../models/seeded-random') as typeof import('../../models/seeded-random');
    const { initTfBackend, tf } = require('../../models/tf/backend') as typeof import('../../models/tf/backend');
    /* eslint-enable @typescript-eslint/no-require-imports */

    const { dataset, sources } = await loadCorpus();
    const analyzer = createAnalyzer({ cacheSize: 0 });
    const rows = measuredPrograms(dataset, sources).map((p) => ({ id: p.id, group: p.group, features: analyzer.analyze(p.source), y: p.y }));
    const samples = est.toSamples(rows);
    log(`corpus: ${dataset.programs.length} programs, ${samples.length} measured OK and parsed`);
    let backend = await initTfBackend(log);

    let artifact: EstimatorArtifact;
    if (values.retrain) {
      const options = { seed, heldOutShare: share, mlp: { epochs }, corpus: dataset.parameters };
      try {
        artifact = await trainEstimator(samples, { ...options, backend });
      } catch (err) {
        if (backend === 'cpu') throw err;
        log(`tfjs: training failed on the ${backend} backend (${(err as Error).message}); retrying on cpu`);
        await tf.setBackend('cpu');
        backend = 'cpu';
        artifact = await trainEstimator(samples, { ...options, backend });
      }
      await writeFile(est.artifactPath, `${JSON.stringify(artifact)}\n`);
      log(`wrote ${est.artifactPath} (selected ${artifact.selected})`);
    } else {
      artifact = JSON.parse(await readFile(est.artifactPath, 'utf8')) as EstimatorArtifact;
    }

    // Re-derive the held-out split the artifact was trained against and score both models on it.
    const { test } = splitHeldOut(samples, artifact.training.heldOutShare, seededRandom(artifact.training.seed));
    const heldOut = {} as Record<ModelName, Scores>;
    for (const name of ['quantile-mlp', 'log-ridge'] as const) {
      const estimator = await est.loadEstimator(artifact, name);
      const byId = new Map(rows.map((r) => [r.id, r.features]));
      heldOut[name] = est.score(estimator.estimate(test.map((s) => byId.get(s.id)!)), test);
      estimator.dispose();
    }
    const onWorkload = workload === undefined ? undefined : await checkWorkload(workload, values.format ?? 'jobs', artifact, log);
    const report = {
      selected: artifact.selected,
      // Whether the artifact records its training range, beyond which it extrapolates by proportion (models/code/extrapolation.ts).
      extrapolation_guard: artifact.domain !== undefined,
      samples: { train: artifact.training.samples, held_out: test.length },
      held_out: heldOut,
      ...(onWorkload ? { workload: onWorkload } : {}),
      backend,
      corpus: dataset.parameters,
    };
    if (values.json) {
      const text = `${JSON.stringify(report, null, 2)}\n`;
      if (out) await writeFile(out, text);
      else process.stdout.write(text);
    } else {
      process.stdout.write(table(heldOut, artifact.selected, test.length, artifact.domain !== undefined));
      if (onWorkload) process.stdout.write(workloadTable(onWorkload));
    }
    return 0;
  },
};

/** `--workload` takes an optional file: the next argument when it is not a flag. */
function workloadFlag(argv: string[]): { workload: string | undefined; rest: string[] } {
  const at = argv.indexOf('--workload');
  if (at < 0) return { workload: undefined, rest: argv };
  const next = argv[at + 1];
  const file = next !== undefined && !next.startsWith('-') ? next : undefined;
  return { workload: file ?? bundledWorkload, rest: [...argv.slice(0, at), ...argv.slice(at + (file ? 2 : 1))] };
}

interface WorkloadReport {
  file: string;
  format: string;
  checks: WorkloadCheck[];
}

async function checkWorkload(file: string, format: string, artifact: EstimatorArtifact, log: (line: string) => void): Promise<WorkloadReport> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { TRACE_FORMATS, workCode } = require('../../streams/executors/replay-workload') as typeof import('../../streams/executors/replay-workload');
  const { readReplayTrace } = require('../../streams/executors/replay-run') as typeof import('../../streams/executors/replay-run');
  const { createAnalyzer } = require('../../models/code/analyzer') as typeof import('../../models/code/analyzer');
  const { checkOnWorkload } = require('../../models/code/workload-check') as typeof import('../../models/code/workload-check');
  const { loadEstimator } = require('../../models/code/estimator') as typeof import('../../models/code/estimator');
  const { MEMORY_MARGIN } = require('../../streams/processors/scheduler') as typeof import('../../streams/processors/scheduler');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const traceFormat = TRACE_FORMATS.find((f) => f === format);
  if (!traceFormat) throw new UsageError(`--format must be one of ${TRACE_FORMATS.join(', ')}`);
  // The same reading as prm start's replay (seed 1 for derived traces), so the programs are the ones it submits.
  const jobs = await readReplayTrace(file, traceFormat, Infinity, 1);
  const programs = jobs.map((j) => ({ id: j.id, code: workCode(j), usage: { cpuMs: j.cpuMs, peakMemoryBytes: j.peakMemoryBytes, durationMs: j.durationMs } }));
  log(`workload: ${programs.length} jobs from ${file}`);
  const analyzer = createAnalyzer({ cacheSize: 0 });
  const checks: WorkloadCheck[] = [];
  for (const name of [artifact.selected, ...(['quantile-mlp', 'log-ridge'] as const).filter((m) => m !== artifact.selected)]) {
    const estimator = await loadEstimator(artifact, name);
    try {
      checks.push(checkOnWorkload(programs, analyzer, estimator, MEMORY_MARGIN));
    } finally {
      estimator.dispose();
    }
  }
  return { file, format: traceFormat, checks };
}

function workloadTable(w: WorkloadReport): string {
  const lines = [
    '', `workload: ${w.checks[0]?.jobs ?? 0} jobs (${w.file}); the first model is the selected one`, '',
    'model          target           mean_abs_err  med_abs_log_err  spearman  cov_p90  cov_reserved',
  ];
  for (const c of w.checks) {
    for (const [target, s] of [['cpu_ms', c.cpu_ms], ['peak_memory_mb', c.peak_memory_mb], ['duration_ms', c.duration_ms]] as const) {
      const reserved = 'coverage_reserved' in s ? s.coverage_reserved.toFixed(3) : '';
      lines.push(`${c.model.padEnd(14)} ${target.padEnd(16)} ${s.mean_abs_error.toFixed(0).padStart(12)}  ${s.median_abs_log_error.toFixed(3).padStart(15)}  ${s.spearman.toFixed(3).padStart(8)}  ${s.coverage_p90.toFixed(3).padStart(7)}  ${reserved.padStart(12)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function table(scores: Record<ModelName, Scores>, selected: ModelName, n: number, guarded: boolean): string {
  const lines = [`held-out programs: ${n}; selected model: ${selected}; extrapolation guard: ${guarded ? 'on' : 'off (artifact has no training range)'}`, '', 'model          target           spearman  med_abs_log_err  cov_p90  cov_p99'];
  for (const [model, byTarget] of Object.entries(scores)) {
    for (const [target, s] of Object.entries(byTarget)) {
      lines.push(`${model.padEnd(14)} ${target.padEnd(16)} ${s.spearman.toFixed(3).padStart(8)}  ${s.median_abs_log_error.toFixed(3).padStart(15)}  ${s.coverage_p90.toFixed(2).padStart(7)}  ${s.coverage_p99.toFixed(2).padStart(7)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
