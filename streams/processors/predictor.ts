import { performance } from 'node:perf_hooks';
import type { Analyzer } from '../../models/code/analyzer';
import type { Estimator } from '../../models/code/estimator';
import type { CodeFeatures as AnalyzedFeatures } from '../../models/code/features';
import type { Estimate } from '../../models/code/samples';
import { CODE_MODEL_NAME } from '../../models/training/artifact';
import { codeFeaturesEvent } from '../../models/training/code-features-event';
import type { ExecutionRequest, PredictedDemand, UserProfile } from '../../schemas/types.generated';
import { defineProcessor, keyValueStore } from '../runtime/topology';
import { combineDemand, type WeightedEstimate } from '../../models/demand/combine';
import { DEFAULT_CODE_EVIDENCE_STRENGTHS, codeComponentOf, mixtureWeights, type EvidenceStrengths } from '../../models/demand/evidence-strength';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';

/** A code-estimator version as the predictor uses it; `codeEvidenceStrength` defaults to DEFAULT_CODE_EVIDENCE_STRENGTHS. */
export interface EstimatorInUse {
  estimator: Estimator;
  version: string;
  codeEvidenceStrength?: EvidenceStrengths;
}

export interface PredictorOptions {
  topics: EventTopics;
  /** Static analysis with its cache (models/code createAnalyzer). */
  analyzer: Analyzer;
  /** The code-complexity estimator (models/code loadEstimator) and the version of its artifact. */
  estimator: Estimator;
  estimatorVersion: string;
  /**
   * The estimator to use for the next request, when versions are swapped while running (a
   * streams/trainer EstimatorRegistry's `current`). Read per request; `estimator` and
   * `estimatorVersion` are then unused. A version's `codeEvidenceStrength` (fitted by the trainer,
   * in its artifact) is how many of a user's decayed executions its estimate of each resource is
   * worth; without one, DEFAULT_CODE_EVIDENCE_STRENGTHS.
   */
  currentEstimator?: () => EstimatorInUse;
}

/**
 * Requests in, one PredictedDemand out per request: the code is analysed inline (the analyser
 * caches by source hash), estimated by the code model, and mixed with the user's profile from
 * the profile table, which this processor keeps from the compacted prm.user-profiles topic
 * (co-partitioned by user id, so the table partition is local to the request partition).
 * The analysis also goes out as CodeFeatures on prm.code-features (history the trainer can
 * join with the measured telemetry by request id). The code model's component names the
 * version that made it, so a swapped-in version shows on the next prediction.
 */
export function predictorProcessor(o: PredictorOptions) {
  const fixed: EstimatorInUse = { estimator: o.estimator, version: o.estimatorVersion };
  const currentEstimator = o.currentEstimator ?? (() => fixed);
  // The analyser hands back the same features object for the same source (its cache by hash):
  // the estimate of one object under one estimator version is computed once. The shipped neural
  // estimator costs about 20 µs a call warm (the domain guard and the network, models/code/dense-net.ts),
  // a lookup here well under one.
  const estimates = new WeakMap<AnalyzedFeatures, { version: string; estimate: Estimate }>();
  return defineProcessor({
    name: 'predictor',
    inputs: {
      requests: o.topics.topic('prm.requests', 'ExecutionRequest'),
      profiles: o.topics.topic('prm.user-profiles', 'UserProfile'),
    },
    outputs: {
      predictions: o.topics.topic('prm.demand-predictions', 'PredictedDemand'),
      codeFeatures: o.topics.topic('prm.code-features', 'CodeFeatures'),
    },
    stores: { profiles: keyValueStore(o.topics.serde('prm.user-profiles', 'UserProfile')) },
    eventTime: {
      // A compacted profile topic replayed from the start is old by nature, and every request must be predicted.
      allowedLatenessMs: NEVER_LATE_MS,
      timestamp: (r) => (r.input === 'requests' ? r.value.submittedAt.getTime() : r.value.updatedAt.getTime()),
    },
    onError: 'dead-letter',
    process(ctx, record) {
      if (record.input === 'profiles') {
        const table = ctx.store('profiles');
        const current = table.get(record.value.userId);
        // The table keeps the newest snapshot: a redelivered or reordered older one changes nothing.
        if (!current || current.updatedAt.getTime() <= record.value.updatedAt.getTime()) table.put(record.value.userId, record.value);
        return;
      }
      const request = record.value;
      const profile = ctx.store('profiles').get(request.userId);
      const started = performance.now();
      const features = o.analyzer.analyze(request.code);
      const parseMs = performance.now() - started;
      const prediction = predict(request, features, profile);
      ctx.forward('codeFeatures', { key: request.userId, value: codeFeaturesEvent(request, features, parseMs) });
      ctx.forward('predictions', { key: request.userId, value: prediction });
    },
  });

  /** The estimate of a features object under the current estimator version (see `estimates`). */
  function estimateOf(features: AnalyzedFeatures): { estimate: Estimate; version: string; k: EvidenceStrengths } {
    const { estimator, version, codeEvidenceStrength } = currentEstimator();
    const k = codeEvidenceStrength ?? DEFAULT_CODE_EVIDENCE_STRENGTHS;
    const known = estimates.get(features);
    if (known?.version === version) return { estimate: known.estimate, version, k };
    const [estimate] = estimator.estimate([features]);
    if (!estimate) throw new Error(`estimator ${estimator.name} returned no estimate`);
    estimates.set(features, { version, estimate });
    return { estimate, version, k };
  }

  function predict(request: ExecutionRequest, features: AnalyzedFeatures, profile: UserProfile | undefined): PredictedDemand {
    const { estimate, version, k } = estimateOf(features);
    const evidence = profile ? profile.cpuMs.weight : 0;
    const weights = mixtureWeights(evidence, k);
    const parts: WeightedEstimate[] = [{ estimate: codeComponentOf(estimate, version, CODE_MODEL_NAME), ...weights.code }];
    if (profile && evidence > 0) {
      parts.push({
        estimate: {
          source: 'USER_PROFILE',
          model: { name: 'user-profile', version: `half-life-${profile.halfLifeMs}ms` },
          cpuMs: quantiles(profile.cpuMs),
          peakMemoryBytes: quantiles(profile.peakMemoryBytes),
          ioBytes: quantiles(profile.ioBytes),
          durationMs: quantiles(profile.durationMs),
          evidence,
        },
        ...weights.profile,
      });
    }
    const combined = combineDemand(parts);
    return {
      requestId: request.requestId,
      userId: request.userId,
      predictedAt: request.submittedAt,
      submittedAt: request.submittedAt,
      tier: request.tier,
      priority: request.priority,
      deadline: request.deadline ?? null,
      cpuMs: combined.cpuMs,
      peakMemoryBytes: combined.peakMemoryBytes,
      ioBytes: combined.ioBytes,
      durationMs: combined.durationMs,
      components: combined.components,
      profileObservations: profile?.observations ?? 0,
    };
  }
}

function quantiles(d: { p50: number; p90: number; p99: number }) {
  return { p50: d.p50, p90: d.p90, p99: d.p99 };
}
