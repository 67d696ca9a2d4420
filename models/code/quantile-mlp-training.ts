import { tf } from '../tf/backend';
import { defaultMlpOptions, outputsPerTarget, type MlpOptions, type SerializedMlp } from './quantile-mlp';
import { quantileLevels, scale, targets, toLog, type Sample, type Scaler } from './samples';

// Training the quantile MLP on TensorFlow.js; serving it needs none of this (quantile-mlp.ts).

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
