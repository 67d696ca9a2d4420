import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionResult, Executor } from '../../sandbox/executor';
import type { Limits } from '../../sandbox/limits';
import { createDraw } from './draw';
import { families, namedOnlyFamilies, type Family } from './families';
import { render, type SizeStyle } from './style';
import type { CorpusProgram, CorpusRun, Dataset } from './dataset';

/** One batch of programs: families taken in turn, so each gets an equal share. */
export interface Batch {
  seed: number;
  count: number;
  /** Sizes drawn from this fraction of each family's ranges upwards (see createDraw). */
  upper: number;
  /** Prefix of the programs' ids, unique per batch. */
  prefix: string;
  /** Draw only this family (from `families` or `namedOnlyFamilies`); default every one of `families` in turn. */
  family?: string;
}

export interface GenerateOptions {
  batches: Batch[];
  /** Sandbox runs per program; the median of each measure is kept. */
  runs: number;
  /** Programs measured at once. Each job's CPU and memory are its own, but wall time feels the neighbour. */
  concurrency: number;
  limits: Limits;
  /** Directory that receives programs/, measurements.jsonl and dataset.json. */
  outDir: string;
  executor: Executor;
  log: (line: string) => void;
  /** Stamped into the dataset's parameters (the generator takes no clock of its own). */
  generatedAt: string;
}

interface Planned {
  id: string;
  family: string;
  style: SizeStyle;
  sizes: Record<string, number>;
  file: string;
  code: string;
}

/**
 * Writes the programs, runs each `runs` times in the sandbox, and writes the dataset. Each
 * measured program is appended to measurements.jsonl as it completes, and a rerun with the same
 * seed reuses every entry whose source is unchanged: an interrupted generation resumes.
 */
export async function generateCorpus(opts: GenerateOptions): Promise<Dataset> {
  const plan = opts.batches.flatMap((b) => planPrograms(b));
  await mkdir(join(opts.outDir, 'programs'), { recursive: true });
  for (const p of plan) await writeFile(join(opts.outDir, p.file), p.code);
  const journal = join(opts.outDir, 'measurements.jsonl');
  const done = await readJournal(journal, plan);
  if (done.size > 0) opts.log(`resuming: ${done.size} of ${plan.length} programs already measured`);

  const pending = plan.filter((p) => !done.has(p.id));
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const p = pending[next++]!;
      const runs: CorpusRun[] = [];
      for (let r = 0; r < opts.runs; r++) runs.push(summary(await opts.executor.run({ code: p.code, limits: opts.limits })));
      const program = aggregate(p, runs);
      done.set(p.id, program);
      await appendFile(journal, `${JSON.stringify({ ...program, sha: sha(p.code) })}\n`);
      opts.log(`${p.id.padEnd(40)} ${program.status.padEnd(7)} cpu ${program.cpu_ms.toFixed(1).padStart(8)} ms  mem ${program.peak_memory_mb.toFixed(1).padStart(7)} MB  wall ${program.duration_ms.toFixed(1).padStart(8)} ms`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));

  const dataset: Dataset = {
    parameters: {
      generator: 'npx prm corpus',
      batches: opts.batches, runs: opts.runs, concurrency: opts.concurrency, limits: opts.limits,
      node: process.version, platform: `${process.platform}-${process.arch}`,
      generated_at: opts.generatedAt,
      measures: 'sandbox (sandbox/executor.ts): kernel rusage from the start of user code; median of the runs',
    },
    programs: plan.map((p) => done.get(p.id)!),
  };
  await writeFile(join(opts.outDir, 'dataset.json'), `${JSON.stringify(dataset, null, 1)}\n`);
  return dataset;
}

/** A batch's programs: program i depends only on the batch's seed, `upper` and i, whatever the count. */
export function planPrograms({ seed, count, upper, prefix, family: only }: Batch): Planned[] {
  const draw = createDraw(seed, upper);
  const drawn = only === undefined ? families : [familyNamed(only)];
  return Array.from({ length: count }, (_, i) => {
    const family = drawn[i % drawn.length]!;
    const { body, sizes } = family.make(draw);
    const { code, style } = render(body, sizes, draw);
    const id = `${prefix}${String(i + 1).padStart(4, '0')}-${family.name}`;
    return { id, family: family.name, style, sizes, file: `programs/${id}.js`, code };
  });
}

function familyNamed(name: string): Family {
  const family = [...families, ...namedOnlyFamilies].find((f) => f.name === name);
  if (!family) throw new RangeError(`no corpus family named ${name}`);
  return family;
}

async function readJournal(path: string, plan: Planned[]): Promise<Map<string, CorpusProgram>> {
  const bySha = new Map(plan.map((p) => [p.id, sha(p.code)]));
  const done = new Map<string, CorpusProgram>();
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return done;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const { sha: recorded, ...program } = JSON.parse(line) as CorpusProgram & { sha: string };
    if (bySha.get(program.id) === recorded) done.set(program.id, program);
  }
  return done;
}

function sha(code: string): string {
  return createHash('sha256').update(code).digest('hex').slice(0, 16);
}

function summary(r: ExecutionResult): CorpusRun {
  return { status: r.status, cpu_ms: r.cpu_ms, peak_memory_mb: r.peak_memory_mb, duration_ms: r.wall_ms, ...(r.reason ? { reason: r.reason } : {}) };
}

function aggregate({ id, family, style, sizes, file }: Planned, runs: CorpusRun[]): CorpusProgram {
  const failed = runs.find((r) => r.status !== 'OK');
  return {
    id, family, style, sizes, file,
    status: failed ? failed.status : 'OK',
    ...(failed?.reason ? { reason: failed.reason } : {}),
    cpu_ms: median(runs.map((r) => r.cpu_ms)),
    peak_memory_mb: median(runs.map((r) => r.peak_memory_mb)),
    duration_ms: median(runs.map((r) => r.duration_ms)),
    runs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
