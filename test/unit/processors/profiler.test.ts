import { InMemoryKeyValueStore } from '../../../streams/runtime/store';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { profileEntrySerde, profilerProcessor } from '../../../streams/processors/profiler';
import { ProfileModel } from '../../../models/profiles/profile-model';
import { setup, T0, telemetry } from './fixtures';

const minute = 60_000;

function profiler() {
  const env = setup();
  return { ...env, driver: new ProcessorTestDriver(profilerProcessor({ topics: env.topics }), { clock: env.clock }) };
}

describe('profiler', () => {
  it('moves the profile with telemetry and emits one snapshot per execution', () => {
    const { driver, clock } = profiler();
    for (let i = 0; i < 20; i++) {
      clock.set(T0 + i * minute);
      driver.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: `a${i}`, userId: 'ann', startedAt: new Date(T0 + i * minute), cpuMs: 100 }) });
    }
    const early = driver.readOutput('profiles').map((o) => o.value!);
    expect(early).toHaveLength(20);
    expect(early[19]!.observations).toBe(20);
    expect(early[19]!.cpuMs.p50).toBeGreaterThan(90);
    expect(early[19]!.cpuMs.p50).toBeLessThan(110);
    // The user's jobs become 50x heavier: the median follows once they dominate the decayed weight.
    for (let i = 20; i < 80; i++) {
      clock.set(T0 + i * minute);
      driver.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: `a${i}`, userId: 'ann', startedAt: new Date(T0 + i * minute), cpuMs: 5000, exitStatus: i % 10 === 0 ? 'TIMEOUT' : 'OK' }) });
    }
    const late = driver.readOutput('profiles').map((o) => o.value!);
    const last = late[late.length - 1]!;
    expect(last.cpuMs.p50).toBeGreaterThan(4500);
    expect(last.cpuMs.p99).toBeGreaterThanOrEqual(last.cpuMs.p90);
    expect(last.cpuMs.max).toBe(5000);
    expect(last.exitCounts).toEqual({ ok: 74, error: 0, timeout: 6, oom: 0 });
    expect(last.interArrivalMs.p50).toBeGreaterThan(55_000);
    expect(last.interArrivalMs.p50).toBeLessThan(65_000);
    expect(last.hourOfWeekRates).toHaveLength(168);
    expect(last.updatedAt.getTime()).toBe(T0 + 79 * minute);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('keeps users apart and ignores a redelivered execution', () => {
    const { driver } = profiler();
    const t = telemetry({ requestId: 'x', userId: 'bob', startedAt: new Date(T0 - minute), cpuMs: 300 });
    driver.pipeInput('telemetry', { key: 'bob', value: t });
    driver.pipeInput('telemetry', { key: 'bob', value: t });
    driver.pipeInput('telemetry', { key: 'cat', value: telemetry({ requestId: 'y', userId: 'cat', startedAt: new Date(T0 - minute), cpuMs: 7 }) });
    expect(driver.readOutput('profiles').map((o) => [o.key, o.value!.observations])).toEqual([['bob', 1], ['cat', 1]]);
    expect(driver.store('profiles').get('bob')!.state.events).toBe(1);
    expect(driver.store('profiles').get('bob')!.state.duplicateEvents).toBe(1);
    expect(driver.gauge('user_profiles')).toBe(2);
  });

  it('leaves out a job PRM never started: its zero usage says nothing about the code', () => {
    const { driver } = profiler();
    driver.pipeInput('telemetry', { key: 'dan', value: telemetry({ requestId: 'd1', userId: 'dan', startedAt: new Date(T0 - 2 * minute), cpuMs: 400 }) });
    const before = driver.store('profiles').get('dan')!;
    driver.pipeInput('telemetry', {
      key: 'dan',
      value: telemetry({ requestId: 'd2', userId: 'dan', startedAt: new Date(T0 - minute), endedAt: new Date(T0 - minute), cpuMs: 0, peakMemoryBytes: 0, exitStatus: 'NOT_RUN', exitCode: null }),
    });
    expect(driver.readOutput('profiles').map((o) => o.value!.observations)).toEqual([1]);
    expect(driver.store('profiles').get('dan')).toEqual(before);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('stores entries that survive their changelog round trip', () => {
    const { driver } = profiler();
    driver.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: 'a', userId: 'ann', startedAt: new Date(T0 - minute), cpuMs: 250, exitStatus: 'OOM' }) });
    const serde = profileEntrySerde(new ProfileModel());
    const entry = driver.store('profiles').get('ann')!;
    const restored = serde.deserialize(serde.serialize(entry));
    expect(restored.extras).toEqual(entry.extras);
    const model = new ProfileModel();
    expect(model.quantile(restored.state, 'cpuMs', 0.5, T0 / 1000)).toBeCloseTo(model.quantile(entry.state, 'cpuMs', 0.5, T0 / 1000), 6);
    const store = new InMemoryKeyValueStore<typeof entry>();
    store.put('ann', restored);
    expect(store.get('ann')!.state.events).toBe(1);
  });

  it('dead-letters telemetry older than the profile accepts, leaving the profile as it was', () => {
    const { driver, clock } = profiler();
    clock.set(T0 + 3 * 60 * minute);
    driver.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: 'new', userId: 'ann', startedAt: new Date(T0 + 3 * 60 * minute - 1000), cpuMs: 10 }) });
    driver.pipeInput('telemetry', { key: 'ann', value: telemetry({ requestId: 'old', userId: 'ann', startedAt: new Date(T0), cpuMs: 10 }) });
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual([expect.stringMatching(/older than the last one/)]);
    expect(driver.store('profiles').get('ann')!.state.events).toBe(1);
  });
});
