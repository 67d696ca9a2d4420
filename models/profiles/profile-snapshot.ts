import type { ProfileModel } from './profile-model';
import type { ProfileConfig, ProfileState } from './user-profile';

/**
 * A profile as plain data: the `UserProfile` event body and the state-store value. Decayed
 * weights are expressed as of `landmarkSeconds` (the last event time when taken by `snapshot`),
 * so two snapshots of one user are comparable without knowing the writer's internals.
 */
export interface UserProfileSnapshot {
  version: 1;
  config: Pick<ProfileConfig, 'usageHalfLifeSeconds' | 'rateHalfLifeSeconds' | 'buckets' | 'relativeAccuracy'>;
  landmarkSeconds: number | null;
  firstSeenSeconds: number | null;
  lastSeenSeconds: number | null;
  events: number;
  lateEvents: number;
  duplicateEvents: number;
  usageWeight: number;
  rateWeight: number;
  gap: { weight: number; sum: number; squares: number };
  /** The last in-order event [time, cpuMs, peakMemoryMb, ioMb, durationMs]; null = absent. */
  last: (number | null)[];
  /** The Float32 layout of ProfileLayout: histograms (usage half-life), then calendar counts. */
  data: number[];
  /**
   * The executions remembered to recognise a redelivery (ProfileState.recentIds/recentTimes).
   * Absent in snapshots written before it existed: such a profile is restored remembering
   * nothing, so it accepts every execution; a redelivery of one it recorded before the snapshot
   * may be counted again (the trade-off of `ProfileModel.update`), never refused.
   */
  recent?: { ids: number[]; times: number[] };
}

const nullable = (x: number) => (Number.isNaN(x) ? null : x);
const orNaN = (x: number | null | undefined) => (x === null || x === undefined ? NaN : x);

export function snapshotProfile(model: ProfileModel, s: ProfileState): UserProfileSnapshot {
  const copy = model.copy(s);
  if (copy.events > 0) model.rebase(copy, copy.lastSeenSeconds);
  const { usageHalfLifeSeconds, rateHalfLifeSeconds, buckets, relativeAccuracy } = model.config;
  return {
    version: 1,
    config: { usageHalfLifeSeconds, rateHalfLifeSeconds, buckets, relativeAccuracy },
    landmarkSeconds: nullable(copy.landmarkSeconds),
    firstSeenSeconds: nullable(copy.firstSeenSeconds),
    lastSeenSeconds: nullable(copy.lastSeenSeconds),
    events: copy.events,
    lateEvents: copy.lateEvents,
    duplicateEvents: copy.duplicateEvents,
    usageWeight: copy.usageWeight,
    rateWeight: copy.rateWeight,
    gap: { weight: copy.gapWeight, sum: copy.gapSum, squares: copy.gapSquares },
    last: copy.last.map(nullable),
    data: Array.from(copy.data),
    recent: { ids: copy.recentIds, times: copy.recentTimes },
  };
}

export class ProfileSnapshotError extends Error {
  override name = 'ProfileSnapshotError';
}

/** Rebuilds a state; rejects snapshots written under another configuration or layout. */
export function restoreProfile(model: ProfileModel, snap: UserProfileSnapshot): ProfileState {
  if (snap.version !== 1) throw new ProfileSnapshotError(`unknown profile snapshot version ${String(snap.version)}`);
  for (const [k, v] of Object.entries(snap.config)) {
    if (model.config[k as keyof ProfileConfig] !== v) throw new ProfileSnapshotError(`snapshot ${k}=${v} differs from this model's ${model.config[k as keyof ProfileConfig]}`);
  }
  if (snap.data.length !== model.layout.size) throw new ProfileSnapshotError(`snapshot has ${snap.data.length} values, layout needs ${model.layout.size}`);
  if (!snap.data.every(Number.isFinite) || snap.last.length !== 5) throw new ProfileSnapshotError('snapshot data is not finite or malformed');
  const [t, cpu, mem, io, dur] = snap.last.map(orNaN) as [number, number, number, number, number];
  const recent = snap.recent ?? { ids: [], times: [] };
  const isHash = (x: number) => Number.isInteger(x) && x >= 0 && x < 2 ** 53;
  if (!Array.isArray(recent.ids) || !Array.isArray(recent.times) || recent.ids.length !== recent.times.length
    || !recent.ids.every(isHash) || !recent.times.every(Number.isFinite) || recent.times.some((x, i) => i > 0 && x < recent.times[i - 1]!)) {
    throw new ProfileSnapshotError('snapshot remembered executions are malformed');
  }
  return {
    data: Float32Array.from(snap.data),
    landmarkSeconds: orNaN(snap.landmarkSeconds),
    firstSeenSeconds: orNaN(snap.firstSeenSeconds),
    lastSeenSeconds: orNaN(snap.lastSeenSeconds),
    events: snap.events,
    lateEvents: snap.lateEvents,
    duplicateEvents: snap.duplicateEvents,
    usageWeight: snap.usageWeight,
    rateWeight: snap.rateWeight,
    gapWeight: snap.gap.weight,
    gapSum: snap.gap.sum,
    gapSquares: snap.gap.squares,
    last: [t, cpu, mem, io, dur],
    recentIds: [...recent.ids],
    recentTimes: [...recent.times],
  };
}

const MAGIC = 0x50524d50; // "PRMP"
const VERSION = 2;
/** Scalars by encoding version: 2 added the count of remembered executions. */
const HEADER_DOUBLES: Record<number, number> = { 1: 20, 2: 21 };
const dataAt = (version: number) => 8 + HEADER_DOUBLES[version]! * 8;

/**
 * Compact binary form (state-store values, sizing): a 4-byte magic, a version byte, the scalars
 * as float64, the layout as float32, then (version 2) each remembered execution as its time and
 * id hash in float64, little-endian. Float32 keeps 7 significant digits, far finer than the
 * histograms' own 8 % buckets. Version 1 (no remembered executions) is still read, restored
 * remembering nothing (see `UserProfileSnapshot.recent`).
 */
export function encodeProfile(model: ProfileModel, s: ProfileState): Uint8Array {
  const snap = snapshotProfile(model, s);
  const recent = snap.recent!;
  const DATA_AT = dataAt(VERSION);
  const recentAt = DATA_AT + snap.data.length * 4;
  const out = new Uint8Array(recentAt + recent.ids.length * 16);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint8(4, VERSION);
  const c = snap.config;
  const header = [c.usageHalfLifeSeconds, c.rateHalfLifeSeconds, c.buckets, c.relativeAccuracy,
    orNaN(snap.landmarkSeconds), orNaN(snap.firstSeenSeconds), orNaN(snap.lastSeenSeconds), snap.events, snap.lateEvents,
    snap.duplicateEvents, snap.usageWeight, snap.rateWeight, snap.gap.weight, snap.gap.sum, snap.gap.squares, ...snap.last.map(orNaN),
    recent.ids.length];
  header.forEach((x, i) => v.setFloat64(8 + i * 8, x, true));
  snap.data.forEach((x, i) => v.setFloat32(DATA_AT + i * 4, x, true));
  recent.ids.forEach((id, i) => {
    v.setFloat64(recentAt + i * 16, recent.times[i]!, true);
    v.setFloat64(recentAt + i * 16 + 8, id, true);
  });
  return out;
}

export function decodeProfile(model: ProfileModel, bytes: Uint8Array): ProfileState {
  if (bytes.byteLength < dataAt(1)) throw new ProfileSnapshotError(`profile bytes too short (${bytes.byteLength})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw new ProfileSnapshotError('not a PRM profile (bad magic)');
  const version = v.getUint8(4);
  if (HEADER_DOUBLES[version] === undefined) throw new ProfileSnapshotError(`unknown profile encoding version ${version}`);
  const DATA_AT = dataAt(version);
  if (bytes.byteLength < DATA_AT) throw new ProfileSnapshotError(`profile bytes too short (${bytes.byteLength})`);
  const h = Array.from({ length: HEADER_DOUBLES[version]! }, (_, i) => v.getFloat64(8 + i * 8, true));
  const count = version >= 2 ? h[20]! : 0;
  if (!(Number.isInteger(count) && count >= 0 && DATA_AT + count * 16 <= bytes.byteLength)) throw new ProfileSnapshotError(`profile bytes claim ${count} remembered executions`);
  const recentAt = bytes.byteLength - count * 16;
  const n = (recentAt - DATA_AT) / 4;
  if (!Number.isInteger(n)) throw new ProfileSnapshotError('profile bytes have a torn data section');
  return restoreProfile(model, {
    version: 1,
    config: { usageHalfLifeSeconds: h[0]!, rateHalfLifeSeconds: h[1]!, buckets: h[2]!, relativeAccuracy: h[3]! },
    landmarkSeconds: nullable(h[4]!), firstSeenSeconds: nullable(h[5]!), lastSeenSeconds: nullable(h[6]!),
    events: h[7]!, lateEvents: h[8]!, duplicateEvents: h[9]!, usageWeight: h[10]!, rateWeight: h[11]!,
    gap: { weight: h[12]!, sum: h[13]!, squares: h[14]! },
    last: h.slice(15, 20).map(nullable),
    data: Array.from({ length: n }, (_, i) => v.getFloat32(DATA_AT + i * 4, true)),
    ...(version >= 2 && {
      recent: {
        times: Array.from({ length: count }, (_, i) => v.getFloat64(recentAt + i * 16, true)),
        ids: Array.from({ length: count }, (_, i) => v.getFloat64(recentAt + i * 16 + 8, true)),
      },
    }),
  });
}
