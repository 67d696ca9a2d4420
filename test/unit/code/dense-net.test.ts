import { readFileSync } from 'node:fs';
import { DenseNet } from '../../../models/code/dense-net';
import { artifactPath, type EstimatorArtifact } from '../../../models/code/estimator';
import { denseNetOf, predictMlp, type SerializedMlp } from '../../../models/code/quantile-mlp';
import { targets } from '../../../models/code/samples';
import { seededRandom } from '../../../models/seeded-random';
import { initTfBackend, tf } from '../../../models/tf/backend';

const shipped = JSON.parse(readFileSync(artifactPath, 'utf8')) as EstimatorArtifact;

/** Inputs around the training scale: standard-normal-ish, some zero (features a program lacks). */
function inputs(n: number, d: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => (random() < 0.2 ? 0 : (random() + random() + random() - 1.5) * 3)));
}

function weightBuffer(mlp: SerializedMlp): ArrayBuffer {
  const bytes = Buffer.from(mlp.weightData, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

describe('the estimator network without tfjs', () => {
  it('gives what tfjs gives for the shipped network, to float32 rounding', async () => {
    await initTfBackend();
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: shipped.mlp.modelTopology, weightSpecs: shipped.mlp.weightSpecs, weightData: weightBuffer(shipped.mlp) }));
    const net = denseNetOf(shipped.mlp);
    const xs = inputs(300, net.inputs, 1);
    const expected = tf.tidy(() => (model.predict(tf.tensor2d(xs)) as tf.Tensor2D).arraySync());
    model.dispose();
    let worst = 0;
    xs.forEach((x, i) => net.predict(x).forEach((v, j) => (worst = Math.max(worst, Math.abs(v - expected[i]![j]!) / Math.max(1, Math.abs(v))))));
    expect(net.predict(xs[0]!).length).toBe(expected[0]!.length);
    expect(worst).toBeLessThan(1e-5);
  });

  it('turns outputs into ordered quantiles, widened by the calibration', () => {
    const net = denseNetOf(shipped.mlp);
    const xs = inputs(50, net.inputs, 2);
    const plain = predictMlp(net, shipped.scaler, xs);
    const calibrated = predictMlp(net, shipped.scaler, xs, shipped.mlpCalibration);
    for (let i = 0; i < xs.length; i++) {
      for (const t of targets) {
        const q = calibrated[i]![t];
        expect(q.p50).toBeLessThanOrEqual(q.p90);
        expect(q.p90).toBeLessThanOrEqual(q.p99);
        expect(q.p50).toBe(plain[i]![t].p50);
        expect(q.p90).toBeGreaterThanOrEqual(plain[i]![t].p90);
      }
    }
  });

  it('computes a dense chain by hand', () => {
    // 2 -> 2 (relu) -> 1 (linear): kernels row-major [inputs][units].
    const topology = sequential([{ name: 'a', units: 2, activation: 'relu' }, { name: 'b', units: 1, activation: 'linear' }]);
    const specs = [spec('a/kernel', [2, 2]), spec('a/bias', [2]), spec('b/kernel', [2, 1]), spec('b/bias', [1])];
    const weights = new Float32Array([1, -1, 2, 1, /* bias */ 0, 0.5, /* b */ 3, -2, /* bias */ 1]).buffer;
    const net = DenseNet.fromArtifacts(topology, specs, weights);
    // hidden = relu([1*1 + 2*2, 1*-1 + 2*1 + 0.5]) = [5, 1.5]; out = 5*3 + 1.5*-2 + 1 = 13
    expect([...net.predict([1, 2])]).toEqual([13]);
    // hidden = relu([1 - 2, -1 - 1 + 0.5]) = [0, 0]: both units cut by relu leave b's bias.
    expect([...net.predict([1, -1])]).toEqual([1]);
    // hidden = relu([-1 + 2, 1 + 1 + 0.5]) = [1, 2.5]; out = 3 - 5 + 1
    expect([...net.predict([-1, 1])]).toEqual([-1]);
    expect(() => net.predict([1])).toThrow(/expected 2 inputs/);
  });

  it('refuses what it cannot evaluate rather than guess', () => {
    const ok = { topology: sequential([{ name: 'a', units: 1, activation: 'linear' }]), specs: [spec('a/kernel', [2, 1]), spec('a/bias', [1])], weights: new Float32Array(3).buffer };
    expect(() => DenseNet.fromArtifacts(ok.topology, ok.specs, ok.weights)).not.toThrow();
    expect(() => DenseNet.fromArtifacts({ class_name: 'Functional', config: { layers: [] } }, ok.specs, ok.weights)).toThrow(/not a Sequential/);
    expect(() => DenseNet.fromArtifacts(sequential([{ name: 'a', units: 1, activation: 'tanh' }]), ok.specs, ok.weights)).toThrow(/activation tanh/);
    expect(() => DenseNet.fromArtifacts({ class_name: 'Sequential', config: { layers: [{ class_name: 'Conv1D', config: {} }] } }, ok.specs, ok.weights)).toThrow(/Conv1D/);
    expect(() => DenseNet.fromArtifacts(ok.topology, [{ ...spec('a/kernel', [2, 1]), dtype: 'int32' }, spec('a/bias', [1])], ok.weights)).toThrow(/int32/);
    expect(() => DenseNet.fromArtifacts(ok.topology, ok.specs, new Float32Array(2).buffer)).toThrow(/ends inside a\/bias/);
    expect(() => DenseNet.fromArtifacts(ok.topology, ok.specs, new Float32Array(4).buffer)).toThrow(/beyond the specs/);
    const chain = sequential([{ name: 'a', units: 2, activation: 'relu' }, { name: 'b', units: 1, activation: 'linear' }]);
    expect(() => DenseNet.fromArtifacts(chain, [spec('a/kernel', [2, 2]), spec('a/bias', [2]), spec('b/kernel', [3, 1]), spec('b/bias', [1])], new Float32Array(10).buffer)).toThrow(/takes 3 inputs/);
  });
});

function sequential(layers: { name: string; units: number; activation: string }[]): unknown {
  return { class_name: 'Sequential', config: { layers: layers.map((config) => ({ class_name: 'Dense', config: { ...config, use_bias: true } })) } };
}

function spec(name: string, shape: number[]): tf.io.WeightsManifestEntry {
  return { name, shape, dtype: 'float32' };
}
