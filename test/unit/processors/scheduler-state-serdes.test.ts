import type { UserState } from '../../../models/scheduling/scheduler';
import type { DispatchedEntry, FleetEntry, QueuedEntry, RunningEntry } from '../../../streams/processors/scheduler';
import { dispatchedEntrySerde, fleetEntrySerde, queuedEntrySerde, runningEntrySerde, userStateSerde } from '../../../streams/processors/scheduler-state-serdes';
import { jsonSerde, type Serde } from '../../../streams/runtime/serde';

// Required<…>: a field added to a state type does not compile here until the sample has it, and
// then the round trip fails until the schema has it too (Avro would drop it on restore).
const job: Required<QueuedEntry> = {
  requestId: 'alibaba:6851/40556#0', userId: 'u-17', tier: 'PREMIUM', priority: 7, submittedAtMs: 1732924800123, cores: 0.25,
  memoryBytes: 268435456, timeoutMs: 60000, durationP50Ms: 1234.5, durationP90Ms: 3456.7, seq: 123456, attempt: 2, notBeforeMs: 1732924801000,
  deadlineMs: 1732925100000,
};
const running: Required<RunningEntry> = {
  instanceId: 'pool-a-3', cores: 0.25, memoryBytes: 268435456, charged: { userId: 'u-17', cores: 0.25, durationP50Ms: 1234.5, durationP90Ms: 3456.7 }, job,
  leaseFromMs: 1732924802000,
  backfilledFor: 'alibaba:6851/40557#0',
};
const user: Required<UserState> = { usage: 12.5, usageAt: 1732924800.5, inflationExcess: 0.25, inflationAt: 1732924700, memoryUsage: 3.5e9, memoryUsageAt: 1732924800 };
const fleet: Required<FleetEntry> = { instancesRunning: 12, shareInstances: 1.5, atMs: 1732924800123 };
const dispatched: Required<DispatchedEntry> = { atMs: 1732924800123, seq: 99, ...running, forgotten: true };

const cases: [string, Serde<never>, object, object][] = [
  ['queued entry', queuedEntrySerde as Serde<never>, job, { ...job, attempt: undefined, notBeforeMs: undefined, deadlineMs: undefined }],
  ['running entry', runningEntrySerde as Serde<never>, running, { instanceId: 'pool-a-3', cores: 0.5, memoryBytes: 1, job: { ...job, attempt: undefined, notBeforeMs: undefined, deadlineMs: undefined } }],
  ['user state', userStateSerde as Serde<never>, user, { usage: 1, usageAt: 2, inflationExcess: 0, inflationAt: 3 }],
  ['fleet entry', fleetEntrySerde as Serde<never>, fleet, { instancesRunning: 3, atMs: 4 }],
  ['dispatched entry', dispatchedEntrySerde as Serde<never>, dispatched, { atMs: 1732924800123, seq: 99 }],
];

describe('scheduler state serdes', () => {
  it.each(cases)('a %s restores every field it was logged with, and as JSON restored it', (_name, serde, full, sparse) => {
    for (const value of [full, sparse]) {
      const asJson = JSON.parse(JSON.stringify(value)) as unknown; // what the JSON changelog restored
      expect(serde.deserialize(serde.serialize(value as never))).toStrictEqual(asJson);
      expect(serde.deserialize(jsonSerde().serialize(value))).toStrictEqual(asJson); // a JSON changelog still restores
    }
  });

  it('restores a running entry an older runtime logged before leases (version 1), with no lease', () => {
    // Logged by the serde of cb85c42 for { instanceId: 'pool-a-3', cores: 0.25, memoryBytes: 256 MiB, job } (job below).
    const v1 = Buffer.from(
      'ARBwb29sLWEtMwAAAAAAANA/AAAAAAAAsEEAAgZyLTEIdS0xNw5QUkVNSVVNAAAAAAAAHEAAsMffpTd5QgAAAAAAANA/AAAAAAAAsEEAAAAAAEztQAAAAAAASpNAZmZmZmYBq0AAAAAAAABFQAAAAA==',
      'base64',
    );
    expect(runningEntrySerde.deserialize(v1)).toStrictEqual({
      instanceId: 'pool-a-3', cores: 0.25, memoryBytes: 268435456,
      job: {
        requestId: 'r-1', userId: 'u-17', tier: 'PREMIUM', priority: 7, submittedAtMs: 1732924800123, cores: 0.25,
        memoryBytes: 268435456, timeoutMs: 60000, durationP50Ms: 1234.5, durationP90Ms: 3456.7, seq: 42,
      },
    });
  });

  it('restores a dispatched id an older runtime logged before its entry held the run (version 1), with no run', () => {
    // Logged by the serde of 136e0cf (rememberedAtSerde) for { atMs: 1732924800123, seq: 99 }.
    const v1 = Buffer.from('AQCwx9+lN3lCAAAAAADAWEA=', 'base64');
    expect(dispatchedEntrySerde.deserialize(v1)).toStrictEqual({ atMs: 1732924800123, seq: 99 });
  });

  it('logs a dispatched job in under half the bytes JSON took', () => {
    expect(runningEntrySerde.serialize(running).length).toBeLessThan(jsonSerde().serialize(running).length / 2);
  });
});
