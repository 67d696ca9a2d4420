import { tf } from '../tf/backend';
import { DenseNet } from './dense-net';
import { fromLog, quantileLevels, scale, targets, toLog, type Estimate, type Sample, type Scaler, type Target } from './samples';

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

const outputsPerTarget = quantileLevels.length;

/** Median plus cumulative softplus gaps: [n, targets × 3] raw → the same shape, ordered per target. */
function toQuantiles(raw: tf.Tensor2D): tf.Tensor2D {
  const parts: tf.Tensor2D[] = [];
  for (let t = 0; t < targets.length; t++) {
    const base = raw.slice([0, t * outputsPerTarget], [-1, 1]);
    const gaps = tf.softplus(raw.slice([0, t * outputsPerTarget + 1], [-1, outputsPerTarget - 1]));
    parts.push(tf.concat([base, base.add(tf.cumsum(gaps, 1))], 1) as tf.Tensor2D);
  }
  return tf.concat(parts, 1);
}

function pinball(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const q = toQuantiles(yPred as tf.Tensor2D);
    const levels = tf.tensor1d(targets.flatMap(() => [...quantileLevels]));
    const diff = yTrue.sub(q);
    return tf.maximum(diff.mul(levels), diff.mul(levels.sub(1))).mean() as tf.Scalar;
  });
}

function build(inputs: number, o: MlpOptions): tf.LayersModel {
  const model = tf.sequential();
  o.hidden.forEach((units, i) => {
    model.add(tf.layers.dense({
      units, activation: 'relu', ...(i === 0 ? { inputShape: [inputs] } : {}),
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + i }),
      kernelRegularizer: tf.regularizers.l2({ l2: o.l2 }),
    }));
  });
  model.add(tf.layers.dense({ units: targets.length * outputsPerTarget, kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 99 }) }));
  return model;
}

/** Trains full-batch without shuffling, so a seed gives the same network on the same backend. */
export async function trainMlp(train: Sample[], scaler: Scaler, options: Partial<MlpOptions> = {}): Promise<tf.LayersModel> {
  const o = { ...defaultMlpOptions, ...options };
  const model = build(train[0]!.x.length, o);
  model.compile({ optimizer: tf.train.adam(o.learningRate), loss: pinball });
  const x = tf.tensor2d(train.map((s) => scale(scaler, s.x)));
  // Each target's truth repeated once per quantile level, to line up with the outputs.
  const y = tf.tensor2d(train.map((s) => targets.flatMap((t) => quantileLevels.map(() => toLog(s.y[t])))));
  try {
    await model.fit(x, y, { epochs: o.epochs, batchSize: train.length, shuffle: false, verbose: 0 });
  } finally {
    x.dispose();
    y.dispose();
  }
  return model;
}

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

export async function serializeMlp(model: tf.LayersModel, options: MlpOptions): Promise<SerializedMlp> {
  // Saved from an uncompiled twin: the training config would name a custom loss that a loader
  // could not resolve, and inference needs only the weights.
  const twin = build((model.inputs[0]!.shape[1] as number), options);
  twin.setWeights(model.getWeights());
  let saved: tf.io.ModelArtifacts | undefined;
  await twin.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  if (!saved?.modelTopology || !saved.weightSpecs || !saved.weightData) throw new Error('quantile-mlp: the model produced no artifacts');
  const data = saved.weightData instanceof ArrayBuffer ? saved.weightData : tf.io.concatenateArrayBuffers(saved.weightData);
  return { kind: 'quantile-mlp', options, modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs, weightData: Buffer.from(data).toString('base64') };
}

/** The network of a serialised MLP, for inference (see DenseNet). */
export function denseNetOf(serialized: SerializedMlp): DenseNet {
  const bytes = Buffer.from(serialized.weightData, 'base64');
  return DenseNet.fromArtifacts(serialized.modelTopology, serialized.weightSpecs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
