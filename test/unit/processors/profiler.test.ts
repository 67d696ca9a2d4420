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

  it('ignores a redelivery of an earlier execution, not only of the last one (A, B, A, A)', () => {
    const a = telemetry({ requestId: 'A', userId: 'bob', startedAt: new Date(T0 - 3 * minute), cpuMs: 5000, exitStatus: 'OOM' });
    const b = telemetry({ requestId: 'B', userId: 'bob', startedAt: new Date(T0 - 2 * minute), cpuMs: 10 });
    const once = profiler();
    for (const t of [a, b]) once.driver.pipeInput('telemetry', { key: 'bob', value: t });
    const want = once.driver.readOutput('profiles').map((o) => o.value!);

    const { driver } = profiler();
    for (const t of [a, b, a, a]) driver.pipeInput('telemetry', { key: 'bob', value: t });
    const got = driver.readOutput('profiles').map((o) => o.value!);
    expect(got).toEqual(want); // the redeliveries emit nothing and change nothing
    expect(got[1]!.observations).toBe(2);
    expect(got[1]!.exitCounts).toEqual({ ok: 1, error: 0, timeout: 0, oom: 1 });
    const state = driver.store('profiles').get('bob')!.state;
    expect([state.events, state.lateEvents, state.duplicateEvents]).toEqual([2, 0, 2]);
    expect(driver.store('profiles').get('bob')!.extras).toEqual(once.driver.store('profiles').get('bob')!.extras);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('ignores a redelivery that arrives out of order, and counts another attempt of the same request', () => {
    const { driver } = profiler();
    const a = telemetry({ requestId: 'A', userId: 'bob', startedAt: new Date(T0 - 3 * minute), cpuMs: 5000, exitStatus: 'OOM' });
    const b = telemetry({ requestId: 'B', userId: 'bob', startedAt: new Date(T0 - 2 * minute), cpuMs: 10 });
    for (const t of [b, a, b, a]) driver.pipeInput('telemetry', { key: 'bob', value: t });
    expect(driver.readOutput('profiles').map((o) => o.value!.observations)).toEqual([1, 2]);
    // The scheduler ran A again with more memory: a second execution, not a redelivery.
    driver.pipeInput('telemetry', { key: 'bob', value: telemetry({ requestId: 'A', attempt: 2, userId: 'bob', startedAt: new Date(T0 - minute), cpuMs: 4000 }) });
    const out = driver.readOutput('profiles').map((o) => o.value!);
    expect(out.map((p) => [p.observations, p.exitCounts.oom, p.exitCounts.ok])).toEqual([[3, 1, 2]]);
    expect(driver.store('profiles').get('bob')!.state.duplicateEvents).toBe(2);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('a task restored from the changelog recognises the same redeliveries', () => {
    const { driver } = profiler();
    const a = telemetry({ requestId: 'A', userId: 'bob', startedAt: new Date(T0 - 3 * minute), cpuMs: 5000, exitStatus: 'OOM' });
    const b = telemetry({ requestId: 'B', userId: 'bob', startedAt: new Date(T0 - 2 * minute), cpuMs: 10 });
    for (const t of [a, b]) driver.pipeInput('telemetry', { key: 'bob', value: t });
    driver.readOutput('profiles');
    const serde = profileEntrySerde(new ProfileModel());
    const store = driver.store('profiles');
    store.put('bob', serde.deserialize(serde.serialize(store.get('bob')!)));
    driver.reopenTask();
    driver.pipeInput('telemetry', { key: 'bob', value: a });
    expect(driver.readOutput('profiles')).toEqual([]);
    expect(driver.store('profiles').get('bob')!.state.events).toBe(2);
    expect(driver.store('profiles').get('bob')!.state.duplicateEvents).toBe(1);
  });

  it('takes telemetry of a user busier than redeliveryMemory, a remembered redelivery still ignored', () => {
    const env = setup();
    const driver = new ProcessorTestDriver(profilerProcessor({ topics: env.topics, profile: { redeliveryMemory: 2 } }), { clock: env.clock });
    const run = (i: number) => telemetry({ requestId: `r${i}`, userId: 'bob', startedAt: new Date(T0 - (10 - i) * minute), cpuMs: 10 });
    for (const i of [1, 2, 3, 4]) driver.pipeInput('telemetry', { key: 'bob', value: run(i) });
    driver.readOutput('profiles');
    // r0 was never seen and is earlier than anything remembered; r1 was forgotten for want of room.
    driver.pipeInput('telemetry', { key: 'bob', value: run(0) });
    driver.pipeInput('telemetry', { key: 'bob', value: run(1) });
    driver.pipeInput('telemetry', { key: 'bob', value: run(4) }); // remembered: a redelivery
    expect(driver.readOutput('profiles').map((o) => o.value!.observations)).toEqual([5, 6]);
    const state = driver.store('profiles').get('bob')!.state;
    expect([state.events, state.lateEvents, state.duplicateEvents]).toEqual([6, 2, 1]);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('reports the earliest start as first seen, whatever order the telemetry comes in', () => {
    const a = telemetry({ requestId: 'A', userId: 'bob', startedAt: new Date(T0 - 3 * minute), cpuMs: 50 });
    const b = telemetry({ requestId: 'B', userId: 'bob', startedAt: new Date(T0 - 2 * minute), cpuMs: 10 });
    const firstSeen = (order: (typeof a)[]) => {
      const { driver } = profiler();
      for (const t of order) driver.pipeInput('telemetry', { key: 'bob', value: t });
      return driver.readOutput('profiles').map((o) => o.value!.firstSeenAt.getTime());
    };
    expect(firstSeen([a, b])).toEqual([T0 - 3 * minute, T0 - 3 * minute]);
    expect(firstSeen([b, a])).toEqual([T0 - 2 * minute, T0 - 3 * minute]);
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
