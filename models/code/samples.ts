import { featureVector, type CodeFeatures } from './features';

/** What the estimator predicts, each as quantiles. */
export const targets = ['cpu_ms', 'peak_memory_mb', 'duration_ms'] as const;
export type Target = (typeof targets)[number];
export const quantileLevels = [0.5, 0.9, 0.99] as const;

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
}
export type Estimate = Record<Target, Quantiles>;

/** One training example: the feature vector and the measured usage. */
export interface Sample {
  id: string;
  group: string;
  x: number[];
  /** Measured usage per target, in the targets' units. */
  y: Record<Target, number>;
}

export function toVector(features: CodeFeatures): number[] {
  return featureVector.map((f) => f.of(features));
}

/** Targets are learned as ln(1 + value): usage spans four orders of magnitude. */
export const toLog = (v: number) => Math.log1p(Math.max(0, v));
export const fromLog = (t: number) => Math.max(0, Math.expm1(t));

/** Column means and standard deviations of the training features, to put inputs on one scale. */
export interface Scaler {
  mean: number[];
  std: number[];
}

export function fitScaler(xs: number[][]): Scaler {
  const d = xs[0]?.length ?? 0;
  const mean = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + x[j]!, 0) / xs.length);
  const std = mean.map((m, j) => Math.sqrt(xs.reduce((s, x) => s + (x[j]! - m) ** 2, 0) / xs.length) || 1);
  return { mean, std };
}

export function scale(scaler: Scaler, x: number[]): number[] {
  return x.map((v, j) => (v - scaler.mean[j]!) / scaler.std[j]!);
}

/**
 * Deterministic split that keeps a share of every family out of training, so the held-out set
 * covers every kind of program the corpus has (a seeded shuffle within each group).
 */
export function splitHeldOut(samples: Sample[], share: number, random: () => number): { train: Sample[]; test: Sample[] } {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const train: Sample[] = [];
  const test: Sample[] = [];
  for (const key of [...groups.keys()].sort()) {
    const members = [...groups.get(key)!];
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    const held = Math.round(members.length * share);
    test.push(...members.slice(0, held));
    train.push(...members.slice(held));
  }
  return { train, test };
}
