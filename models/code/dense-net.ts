import type { tf } from '../tf/backend';

/**
 * The estimator's network evaluated without TensorFlow.js: a chain of dense layers read from the
 * tf.io artifacts training saves (Keras topology JSON, weight specs, float32 weights).
 *
 * Why: tfjs dispatches every op of a forward pass through its engine (tensors, tidy scopes, a
 * kernel call each). For the shipped 30 -> 64 -> 32 -> 9 network that cost about a millisecond a
 * call, where the arithmetic is 4,256 multiply-adds; the predictor estimates every program it has
 * not seen before, so first-seen code paid it on the request path. Training stays on tfjs.
 *
 * Sums are taken in double precision over the float32 weights, so outputs differ from tfjs'
 * float32 ones by float32 rounding (under 1e-5 relative on the shipped network).
 */
export class DenseNet {
  private constructor(private readonly layers: readonly DenseLayer[]) {}

  /** Reads a Sequential of Dense layers (relu or linear); refuses any other topology rather than guess. */
  static fromArtifacts(topology: unknown, specs: readonly tf.io.WeightsManifestEntry[], weightData: ArrayBuffer): DenseNet {
    const configs = denseConfigs(topology);
    const weights = new Map<string, { shape: number[]; values: Float32Array }>();
    let offset = 0;
    for (const spec of specs) {
      if (spec.dtype !== 'float32') throw new Error(`dense net: weight ${spec.name} is ${spec.dtype}, expected float32`);
      const count = spec.shape.reduce((n, d) => n * d, 1);
      if (offset + count * 4 > weightData.byteLength) throw new Error(`dense net: the weight data ends inside ${spec.name}`);
      weights.set(spec.name, { shape: spec.shape, values: new Float32Array(weightData.slice(offset, offset + count * 4)) });
      offset += count * 4;
    }
    if (offset !== weightData.byteLength) throw new Error(`dense net: ${weightData.byteLength - offset} bytes of weight data beyond the specs`);
    const layers: DenseLayer[] = [];
    for (const c of configs) {
      const kernel = weights.get(`${c.name}/kernel`);
      if (!kernel || kernel.shape.length !== 2 || kernel.shape[1] !== c.units) throw new Error(`dense net: layer ${c.name} has no [inputs, ${c.units}] kernel`);
      const inputs = kernel.shape[0]!;
      const previous = layers.at(-1);
      if (previous && previous.units !== inputs) throw new Error(`dense net: layer ${c.name} takes ${inputs} inputs, the layer before gives ${previous.units}`);
      const bias = c.useBias ? weights.get(`${c.name}/bias`)?.values : new Float32Array(c.units);
      if (!bias || bias.length !== c.units) throw new Error(`dense net: layer ${c.name} has no bias of ${c.units}`);
      layers.push({ inputs, units: c.units, kernel: kernel.values, bias, relu: c.activation === 'relu' });
    }
    return new DenseNet(layers);
  }

  get inputs(): number {
    return this.layers[0]!.inputs;
  }

  /** The network's output for one input row. */
  predict(x: ArrayLike<number>): Float64Array {
    if (x.length !== this.inputs) throw new RangeError(`dense net: expected ${this.inputs} inputs, got ${x.length}`);
    let input: ArrayLike<number> = x;
    let output = new Float64Array(0);
    for (const layer of this.layers) {
      output = new Float64Array(layer.units);
      output.set(layer.bias);
      // Row-major [inputs][units]: each input adds its row, so the kernel is read in order.
      const { kernel, units } = layer;
      for (let i = 0; i < layer.inputs; i++) {
        const v = input[i]!;
        if (v === 0) continue;
        const row = i * units;
        for (let u = 0; u < units; u++) output[u]! += v * kernel[row + u]!;
      }
      if (layer.relu) for (let u = 0; u < units; u++) if (!(output[u]! > 0)) output[u] = 0;
      input = output;
    }
    return output;
  }
}

interface DenseLayer {
  inputs: number;
  units: number;
  /** Row-major [inputs][units], as tf.io stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  relu: boolean;
}

interface DenseConfig {
  name: string;
  units: number;
  activation: 'relu' | 'linear';
  useBias: boolean;
}

function denseConfigs(topology: unknown): DenseConfig[] {
  const model = topology as { class_name?: unknown; config?: { layers?: unknown } } | null;
  if (model?.class_name !== 'Sequential' || !Array.isArray(model.config?.layers)) throw new Error('dense net: the topology is not a Sequential model');
  const layers = model.config.layers as { class_name?: unknown; config?: Record<string, unknown> }[];
  if (layers.length === 0) throw new Error('dense net: the model has no layers');
  return layers.map((l, i) => {
    const c = l.config ?? {};
    if (l.class_name !== 'Dense') throw new Error(`dense net: layer ${i} is ${String(l.class_name)}, only Dense is supported`);
    if (c.activation !== 'relu' && c.activation !== 'linear') throw new Error(`dense net: layer ${i} has activation ${String(c.activation)}, only relu and linear are supported`);
    if (typeof c.name !== 'string' || typeof c.units !== 'number') throw new Error(`dense net: layer ${i} has no name or units`);
    return { name: c.name, units: c.units, activation: c.activation, useBias: c.use_bias !== false };
  });
}
