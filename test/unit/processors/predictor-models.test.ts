import type { Estimator } from '../../../models/code/estimator';
import { featuresFromEvent } from '../../../models/training/code-features-event';
import { predictorProcessor } from '../../../streams/processors/predictor';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { createEstimatorRegistry } from '../../../streams/trainer/registry';
import { sampleEvents } from '../schemas/samples';
import { T0, analyzer, opsEstimator, request, setup } from './fixtures';

/** An estimator that says the same CPU time for any code, and records whether it was disposed. */
function constant(cpuMs: number): Estimator & { disposed: boolean } {
  const q = (x: number) => ({ p50: x, p90: 2 * x, p99: 3 * x });
  const e = {
    name: 'log-ridge' as const,
    disposed: false,
    estimate: (fs: unknown[]) => fs.map(() => ({ cpu_ms: q(cpuMs), peak_memory_mb: q(10), duration_ms: q(cpuMs) })),
    dispose: () => {
      e.disposed = true;
    },
  };
  return e;
}

describe('predictor with swappable code models', () => {
  it('uses a version swapped into the registry from the next request on, and names it in the prediction', () => {
    const { clock, topics } = setup();
    const first = constant(10);
    const estimators = createEstimatorRegistry({ estimator: first, version: 'v1' });
    const driver = new ProcessorTestDriver(
      predictorProcessor({ topics, analyzer, estimator: opsEstimator, estimatorVersion: 'unused', currentEstimator: estimators.current }),
      { clock },
    );
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'before', userId: 'ann' }) });
    estimators.swap({ estimator: constant(500), version: 'v2' });
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'after', userId: 'ann' }) });

    const [before, after] = driver.readOutput('predictions').map((o) => o.value!);
    expect(before!.components[0]!.model).toEqual({ name: 'code-estimator', version: 'v1' });
    expect(before!.cpuMs.p50).toBeCloseTo(10, 6);
    expect(after!.components[0]!.model).toEqual({ name: 'code-estimator', version: 'v2' });
    expect(after!.cpuMs.p50).toBeCloseTo(500, 6);
    expect(first.disposed).toBe(true);
    expect(estimators.history()).toEqual(['v1', 'v2']);
  });

  it('weighs the profile against the code estimate by the ks of the version in use: a swapped version\'s own from the next request on', () => {
    const { clock, topics } = setup();
    const estimators = createEstimatorRegistry({ estimator: constant(10), version: 'v1' });
    const driver = new ProcessorTestDriver(
      predictorProcessor({ topics, analyzer, estimator: opsEstimator, estimatorVersion: 'unused', currentEstimator: estimators.current }),
      { clock },
    );
    const profile = { ...sampleEvents(new Date(T0)).UserProfile, userId: 'ann' };
    const n = profile.cpuMs.weight;
    driver.pipeInput('profiles', { key: 'ann', value: profile });
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'default-k', userId: 'ann' }) });
    estimators.swap({ estimator: constant(10), version: 'v2', codeEvidenceStrength: { cpu_ms: 1_000, peak_memory_mb: 0.5, duration_ms: 1_000 } });
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'fitted-k', userId: 'ann' }) });

    const [before, after] = driver.readOutput('predictions').map((o) => o.value!);
    const weights = [before!, after!].map((p) => Object.fromEntries(p.components.map((c) => [c.source, c.weight])));
    // A component records its CPU-time weight.
    expect(weights[0]!.USER_PROFILE).toBeCloseTo(n / (n + 5), 12);
    expect(weights[1]!.USER_PROFILE).toBeCloseTo(n / (n + 1_000), 12);
    expect(weights[1]!.CODE_ANALYSIS).toBeCloseTo(1_000 / (n + 1_000), 12);
    // Memory leans on the profile under v2's memory k: its log-mean moves from the code's 10 MiB almost to the profile's median.
    const code = after!.components.find((c) => c.source === 'CODE_ANALYSIS')!.peakMemoryBytes.p50;
    const profiled = after!.components.find((c) => c.source === 'USER_PROFILE')!.peakMemoryBytes.p50;
    const w = n / (n + 0.5);
    expect(after!.peakMemoryBytes.p50).toBeCloseTo(Math.expm1((1 - w) * Math.log1p(code) + w * Math.log1p(profiled)), 0);
    expect(after!.cpuMs.p50).toBeCloseTo(Math.expm1((1 - n / (n + 1_000)) * Math.log1p(10) + (n / (n + 1_000)) * Math.log1p(profile.cpuMs.p50)), 6);
  });

  it('emits one CodeFeatures per request, keyed by user, carrying the analysis the estimator saw', () => {
    const { clock, topics } = setup();
    const driver = new ProcessorTestDriver(predictorProcessor({ topics, analyzer, estimator: opsEstimator, estimatorVersion: 't' }), { clock });
    const code = 'function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); }\nfor (let i = 0; i < 10; i++) { for (let j = 0; j < 5; j++) f(j); }\n';
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'r1', userId: 'ann', code }) });
    driver.pipeInput('requests', { key: 'bob', value: request({ requestId: 'r2', userId: 'bob', code: 'this is not code (' }) });

    const out = driver.readOutput('codeFeatures');
    expect(out.map((o) => [o.key, o.value!.requestId, o.value!.parseStatus])).toEqual([['ann', 'r1', 'OK'], ['bob', 'r2', 'SYNTAX_ERROR']]);
    const event = out[0]!.value!;
    const analysed = analyzer.analyze(code);
    expect(event).toMatchObject({
      userId: 'ann', analyzedAt: request({ requestId: 'r1', userId: 'ann' }).submittedAt, language: 'JAVASCRIPT',
      codeBytes: Buffer.byteLength(code), lines: 2, loopCount: 2, maxLoopNesting: analysed.maxLoopDepth, functionCount: 1, recursiveFunctionCount: 1,
    });
    expect(event.parseMs).toBeGreaterThanOrEqual(0);
    // The trainer's view of the stored event keeps the figures the event carries.
    expect(featuresFromEvent(event)).toMatchObject({ parsed: true, loops: 2, functions: 1, recursiveFunctions: 1, estimatedOps: 0 });
  });
});
