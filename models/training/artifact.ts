import type { EstimatorArtifact } from '../code/estimator';
import { assertEvidenceStrengths, type EvidenceStrengths } from '../demand/evidence-strength';

/** The name the code estimator goes by on prm.model-updates, in prm.model_versions and in predictions. */
export const CODE_MODEL_NAME = 'code-estimator';

/**
 * What a model sees as input. 'analyzer': every feature the analyser computes (the shipped
 * artifact, trained offline on the code corpus). 'code-features-event': the event view (see
 * code-features-event.ts), all a retrained model can learn from stored history.
 */
export type EstimatorInputs = 'analyzer' | 'code-features-event';

/**
 * A code-estimator version as stored in prm.model_artifacts: the estimator, the inputs it
 * expects and, once fitted on history, how it is mixed with user profiles (a version trained
 * before mixing was fitted, or the shipped one, has none: the predictor's default applies).
 */
export interface TrainedEstimatorArtifact {
  format: 'prm-trained-code-estimator/1';
  inputs: EstimatorInputs;
  estimator: EstimatorArtifact;
  mixing?: EstimatorMixing;
}

/** How many of a user's decayed executions this version's estimate of each resource is worth (models/demand/evidence-strength). */
export interface EstimatorMixing {
  codeEvidenceStrength: EvidenceStrengths;
}

export function wrapEstimatorArtifact(estimator: EstimatorArtifact, inputs: EstimatorInputs, mixing?: EstimatorMixing): TrainedEstimatorArtifact {
  return { format: 'prm-trained-code-estimator/1', inputs, estimator, ...(mixing ? { mixing } : {}) };
}

export function serializeArtifact(artifact: TrainedEstimatorArtifact): string {
  return JSON.stringify(artifact);
}

/** Parses a stored artifact (text or already-decoded JSON); anything else is refused with the reason. */
export function parseArtifact(body: unknown): TrainedEstimatorArtifact {
  const value: unknown = typeof body === 'string' ? JSON.parse(body) : body;
  if (!isRecord(value) || value.format !== 'prm-trained-code-estimator/1') throw new TypeError('not a prm-trained-code-estimator/1 artifact');
  if (value.inputs !== 'analyzer' && value.inputs !== 'code-features-event') throw new TypeError(`unknown estimator inputs ${String(value.inputs)}`);
  const estimator = value.estimator;
  if (!isRecord(estimator) || estimator.format !== 'prm-code-estimator/1') throw new TypeError('artifact holds no prm-code-estimator/1 estimator');
  if (value.mixing !== undefined) {
    if (!isRecord(value.mixing)) throw new TypeError('artifact mixing is not an object');
    assertEvidenceStrengths(value.mixing.codeEvidenceStrength, 'artifact mixing');
  }
  return value as unknown as TrainedEstimatorArtifact;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a version's artifact lives: any instance with the database can load it. */
export function artifactUri(modelName: string, version: string): string {
  return `db://prm.model_artifacts/${encodeURIComponent(modelName)}/${encodeURIComponent(version)}`;
}

export function parseArtifactUri(uri: string): { modelName: string; version: string } {
  const match = /^db:\/\/prm\.model_artifacts\/([^/]+)\/([^/]+)$/.exec(uri);
  if (!match) throw new RangeError(`not a model artifact URI: ${uri} (expected db://prm.model_artifacts/<model>/<version>)`);
  return { modelName: decodeURIComponent(match[1]!), version: decodeURIComponent(match[2]!) };
}

/**
 * A version name that sorts by training time and differs for different weights: the training
 * instant (UTC, to the second) and a digest of the artifact, e.g. 20261128T083000Z-1a2b3c4d.
 */
export function versionName(trainedAt: Date, digestHex: string): string {
  const stamp = trainedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${digestHex.slice(0, 8)}`;
}

/** The version name of the artifact shipped with the code (models/code/estimator-model.json), from a digest of its text. */
export function shippedVersionName(digestHex: string): string {
  return `shipped-${digestHex.slice(0, 8)}`;
}
