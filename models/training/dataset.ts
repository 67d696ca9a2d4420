import type { CodeFeatures } from '../code/features';
import { toVector, type Estimate, type Sample, type Target } from '../code/samples';

const MIB = 1024 * 1024;

/**
 * One request of the training window: its code's features joined with its measured telemetry.
 * The features are the analyser's, or their event view when only the event was kept (the
 * window says which: see TrainingWindow).
 */
export interface TrainingRow {
  requestId: string;
  userId: string;
  analyzedAt: Date;
  features: CodeFeatures;
  cpuMs: number;
  peakMemoryBytes: number;
  durationMs: number;
  /** What the current code-estimator version predicted for this request, if it predicted it. */
  recorded?: Estimate;
  /** The user's profile as the prediction mixed it in, when it did: its estimate and the decayed executions it rested on. */
  profile?: { estimate: Estimate; evidence: number };
}

/** The measured usage in the estimator's target units. */
export function measured(row: TrainingRow): Record<Target, number> {
  return { cpu_ms: row.cpuMs, peak_memory_mb: row.peakMemoryBytes / MIB, duration_ms: row.durationMs };
}

/** A training sample. One group: the window is one population, split by time instead. */
export function toSample(row: TrainingRow): Sample {
  return { id: row.requestId, group: 'window', x: toVector(row.features), y: measured(row) };
}

/** Rows whose code parsed: the only ones with structural features to learn from. */
export function usableRows(rows: readonly TrainingRow[]): TrainingRow[] {
  return rows.filter((r) => r.features.parsed && Number.isFinite(r.cpuMs) && r.cpuMs >= 0);
}

/**
 * Train on the earlier part of the window and validate on the latest `heldOutShare` of it (by
 * event time, then request id): a model is judged on requests that came after everything it
 * learned from, as it will be in use.
 */
export function splitByTime(rows: readonly TrainingRow[], heldOutShare: number): { train: TrainingRow[]; heldOut: TrainingRow[] } {
  if (!(heldOutShare > 0 && heldOutShare < 1)) throw new RangeError(`heldOutShare must be in (0, 1), got ${heldOutShare}`);
  const ordered = [...rows].sort((a, b) => a.analyzedAt.getTime() - b.analyzedAt.getTime() || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
  const held = Math.round(ordered.length * heldOutShare);
  return { train: ordered.slice(0, ordered.length - held), heldOut: ordered.slice(ordered.length - held) };
}
