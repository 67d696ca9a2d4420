import { tf } from '../tf/backend';
import { LstmForecaster, type LstmConfig } from './lstm';

/**
 * A trained LSTM as one JSON-able value: what the trainer publishes on prm.model-updates and a
 * processor swaps in. Saved through tf.io.withSaveHandler and loaded with tf.io.fromMemory
 * because the WASM backend has no file:// handlers; where it is stored is the caller's business.
 */
export interface LstmArtifact {
  format: 'prm-lstm';
  /** 2: eight inputs per step (the recent-median distances added to version 1's six). */
  formatVersion: 2;
  /** Content version: a hash of topology and weights, so equal models get equal versions. */
  modelVersion: string;
  config: LstmConfig;
  /** Data cut-off the model was trained to (exclusive), epoch seconds. */
  trainedUntilSeconds: number;
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightDataBase64: string;
}

export class LstmArtifactError extends Error {
  override name = 'LstmArtifactError';
}

export async function saveLstm(model: LstmForecaster, trainedUntilSeconds: number): Promise<LstmArtifact> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  if (!saved?.modelTopology || !saved.weightSpecs || !saved.weightData) throw new LstmArtifactError('tfjs saved no topology or weights');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData));
  const topology = saved.modelTopology as object;
  return {
    format: 'prm-lstm',
    formatVersion: 2,
    modelVersion: `lstm-${fnv1a(JSON.stringify(topology), weights)}`,
    config: { ...model.config },
    trainedUntilSeconds,
    modelTopology: topology,
    weightSpecs: saved.weightSpecs,
    weightDataBase64: Buffer.from(weights).toString('base64'),
  };
}

export async function loadLstm(a: LstmArtifact): Promise<LstmForecaster> {
  if (a.format !== 'prm-lstm') throw new LstmArtifactError(`not an LSTM artifact (format '${String(a.format)}')`);
  if (a.formatVersion !== 2) throw new LstmArtifactError(`unsupported LSTM artifact version ${String(a.formatVersion)}`);
  const bytes = Buffer.from(a.weightDataBase64, 'base64');
  if (`lstm-${fnv1a(JSON.stringify(a.modelTopology), bytes)}` !== a.modelVersion) {
    throw new LstmArtifactError(`artifact ${a.modelVersion} does not match its weights (corrupt or edited)`);
  }
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData }));
  return new LstmForecaster(model, a.config);
}

/** 32-bit FNV-1a over the topology text and the weight bytes, as 8 hex digits. */
function fnv1a(text: string, bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  const mix = (b: number) => { h ^= b; h = Math.imul(h, 0x01000193) >>> 0; };
  for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i) & 0xff);
  for (let i = 0; i < bytes.length; i++) mix(bytes[i]!);
  return h.toString(16).padStart(8, '0');
}
