import { seededRandom } from '../seeded-random';
import { ProfileModel } from './profile-model';
import { encodeProfile, snapshotProfile } from './profile-snapshot';
import type { ProfileState, UsageEvent } from './user-profile';

export interface ProfileBenchOptions {
  users: number;
  /** Events given to every user before memory is measured (a profile's size does not grow with them). */
  eventsPerUser: number;
  /** Timed updates, spread round-robin over the users. */
  updates: number;
  seed: number;
  /** Bytes in use (heap plus array buffers); called after `gc`. */
  memory: () => number;
  gc: () => void;
  /** Milliseconds of wall time. */
  clock: () => number;
  /** Milliseconds of this process's CPU time: the per-core rate on a shared machine. */
  cpuClock: () => number;
  log: (line: string) => void;
}

export interface ProfileBenchReport {
  users: number;
  events_per_user: number;
  bytes_per_profile_in_memory: number;
  bytes_per_profile_binary: number;
  bytes_per_profile_json: number;
  updates: number;
  /** Per CPU-second of the updating thread: the one-core rate, whatever else shares the machine. */
  updates_per_second: number;
  updates_per_wall_second: number;
  ns_per_update: number;
  config: ProfileModel['config'];
}

const T0 = 1_372_636_800;

/**
 * Memory and update cost of profiles at scale: `users` profiles in one keyed map (as a state
 * store holds them), memory measured as the growth of heap plus array buffers after a full GC,
 * then `updates` timed updates on one thread.
 */
export function runProfileBench(o: ProfileBenchOptions): ProfileBenchReport {
  const model = new ProfileModel();
  const random = seededRandom(o.seed);
  const event = (user: number, i: number): UsageEvent => ({
    timeSeconds: T0 + i * 60 + (user % 60),
    cpuMs: Math.exp(4 + 2 * random()),
    peakMemoryMb: 64 + 512 * random(),
    ioMb: 20 * random() * random(),
    durationMs: Math.exp(5 + 2 * random()),
  });
  o.gc();
  const before = o.memory();
  const profiles = new Map<string, ProfileState>();
  for (let u = 0; u < o.users; u++) {
    const s = model.create();
    for (let i = 0; i < o.eventsPerUser; i++) model.update(s, event(u, i));
    profiles.set(`user-${u}`, s);
  }
  o.gc();
  const perProfile = (o.memory() - before) / o.users;
  o.log(`bench profiles: ${o.users} profiles, ${perProfile.toFixed(0)} bytes each in memory`);

  const sample = [...profiles.values()].slice(0, Math.min(1_000, o.users));
  const binary = sample.reduce((a, s) => a + encodeProfile(model, s).byteLength, 0) / sample.length;
  const json = sample.reduce((a, s) => a + Buffer.byteLength(JSON.stringify(snapshotProfile(model, s))), 0) / sample.length;

  // Each round's events are made before its timer starts, so the timing holds profile updates only.
  const states = [...profiles.values()];
  const batch = Math.min(o.updates, 1_000_000);
  let done = 0;
  let elapsed = 0;
  let cpu = 0;
  for (let round = 0; done < o.updates; round++) {
    const n = Math.min(batch, o.updates - done);
    const first = o.eventsPerUser + round * Math.ceil(batch / o.users);
    const events = Array.from({ length: n }, (_, k) => event(k % o.users, first + Math.floor(k / o.users)));
    const t = o.clock();
    const c = o.cpuClock();
    for (let k = 0; k < n; k++) model.update(states[k % o.users]!, events[k]!);
    cpu += o.cpuClock() - c;
    elapsed += o.clock() - t;
    done += n;
  }
  const perSecond = done / (cpu / 1000);
  o.log(`bench profiles: ${done} updates in ${(cpu / 1000).toFixed(2)} s of CPU, ${(elapsed / 1000).toFixed(2)} s wall`);
  return {
    users: o.users,
    events_per_user: o.eventsPerUser,
    bytes_per_profile_in_memory: perProfile,
    bytes_per_profile_binary: binary,
    bytes_per_profile_json: json,
    updates: done,
    updates_per_second: perSecond,
    updates_per_wall_second: done / (elapsed / 1000),
    ns_per_update: 1e9 / perSecond,
    config: model.config,
  };
}
