import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { artifactPath, type EstimatorArtifact } from '../../models/code/estimator';
import {
  artifactUri, parseArtifact, parseArtifactUri, shippedVersionName, wrapEstimatorArtifact, type TrainedEstimatorArtifact,
} from '../../models/training/artifact';
import type { ModelUpdated } from '../../schemas/types.generated';
import type { Queryable } from '../../sinks/database';

/** Model artifacts and versions in the database: prm.model_artifacts and prm.model_versions. */

/** Stores any model's artifact (JSON with its `format`) under its version; a version's artifact never changes, so storing it again is a no-op. */
export async function putArtifact(db: Queryable, modelName: string, version: string, artifact: { format: string }): Promise<string> {
  await db.query(
    `INSERT INTO prm.model_artifacts (model_name, version, format, body) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (model_name, version) DO NOTHING`,
    [modelName, version, artifact.format, JSON.stringify(artifact)],
  );
  return artifactUri(modelName, version);
}

/** The stored JSON an artifactUri names, for the model's own parser; a missing one is an error naming the URI. */
export async function getArtifactBody(db: Queryable, uri: string): Promise<unknown> {
  const { modelName, version } = parseArtifactUri(uri);
  const result = await db.query<{ body: unknown }>(`SELECT body FROM prm.model_artifacts WHERE model_name = $1 AND version = $2`, [modelName, version]);
  const row = result.rows[0];
  if (!row) throw new Error(`no artifact stored at ${uri}`);
  return row.body;
}

/** A code-estimator artifact by its URI. */
export async function getArtifact(db: Queryable, uri: string): Promise<TrainedEstimatorArtifact> {
  return parseArtifact(await getArtifactBody(db, uri));
}

/** Records a trained version with its validation (promoted or not): the trainer's own record, also what the sink stores from ModelUpdated. */
export async function recordVersion(db: Queryable, v: ModelUpdated): Promise<void> {
  await db.query(
    `INSERT INTO prm.model_versions (model_name, version, algorithm, trained_at, window_start, window_end, training_rows,
       validation_metrics, baseline_metrics, promoted, artifact_uri)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11) ON CONFLICT (model_name, version) DO NOTHING`,
    [v.modelName, v.version, v.algorithm, v.trainedAt, v.windowStart, v.windowEnd, v.trainingRows,
      JSON.stringify(v.validationMetrics), JSON.stringify(v.baselineMetrics), v.promoted, v.artifactUri],
  );
}

/** The artifact shipped with the code, and its version name (from a digest of its text, so every instance names it alike). */
export async function shippedEstimator(path = artifactPath): Promise<{ version: string; artifact: TrainedEstimatorArtifact }> {
  const text = await readFile(path, 'utf8');
  const estimator = JSON.parse(text) as EstimatorArtifact;
  return { version: shippedVersionName(digest(text)), artifact: wrapEstimatorArtifact(estimator, 'analyzer') };
}

export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
