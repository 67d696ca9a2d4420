import type { tf } from '../tf/backend';
import { DenseNet } from './dense-net';
import { fromLog, quantileLevels, scale, targets, type Estimate, type Scaler, type Target } from './samples';

/**
 * The learned estimator: a small MLP from scaled features to, per target, the 0.5/0.9/0.99
 * quantiles of ln(1 + usage), trained with the pinball loss. Quantiles cannot cross: the net
 * emits the median and two non-negative (softplus) gaps above it.
 */
export interface MlpOptions {
  hidden: number[];
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export const defaultMlpOptions: MlpOptions = { hidden: [64, 32], epochs: 800, learningRate: 0.01, l2: 1e-3, seed: 7 };

/** The network in serialisable form (tf.io model artifacts with the weights as base64). */
export interface SerializedMlp {
  kind: 'quantile-mlp';
  options: MlpOptions;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: string;
}

/** Outputs per target: the median and a gap above it for each upper quantile level. */
export const outputsPerTarget = quantileLevels.length;

/** Log-scale gaps above the median that held-out residuals call for, per target: [p90, p99]. */
export type Calibration = Record<Target, [number, number]>;

/**
 * Estimates from the network's raw outputs, as `toQuantiles` shapes them in training: per target
 * the median and two softplus gaps above it, in ln(1 + usage).
 * @param calibration when given, p90 and p99 are widened to at least these gaps above p50
 */
export function predictMlp(net: DenseNet, scaler: Scaler, xs: number[][], calibration?: Calibration): Estimate[] {
  return xs.map((x) => {
    const raw = net.predict(scale(scaler, x));
    const out = {} as Estimate;
    targets.forEach((t, i) => {
      const m = raw[i * outputsPerTarget]!;
      const q90 = m + softplus(raw[i * outputsPerTarget + 1]!);
      const q99 = q90 + softplus(raw[i * outputsPerTarget + 2]!);
      const [g90, g99] = calibration?.[t] ?? [0, 0];
      const p90 = Math.max(q90, m + g90);
      out[t] = { p50: fromLog(m), p90: fromLog(p90), p99: fromLog(Math.max(q99, m + g99, p90)) };
    });
    return out;
  });
}

/** ln(1 + e^x) without overflow for large x. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The network of a serialised MLP, for inference (see DenseNet). */
export function denseNetOf(serialized: SerializedMlp): DenseNet {
  const bytes = Buffer.from(serialized.weightData, 'base64');
  return DenseNet.fromArtifacts(serialized.modelTopology, serialized.weightSpecs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
