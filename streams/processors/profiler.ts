import { ProfileModel } from '../../models/profiles/profile-model';
import { decodeProfile, encodeProfile } from '../../models/profiles/profile-snapshot';
import type { ProfileConfig, ProfileState, UsageEvent } from '../../models/profiles/user-profile';
import type { ExecutionTelemetry, ExitStatus } from '../../schemas/types.generated';
import { DecodeError } from '../runtime/errors';
import type { Serde } from '../runtime/serde';
import { defineProcessor, keyValueStore } from '../runtime/topology';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';
import { emptyExtras, profileEvent, type ProfileExtras } from './profile-event';

const MIB = 1024 * 1024;

export interface ProfilerOptions {
  topics: EventTopics;
  profile?: Partial<ProfileConfig>;
}

/** A user's entry in the profile store: the model's state and the figures it does not keep. */
export interface ProfileEntry {
  state: ProfileState;
  extras: ProfileExtras;
}

/**
 * The model's compact binary form after a length-prefixed JSON header of the extras. The state
 * carries the executions it remembers, so a task restored from the changelog recognises the same
 * redeliveries the task before it would have.
 */
export function profileEntrySerde(model: ProfileModel): Serde<ProfileEntry> {
  return {
    serialize(entry) {
      const header = Buffer.from(JSON.stringify(entry.extras), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(header.length);
      return Buffer.concat([length, header, encodeProfile(model, entry.state)]);
    },
    deserialize(bytes) {
      if (bytes.length < 4) throw new DecodeError(`profile entry of ${bytes.length} bytes`);
      const n = bytes.readUInt32BE(0);
      if (bytes.length < 4 + n) throw new DecodeError('profile entry header runs past the end');
      const extras = JSON.parse(bytes.subarray(4, 4 + n).toString('utf8')) as ProfileExtras;
      return { extras, state: decodeProfile(model, new Uint8Array(bytes.subarray(4 + n))) };
    },
  };
}

const exitField: Record<Exclude<ExitStatus, 'NOT_RUN'>, keyof ProfileExtras['exits']> = { OK: 'ok', ERROR: 'error', TIMEOUT: 'timeout', OOM: 'oom' };

/**
 * Telemetry in, the user's rolling profile updated (models/profiles) and its snapshot out on the
 * compacted prm.user-profiles topic. A redelivered execution (the same request id and attempt,
 * in any order, while the profile remembers it: within its lateness window and redeliveryMemory)
 * changes nothing and emits nothing; past that, a rare redelivery is counted again rather than
 * any telemetry being refused (ProfileModel.update). Telemetry too old for the profile is
 * dead-lettered with the model's reason; a job PRM never started (NOT_RUN) is left out.
 */
export function profilerProcessor(o: ProfilerOptions) {
  const model = new ProfileModel(o.profile);
  return defineProcessor({
    name: 'profiler',
    inputs: { telemetry: o.topics.topic('prm.telemetry', 'ExecutionTelemetry') },
    outputs: { profiles: o.topics.topic('prm.user-profiles', 'UserProfile') },
    stores: { profiles: keyValueStore(profileEntrySerde(model)) },
    // What the profiler's memory and restore time grow with (about 2 KB a profile, up to 4 KB more
    // for a user with hundreds of executions within the lateness window: ProfileConfig.redeliveryMemory).
    gauges: { user_profiles: { help: 'Users with a profile held by this instance', value: (s) => s.store('profiles').size } },
    eventTime: {
      // Lateness is judged per user by the profile model (older than that user's last event by more
      // than maxLatenessSeconds), not per partition, where one busy user would make others late.
      allowedLatenessMs: NEVER_LATE_MS,
      timestamp: (r) => r.value.endedAt.getTime(),
    },
    onError: 'dead-letter',
    process(ctx, record) {
      const t = record.value;
      // PRM never started it: its zero usage would pull the user's profile down for nothing the code did.
      if (t.exitStatus === 'NOT_RUN') return;
      const store = ctx.store('profiles');
      // Copied, not mutated in place: the store must keep the old value if this record is undone.
      const stored = store.get(t.userId);
      const entry: ProfileEntry = stored
        ? { state: model.copy(stored.state), extras: structuredClone(stored.extras) }
        : { state: model.create(), extras: emptyExtras() };
      const event = usage(t);
      const gapMs = entry.state.events > 0 && event.timeSeconds >= entry.state.lastSeenSeconds ? (event.timeSeconds - entry.state.lastSeenSeconds) * 1000 : 0;
      const outcome = model.update(entry.state, event);
      if (outcome === 'duplicate') {
        store.put(t.userId, entry); // counted, not emitted
        return;
      }
      entry.extras.exits[exitField[t.exitStatus]]++;
      const io = t.ioReadBytes + t.ioWriteBytes;
      const m = entry.extras.max;
      m.cpuMs = Math.max(m.cpuMs, t.cpuMs);
      m.peakMemoryBytes = Math.max(m.peakMemoryBytes, t.peakMemoryBytes);
      m.ioBytes = Math.max(m.ioBytes, io);
      m.durationMs = Math.max(m.durationMs, duration(t));
      m.interArrivalMs = Math.max(m.interArrivalMs, gapMs);
      store.put(t.userId, entry);
      ctx.forward('profiles', { key: t.userId, value: profileEvent(model, t.userId, entry.state, entry.extras) });
    },
  });
}

function duration(t: ExecutionTelemetry): number {
  return Math.max(0, t.endedAt.getTime() - t.startedAt.getTime());
}

function usage(t: ExecutionTelemetry): UsageEvent {
  return {
    timeSeconds: t.startedAt.getTime() / 1000,
    // One execution: a request's run again after OOM or a lost lease is another attempt, and counts.
    id: JSON.stringify([t.requestId, t.attempt ?? 1]),
    cpuMs: t.cpuMs,
    peakMemoryMb: t.peakMemoryBytes / MIB,
    ioMb: (t.ioReadBytes + t.ioWriteBytes) / MIB,
    durationMs: duration(t),
  };
}
