import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One sandbox run of a corpus program. */
export interface CorpusRun {
  status: 'OK' | 'ERROR' | 'TIMEOUT' | 'OOM';
  reason?: string;
  cpu_ms: number;
  peak_memory_mb: number;
  duration_ms: number;
}

/** A corpus program with the median of its runs. */
export interface CorpusProgram extends CorpusRun {
  id: string;
  family: string;
  /** How sizes reach the code (data/code-corpus/style.ts). */
  style: string;
  sizes: Record<string, number>;
  /** Path relative to the corpus directory. */
  file: string;
  runs: CorpusRun[];
}

export interface Dataset {
  parameters: Record<string, unknown>;
  programs: CorpusProgram[];
}

export const corpusDir = __dirname;

/** The committed dataset with each program's source, for training and evaluation. */
export async function loadCorpus(dir = corpusDir): Promise<{ dataset: Dataset; sources: Map<string, string> }> {
  const dataset = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8')) as Dataset;
  const sources = new Map<string, string>();
  for (const p of dataset.programs) sources.set(p.id, await readFile(join(dir, p.file), 'utf8'));
  return { dataset, sources };
}

/** The corpus as analyser input and measured targets: programs that ran OK in every run. */
export function measuredPrograms(dataset: Dataset, sources: Map<string, string>): { id: string; group: string; source: string; y: { cpu_ms: number; peak_memory_mb: number; duration_ms: number } }[] {
  return dataset.programs
    .filter((p) => p.status === 'OK')
    .map((p) => ({ id: p.id, group: p.family, source: sources.get(p.id)!, y: { cpu_ms: p.cpu_ms, peak_memory_mb: p.peak_memory_mb, duration_ms: p.duration_ms } }));
}
