import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { predictorProcessor } from '../../../streams/processors/predictor';
import { profilerProcessor } from '../../../streams/processors/profiler';
import { analyzer, opsEstimator, request, setup, T0, telemetry } from './fixtures';

function predictor({ clock, topics } = setup()) {
  const p = predictorProcessor({ topics, analyzer, estimator: opsEstimator, estimatorVersion: 'test-1' });
  return { driver: new ProcessorTestDriver(p, { clock }), topics };
}

describe('predictor', () => {
  it('turns each request into exactly one PredictedDemand with ordered quantiles, from the code alone on a cold start', () => {
    const { driver } = predictor();
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'r1', userId: 'ann' }) });
    driver.pipeInput('requests', { key: 'bob', value: request({ requestId: 'r2', userId: 'bob', tier: 'PREMIUM', priority: 9 }) });
    const out = driver.readOutput('predictions');
    expect(out.map((o) => [o.key, o.value?.requestId])).toEqual([['ann', 'r1'], ['bob', 'r2']]);
    for (const { value } of out) {
      for (const q of [value!.cpuMs, value!.peakMemoryBytes, value!.durationMs, value!.ioBytes]) {
        expect(q.p50).toBeLessThanOrEqual(q.p90);
        expect(q.p90).toBeLessThanOrEqual(q.p99);
      }
      expect(value!.cpuMs.p50).toBeGreaterThan(0);
      expect(value!.profileObservations).toBe(0);
      expect(value!.components).toEqual([expect.objectContaining({ source: 'CODE_ANALYSIS', weight: 1, model: { name: 'code-estimator', version: 'test-1' } })]);
      expect(value!.predictedAt.getTime()).toBe(T0);
    }
    expect(out[1]!.value).toMatchObject({ tier: 'PREMIUM', priority: 9 });
  });

  it('estimates each distinct program once per estimator version, however often it is submitted', () => {
    const { clock, topics } = setup();
    const calls: number[] = [];
    const counting = { ...opsEstimator, estimate: (fs: Parameters<typeof opsEstimator.estimate>[0]) => (calls.push(fs.length), opsEstimator.estimate(fs)) };
    let version = 'v1';
    const p = predictorProcessor({ topics, analyzer, estimator: counting, estimatorVersion: 'v1', currentEstimator: () => ({ estimator: counting, version }) });
    const driver = new ProcessorTestDriver(p, { clock });
    const send = (id: string, code: string) => driver.pipeInput('requests', { key: 'ann', value: request({ requestId: id, userId: 'ann', code }) });
    send('a', 'console.log(41);');
    send('b', 'console.log(41);');
    send('c', 'console.log(42);');
    expect(calls).toEqual([1, 1]);
    version = 'v2';
    send('d', 'console.log(41);');
    expect(calls).toEqual([1, 1, 1]);
    expect(driver.readOutput('predictions').map((o) => o.value!.components[0]!.model.version)).toEqual(['v1', 'v1', 'v1', 'v2']);
  });

  it('predicts more for code that does more work', () => {
    const { driver } = predictor();
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'small', userId: 'ann', code: 'console.log(1);' }) });
    driver.pipeInput('requests', {
      key: 'ann',
      value: request({ requestId: 'big', userId: 'ann', code: 'let s = 0; for (let i = 0; i < 1e7; i++) { for (let j = 0; j < 100; j++) s += i * j; } console.log(s);' }),
    });
    const [small, big] = driver.readOutput('predictions').map((o) => o.value!);
    expect(big!.cpuMs.p50).toBeGreaterThan(small!.cpuMs.p50 * 10);
  });

  it('joins the profile table: a user with history is predicted mostly from it, and the older snapshot never replaces the newer', () => {
    const env = setup();
    const { clock, topics } = env;
    const profiler = new ProcessorTestDriver(profilerProcessor({ topics }), { clock });
    // Ann's jobs take about 5 s of CPU each; the code estimator alone would say a few ms.
    for (let i = 0; i < 40; i++) {
      clock.set(T0 + i * 60_000);
      expect(profiler.readDeadLetters()).toEqual([]);
      profiler.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: `t${i}`, userId: 'ann', startedAt: new Date(T0 + i * 60_000), cpuMs: 5000 + (i % 5) * 100 }) });
    }
    const snapshots = profiler.readOutput('profiles');
    const { driver } = predictor(env);
    driver.pipeInput('profiles', { key: 'ann', value: snapshots[snapshots.length - 1]!.value! });
    driver.pipeInput('profiles', { key: 'ann', value: snapshots[0]!.value! });
    expect(driver.store('profiles').get('ann')!.observations).toBe(40);

    const at = new Date(T0 + 41 * 60_000);
    clock.set(at.getTime());
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'r', userId: 'ann', submittedAt: at }) });
    const [p] = driver.readOutput('predictions').map((o) => o.value!);
    expect(p!.profileObservations).toBe(40);
    const profile = p!.components.find((c) => c.source === 'USER_PROFILE')!;
    const code = p!.components.find((c) => c.source === 'CODE_ANALYSIS')!;
    expect(profile.weight).toBeGreaterThan(0.8);
    expect(profile.weight + code.weight).toBeCloseTo(1, 9);
    // The profile says what it rested on (the trainer fits the weighing from it): n / (n + 5), the default k.
    const evidence = driver.store('profiles').get('ann')!.cpuMs.weight;
    expect(profile.evidence).toBe(evidence);
    expect(profile.weight).toBeCloseTo(evidence / (evidence + 5), 12);
    expect(code.evidence).toBeNull();
    expect(p!.cpuMs.p50).toBeGreaterThan(1500);
    expect(p!.cpuMs.p50).toBeLessThan(6000);
    expect(p!.ioBytes.p50).toBeGreaterThan(0);
  });

  it('predicts a request however late it arrives: every request gets its prediction', () => {
    const { driver } = predictor();
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'now', userId: 'ann' }) });
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'hours-late', userId: 'ann', submittedAt: new Date(T0 - 5 * 3_600_000) }) });
    expect(driver.readOutput('predictions').map((o) => [o.value!.requestId, o.timestamp])).toEqual([['now', T0], ['hours-late', T0 - 5 * 3_600_000]]);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('dead-letters a request whose bytes are not a valid request and goes on', () => {
    const { driver } = predictor();
    driver.pipeRaw('requests', { key: 'ann', value: Buffer.from([1, 2, 3]) });
    driver.pipeInput('requests', { key: 'ann', value: request({ requestId: 'ok', userId: 'ann' }) });
    expect(driver.readDeadLetters()).toHaveLength(1);
    expect(driver.readOutput('predictions')).toHaveLength(1);
  });
});
