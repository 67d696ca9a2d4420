import { seededRandom } from '../../../models/seeded-random';
import { dayOfWeek, ProfileModel } from '../../../models/profiles/profile-model';
import { decodeProfile, encodeProfile, restoreProfile, snapshotProfile, ProfileSnapshotError } from '../../../models/profiles/profile-snapshot';
import { ProfileInputError, type UsageEvent } from '../../../models/profiles/user-profile';

const T0 = 1_700_006_400; // Wednesday 2023-11-15 00:00 UTC
const HOUR = 3_600;
const DAY = 86_400;

function events(n: number, seed: number, cpu: (r: () => number) => number, gap = 60): UsageEvent[] {
  const r = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({ timeSeconds: T0 + i * gap, cpuMs: cpu(r), peakMemoryMb: 100 + 50 * r(), ioMb: 5 * r(), durationMs: 1000 * r() }));
}

describe('ProfileModel', () => {
  it('forgets old behaviour with the configured half-life', () => {
    const model = new ProfileModel({ usageHalfLifeSeconds: 6 * HOUR });
    const s = model.create();
    // Two days of ~100 ms jobs, then one day of ~1000 ms jobs: recent behaviour should dominate.
    for (const e of events(2 * 24 * 60, 1, (r) => 90 + 20 * r())) model.update(s, e);
    const lateStart = T0 + 2 * DAY;
    for (const e of events(24 * 60, 2, (r) => 900 + 200 * r())) model.update(s, { ...e, timeSeconds: e.timeSeconds + lateStart - T0 });
    const asOf = s.lastSeenSeconds;
    expect(model.quantile(s, 'cpuMs', 0.1, asOf)).toBeGreaterThan(800);
    expect(model.effectiveEvents(s, asOf)).toBeCloseTo((60 * 6) / Math.LN2, -1); // one event a minute, 6 h half-life
    // With a week-long half-life the old jobs are still a large share.
    const slow = new ProfileModel({ usageHalfLifeSeconds: 7 * DAY });
    const t = slow.create();
    for (const e of events(2 * 24 * 60, 1, (r) => 90 + 20 * r())) slow.update(t, e);
    for (const e of events(24 * 60, 2, (r) => 900 + 200 * r())) slow.update(t, { ...e, timeSeconds: e.timeSeconds + lateStart - T0 });
    expect(slow.quantile(t, 'cpuMs', 0.5, asOf)).toBeLessThan(150);
  });

  it('stays finite for a user who returns after hundreds of half-lives', () => {
    const model = new ProfileModel({ usageHalfLifeSeconds: HOUR, rateHalfLifeSeconds: HOUR });
    const s = model.create();
    for (let i = 0; i < 10; i++) model.update(s, { timeSeconds: T0 + i, cpuMs: 10 });
    for (let i = 0; i < 10; i++) model.update(s, { timeSeconds: T0 + 500 * HOUR + i, cpuMs: 1_000 });
    expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
    expect(model.quantile(s, 'cpuMs', 0.01, s.lastSeenSeconds)).toBeGreaterThan(900);
    expect(model.effectiveEvents(s, s.lastSeenSeconds)).toBeCloseTo(10, 1);
    // The old gaps have decayed away; the 500 h return gap is itself recent, one of ten.
    expect(Math.abs(model.interArrival(s).meanSeconds - 180_000) / 180_000).toBeLessThan(0.01);
  });

  it('recovers hour-of-day arrival rates and inter-arrival statistics', () => {
    const model = new ProfileModel();
    const s = model.create();
    // 4 weeks: 12 arrivals an hour from 09:00 to 17:00 UTC, 1 an hour otherwise.
    for (let h = 0; h < 28 * 24; h++) {
      const hourOfDay = h % 24;
      const perHour = hourOfDay >= 9 && hourOfDay < 17 ? 12 : 1;
      for (let k = 0; k < perHour; k++) model.update(s, { timeSeconds: T0 + h * HOUR + (k * HOUR) / perHour, cpuMs: 10 });
    }
    const { byHour, byDay } = model.arrivalRates(s, T0 + 28 * DAY);
    expect(byHour[12]!).toBeCloseTo(12, 0);
    expect(byHour[3]!).toBeCloseTo(1, 0);
    for (const d of byDay) expect(d).toBeCloseTo((8 * 12 + 16) / 24, 0);
    expect(model.quantile(s, 'interArrivalSeconds', 0.5, s.lastSeenSeconds)).toBeGreaterThan(250);
    expect(model.interArrival(s).meanSeconds).toBeGreaterThan(300);
    expect(dayOfWeek(T0)).toBe(2);
  });

  it('rejects NaN, negative and too-late input and leaves the profile untouched', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const s = model.create();
    model.update(s, { timeSeconds: T0, cpuMs: 10 });
    model.update(s, { timeSeconds: T0 + 3_600, cpuMs: 20 });
    const before = encodeProfile(model, s);
    expect(() => model.update(s, { timeSeconds: NaN, cpuMs: 1 })).toThrow(ProfileInputError);
    expect(() => model.update(s, { timeSeconds: T0 + 4_000, cpuMs: NaN })).toThrow(/cpuMs/);
    expect(() => model.update(s, { timeSeconds: T0 + 4_000, peakMemoryMb: -1 })).toThrow(/peakMemoryMb/);
    expect(() => model.update(s, { timeSeconds: T0 + 4_000, ioMb: Infinity })).toThrow(ProfileInputError);
    expect(() => model.update(s, { timeSeconds: T0 + 2_000, cpuMs: 1 })).toThrow(/older than the last one/);
    expect(encodeProfile(model, s)).toEqual(before);
  });

  it('drops an exact redelivery, records late events without touching gaps', () => {
    const model = new ProfileModel({ maxLatenessSeconds: 600 });
    const s = model.create();
    expect(model.update(s, { timeSeconds: T0, cpuMs: 10 })).toBe('recorded');
    expect(model.update(s, { timeSeconds: T0 + 100, cpuMs: 10 })).toBe('recorded');
    expect(model.update(s, { timeSeconds: T0 + 100, cpuMs: 10 })).toBe('duplicate');
    expect(model.update(s, { timeSeconds: T0 + 100, cpuMs: 11 })).toBe('recorded'); // same second, different job
    expect(model.update(s, { timeSeconds: T0 + 50, cpuMs: 10 })).toBe('late');
    expect(s.events).toBe(4);
    expect(s.duplicateEvents).toBe(1);
    expect(s.lateEvents).toBe(1);
    expect(s.lastSeenSeconds).toBe(T0 + 100);
    expect(s.gapWeight).toBeGreaterThan(0);
    expect(model.interArrival(s).meanSeconds).toBeCloseTo(50, 0); // gaps 100 and 0, the late one not counted
  });

  it('round-trips through JSON and binary snapshots within 2 KB', () => {
    const model = new ProfileModel();
    const s = model.create();
    for (const e of events(5_000, 3, (r) => Math.exp(4 + r() * 3))) model.update(s, e);
    const json = JSON.parse(JSON.stringify(snapshotProfile(model, s))) as ReturnType<typeof snapshotProfile>;
    const fromJson = restoreProfile(model, json);
    const bytes = encodeProfile(model, s);
    const fromBytes = decodeProfile(model, bytes);
    expect(bytes.byteLength).toBeLessThanOrEqual(2048);
    const asOf = s.lastSeenSeconds + HOUR;
    for (const q of [0.5, 0.9, 0.99]) {
      const want = model.quantile(s, 'cpuMs', q, asOf);
      expect(model.quantile(fromJson, 'cpuMs', q, asOf)).toBeCloseTo(want, 6);
      expect(model.quantile(fromBytes, 'cpuMs', q, asOf)).toBeCloseTo(want, 6);
    }
    expect(model.effectiveEvents(fromBytes, asOf)).toBeCloseTo(model.effectiveEvents(s, asOf), 3);
    expect(() => restoreProfile(new ProfileModel({ buckets: 40 }), json)).toThrow(ProfileSnapshotError);
    expect(() => decodeProfile(model, bytes.subarray(0, 20))).toThrow(ProfileSnapshotError);
  });

  it('merging two partial profiles equals one profile of all events', () => {
    const model = new ProfileModel();
    const all = model.create();
    const a = model.create();
    const b = model.create();
    const evs = events(2_000, 4, (r) => 10 + 1000 * r() * r());
    evs.forEach((e, i) => { model.update(all, e); model.update(i < 1_000 ? a : b, e); });
    model.merge(a, b);
    const asOf = all.lastSeenSeconds;
    for (const q of [0.5, 0.9, 0.99]) expect(model.quantile(a, 'cpuMs', q, asOf)).toBeCloseTo(model.quantile(all, 'cpuMs', q, asOf), 6);
    expect(model.effectiveEvents(a, asOf)).toBeCloseTo(model.effectiveEvents(all, asOf), 2);
  });

  it('cold start: a new user gets the population prior, then their own data takes over', () => {
    const model = new ProfileModel();
    const prior = model.create();
    for (const e of events(10_000, 5, (r) => 1_000 + 200 * r(), 10)) model.update(prior, e);
    const user = model.create();
    const asOf = T0 + DAY;
    expect(model.quantile(user, 'cpuMs', 0.5, asOf, { prior })).toBeGreaterThan(900);
    for (const e of events(3, 6, () => 50)) model.update(user, { ...e, timeSeconds: e.timeSeconds + DAY });
    const few = model.quantile(user, 'cpuMs', 0.5, asOf + 200, { prior });
    expect(few).toBeGreaterThan(900); // 3 events vs a prior worth 5: still the prior's median
    for (const e of events(200, 7, () => 50)) model.update(user, { ...e, timeSeconds: e.timeSeconds + DAY + 300 });
    const many = model.quantile(user, 'cpuMs', 0.5, user.lastSeenSeconds, { prior });
    expect(Math.abs(many - 50) / 50).toBeLessThan(0.08);
    expect(model.quantile(user, 'cpuMs', 0.99, user.lastSeenSeconds, { prior })).toBeLessThan(1_300);
  });
});
