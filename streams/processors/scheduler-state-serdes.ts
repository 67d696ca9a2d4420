import type * as avro from 'avsc';
import type { UserState } from '../../models/scheduling/scheduler';
import { avroStateSerde } from '../runtime/avro-state-serde';
import type { DispatchedEntry, FleetEntry, QueuedEntry, RunningEntry } from './scheduler';

/**
 * The scheduler's store values as Avro (see avroStateSerde): a dispatch writes the request's
 * dispatched entry with its run and its user's usage, each a changelog record. Every field of the state types
 * is here; the round-trip test holds the two together (an undeclared field would be dropped).
 * Tiers are strings, not the event enum, so that a new tier never makes old state unreadable.
 */
const double = 'double';
const optionalDouble = { type: ['null', double], default: null };

interface FieldSchema {
  name: string;
  type: string | unknown[];
  default?: null;
}

function record(name: string, fields: FieldSchema[], aliases?: string[]): avro.Schema {
  // avsc's schema types are not exported piecewise; this is the one place the shape is asserted.
  return { type: 'record', name, namespace: 'io.prm.state.scheduler', fields, ...(aliases && { aliases }) } as avro.Schema;
}

const queuedEntry = record('QueuedEntry', [
  { name: 'requestId', type: 'string' }, { name: 'userId', type: 'string' }, { name: 'tier', type: 'string' },
  { name: 'priority', type: double }, { name: 'submittedAtMs', type: double }, { name: 'cores', type: double },
  { name: 'memoryBytes', type: double }, { name: 'timeoutMs', type: double }, { name: 'durationP50Ms', type: double },
  { name: 'durationP90Ms', type: double }, { name: 'seq', type: double }, { name: 'attempt', ...optionalDouble },
  { name: 'notBeforeMs', ...optionalDouble }, { name: 'deadlineMs', ...optionalDouble },
]);

export const queuedEntrySerde = avroStateSerde<QueuedEntry>(queuedEntry);

const charged = record('Charged', [{ name: 'userId', type: 'string' }, { name: 'cores', type: double }, { name: 'durationP50Ms', type: double }, { name: 'durationP90Ms', type: double }]);

const runningEntryV1: FieldSchema[] = [
  { name: 'instanceId', type: 'string' }, { name: 'cores', type: double }, { name: 'memoryBytes', type: double },
  { name: 'charged', type: ['null', charged], default: null },
  { name: 'job', type: ['null', queuedEntry], default: null },
];

const runningEntryFields: FieldSchema[] = [
  ...runningEntryV1, { name: 'leaseFromMs', ...optionalDouble }, { name: 'backfilledFor', type: ['null', 'string'], default: null },
];

/**
 * The legacy `running` store's values. Version 2 added the lease (`leaseFromMs`) and
 * `backfilledFor`; changelogs logged with version 1 still restore.
 */
export const runningEntrySerde = avroStateSerde<RunningEntry>(record('RunningEntry', runningEntryFields), [record('RunningEntry', runningEntryV1)]);

export const userStateSerde = avroStateSerde<UserState>(record('UserState', [
  { name: 'usage', type: double }, { name: 'usageAt', type: double }, { name: 'inflationExcess', type: double }, { name: 'inflationAt', type: double },
  { name: 'memoryUsage', ...optionalDouble }, { name: 'memoryUsageAt', ...optionalDouble },
]));

export const fleetEntrySerde = avroStateSerde<FleetEntry>(record('FleetEntry', [
  { name: 'instancesRunning', type: double }, { name: 'shareInstances', ...optionalDouble }, { name: 'atMs', type: double },
]));

const rememberedAt: FieldSchema[] = [{ name: 'atMs', type: double }, { name: 'seq', type: double }];

/** A field as the dispatched entry holds it: absent (null) while nothing runs. */
function absentWhileIdle(field: FieldSchema): FieldSchema {
  return field.default === null ? field : { name: field.name, type: ['null', field.type], default: null };
}

/**
 * Version 2 holds the run on the remembered id (DispatchedEntry): every RunningEntry field,
 * derived from the running entry's so that a field added to runs is in both, absent while
 * nothing runs. Ids logged with version 1 (RememberedAt, which the record is still known as)
 * restore without one.
 */
export const dispatchedEntrySerde = avroStateSerde<DispatchedEntry>(
  record('DispatchedEntry', [
    ...rememberedAt, ...runningEntryFields.map(absentWhileIdle),
    { name: 'forgotten', type: ['null', 'boolean'], default: null },
  ], ['RememberedAt']),
  [record('RememberedAt', rememberedAt)],
);
