import { loadEstimator, type Estimator } from '../code/estimator';
import type { TrainedEstimatorArtifact } from './artifact';
import { eventView } from './code-features-event';

/**
 * A ready estimator for a stored version. A model retrained on the event view is fed the event
 * view of whatever the analyser computed, so it never sees a feature it was not trained on.
 */
export async function loadTrainedEstimator(artifact: TrainedEstimatorArtifact): Promise<Estimator> {
  const inner = await loadEstimator(artifact.estimator);
  if (artifact.inputs === 'analyzer') return inner;
  return { name: inner.name, estimate: (features) => inner.estimate(features.map(eventView)), dispose: () => inner.dispose() };
}
