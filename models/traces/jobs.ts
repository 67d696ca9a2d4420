import type { JobRequest } from '../scheduling/job';
import { TraceFormatError } from './bitbrains';

/** A job from a trace: the request plus how long it really ran (hidden from the scheduler). */
export interface TraceJob extends JobRequest {
  durationSeconds: number;
}

/**
 * PRM's own job trace format, one JSON object per line:
 * `{"id":"j1","user":"alice","tier":0,"arrival":"2024-05-01T10:00:00Z","cores":2,"memory":4,"duration_s":30,"replicas":1}`
 * `arrival` is ISO 8601 or Unix seconds; `memory` (any unit, the instance's memory in the same
 * unit) and `replicas` (default 1) are optional. Blank lines and lines starting with # are skipped.
 */
export function parseJobLine(line: string, lineNumber: number): TraceJob | undefined {
  const text = line.trim();
  if (text === '' || text.startsWith('#')) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new TraceFormatError(`jobs line ${lineNumber}: not JSON (${(err as Error).message})`);
  }
  const arrival = typeof raw.arrival === 'string' ? Date.parse(raw.arrival) / 1000 : Number(raw.arrival);
  const job: TraceJob = {
    id: String(raw.id ?? `line-${lineNumber}`),
    user: String(raw.user ?? ''),
    tier: Number(raw.tier ?? 0),
    arrival,
    cores: Number(raw.cores),
    memory: Number(raw.memory ?? 0),
    replicas: Number(raw.replicas ?? 1),
    durationSeconds: Number(raw.duration_s),
  };
  if (job.user === '') throw new TraceFormatError(`jobs line ${lineNumber}: 'user' is required`);
  for (const k of ['arrival', 'cores', 'memory', 'replicas', 'durationSeconds', 'tier'] as const) {
    if (!Number.isFinite(job[k])) throw new TraceFormatError(`jobs line ${lineNumber}: '${k === 'durationSeconds' ? 'duration_s' : k}' must be a number`);
  }
  if (job.durationSeconds < 0 || job.cores <= 0) throw new TraceFormatError(`jobs line ${lineNumber}: cores must be > 0 and duration_s >= 0`);
  return job;
}
