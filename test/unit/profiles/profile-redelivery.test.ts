import { ProfileModel } from '../../../models/profiles/profile-model';
import { decodeProfile, encodeProfile, restoreProfile, snapshotProfile } from '../../../models/profiles/profile-snapshot';
import type { ProfileState, UsageEvent } from '../../../models/profiles/user-profile';

const T0 = 1_700_006_400;

const A: UsageEvent = { id: 'A', timeSeconds: T0, cpuMs: 5_000, peakMemoryMb: 900 };
const B: UsageEvent = { id: 'B', timeSeconds: T0 + 60, cpuMs: 10, peakMemoryMb: 20 };

/** Everything but the redelivery counter. */
function recorded(model: ProfileModel, s: ProfileState) {
  const { duplicateEvents: _, ...rest } = snapshotProfile(model, s);
  return rest;
}

/** The bytes an encoder of version 1 (before remembered executions) wrote for the same profile. */
function asVersion1(bytes: Uint8Array, dataFloats: number): Uint8Array {
  const v1 = new Uint8Array(8 + 20 * 8 + dataFloats * 4);
  v1.set(bytes.subarray(0, 8 + 20 * 8));
  v1[4] = 1;
  v1.set(bytes.subarray(8 + 21 * 8, 8 + 21 * 8 + dataFloats * 4), 8 + 20 * 8);
  return v1;
}

describe('ProfileModel redeliveries', () => {
  it('drops a redelivery of any execution within the lateness window, not only of the last', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const s = model.create();
    expect(model.update(s, A)).toBe('recorded');
    expect(model.update(s, B)).toBe('recorded');
    const before = recorded(model, s);
    expect(model.update(s, { ...A })).toBe('duplicate');
    expect(model.update(s, { ...A })).toBe('duplicate');
    expect(model.update(s, { ...B })).toBe('duplicate');
    expect(recorded(model, s)).toEqual(before);
    expect([s.events, s.lateEvents, s.duplicateEvents]).toEqual([2, 0, 3]);
    // The id decides: another execution with A's time and values is recorded.
    expect(model.update(s, { ...A, id: 'A2' })).toBe('late');
    expect(s.events).toBe(3);
  });

  it('takes the earliest time as first seen, whatever the order of arrival', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const inOrder = model.create();
    const reversed = model.create();
    for (const e of [A, B]) model.update(inOrder, e);
    for (const e of [B, A]) model.update(reversed, e);
    expect(reversed.firstSeenSeconds).toBe(T0);
    expect(inOrder.firstSeenSeconds).toBe(T0);
    // Arrivals are counted from the first seen on: the rates no longer depend on the order either.
    const rates = (x: ProfileState) => Object.values(model.arrivalRates(x, T0 + 3_600)).flat().map((r) => (Number.isNaN(r) ? 'NaN' : r.toPrecision(6)));
    expect(rates(reversed)).toEqual(rates(inOrder));
  });

  it('remembers at most redeliveryMemory executions, and none older than the lateness window', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600, redeliveryMemory: 3 });
    const s = model.create();
    for (let i = 0; i < 5; i++) model.update(s, { id: `e${i}`, timeSeconds: T0 + 10 * i, cpuMs: 1 });
    expect(s.recentTimes).toEqual([T0 + 20, T0 + 30, T0 + 40]);
    expect(s.recentIds).toHaveLength(3);
    expect(model.update(s, { id: 'e3', timeSeconds: T0 + 30, cpuMs: 1 })).toBe('duplicate');
    expect(s.duplicateEvents).toBe(1);
    // e1 is forgotten: its redelivery cannot be recognised and is counted again (the documented
    // trade-off), as is an unknown execution before the earliest remembered one. Nothing is refused.
    expect(model.update(s, { id: 'e1', timeSeconds: T0 + 10, cpuMs: 1 })).toBe('late');
    expect(model.update(s, { id: 'new', timeSeconds: T0 + 5, cpuMs: 1 })).toBe('late');
    expect([s.events, s.lateEvents, s.duplicateEvents]).toEqual([7, 2, 1]);
    // At the cap, the earliest is what goes: both were forgotten as they came, the later ones kept.
    expect(s.recentTimes).toEqual([T0 + 20, T0 + 30, T0 + 40]);
    // A remembered id is still a duplicate.
    expect(model.update(s, { id: 'e2', timeSeconds: T0 + 20, cpuMs: 1 })).toBe('duplicate');
    expect(model.update(s, { id: 'e4', timeSeconds: T0 + 40, cpuMs: 1 })).toBe('duplicate');
    // A late execution within what is remembered is taken and remembered in time order.
    expect(model.update(s, { id: 'x', timeSeconds: T0 + 25, cpuMs: 1 })).toBe('late');
    expect(s.recentTimes).toEqual([T0 + 25, T0 + 30, T0 + 40]);
    expect(model.update(s, { id: 'x', timeSeconds: T0 + 25, cpuMs: 1 })).toBe('duplicate');
    expect([s.events, s.lateEvents, s.duplicateEvents]).toEqual([8, 3, 4]);
    // Once the last event moves on, what is beyond the lateness window is forgotten.
    expect(model.update(s, { id: 'later', timeSeconds: T0 + 630, cpuMs: 1 })).toBe('recorded');
    expect(s.recentTimes).toEqual([T0 + 30, T0 + 40, T0 + 630]);
    expect(model.update(s, { id: 'much-later', timeSeconds: T0 + 5_000, cpuMs: 1 })).toBe('recorded');
    expect(s.recentTimes).toEqual([T0 + 5_000]);
  });

  it('a restored profile recognises the same redeliveries (JSON and binary)', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600, redeliveryMemory: 3 });
    const s = model.create();
    for (let i = 0; i < 5; i++) model.update(s, { id: `e${i}`, timeSeconds: T0 + 10 * i, cpuMs: 1 });
    const fromJson = restoreProfile(model, JSON.parse(JSON.stringify(snapshotProfile(model, s))) as ReturnType<typeof snapshotProfile>);
    const fromBytes = decodeProfile(model, encodeProfile(model, s));
    for (const r of [fromJson, fromBytes]) {
      expect([r.recentIds, r.recentTimes]).toEqual([s.recentIds, s.recentTimes]);
      expect(model.update(r, { id: 'e2', timeSeconds: T0 + 20, cpuMs: 1 })).toBe('duplicate');
      expect(model.update(r, { id: 'e0', timeSeconds: T0, cpuMs: 1 })).toBe('late'); // forgotten before the snapshot: counted again
      expect(model.update(r, { id: 'e5', timeSeconds: T0 + 50, cpuMs: 1 })).toBe('recorded');
      expect([r.events, r.lateEvents, r.duplicateEvents]).toEqual([7, 1, 1]);
    }
    expect(encodeProfile(model, fromJson)).toEqual(encodeProfile(model, fromBytes));
  });

  it('reads version-1 bytes remembering nothing: an old snapshot accepts any execution it does not know', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const s = model.create();
    for (const e of [A, B]) model.update(s, e);
    const old = decodeProfile(model, asVersion1(encodeProfile(model, s), model.layout.size));
    expect(old.events).toBe(2);
    expect([old.recentIds, old.recentTimes]).toEqual([[], []]);
    // Not after its last event, unknown to it: accepted and counted, right after the upgrade.
    expect(model.update(old, { id: 'Z', timeSeconds: T0 + 30, cpuMs: 7 })).toBe('late');
    expect(model.update(old, { id: 'Z', timeSeconds: T0 + 30, cpuMs: 7 })).toBe('duplicate'); // remembered from now on
    expect(model.update(old, { id: 'C', timeSeconds: T0 + 120, cpuMs: 7 })).toBe('recorded');
    expect([old.events, old.lateEvents, old.duplicateEvents]).toEqual([4, 1, 1]);
    expect(old.recentTimes).toEqual([T0 + 30, T0 + 120]);
    // The same holds for a JSON snapshot written before `recent` existed.
    const { recent: _, ...json } = snapshotProfile(model, s);
    const fromJson = restoreProfile(model, json);
    expect(model.update(fromJson, { id: 'Z', timeSeconds: T0 + 30, cpuMs: 7 })).toBe('late');
    expect(fromJson.events).toBe(3);
  });

  it('merging keeps the executions both profiles remember', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const a = model.create();
    const b = model.create();
    model.update(a, A);
    model.update(b, B);
    model.merge(a, b);
    expect(a.recentTimes).toEqual([T0, T0 + 60]);
    expect(model.update(a, { ...A })).toBe('duplicate');
    expect(model.update(a, { ...B })).toBe('duplicate');
    expect(a.firstSeenSeconds).toBe(T0);
  });
});
