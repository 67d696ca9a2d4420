import { InvalidRecordError } from '../../schemas/errors';
import { eventType } from '../../schemas/events';
import type { EventSerde } from '../../schemas/serde';
import { topicCatalogue, type TopicSpec } from '../../schemas/topics';
import type { EventName, EventTypes } from '../../schemas/types.generated';
import { validateEvent } from '../../schemas/validation';
import { DecodeError } from '../runtime/errors';
import type { Serde } from '../runtime/serde';
import { topic, type TopicDef } from '../runtime/topology';

/**
 * Allowed lateness for processors that must handle every record whatever its event time (each
 * request gets a prediction, each prediction a dispatch, a table update is never dropped): the
 * watermark then never passes a record. Event time still stamps their outputs.
 */
export const NEVER_LATE_MS = Number.MAX_SAFE_INTEGER;

/** Turns a catalogue topic into a runtime topic of its event type. */
export interface EventTopics {
  topic<E extends EventName>(catalogueName: string, event: E): TopicDef<EventTypes[E]>;
  /** A serde for an event kept in a state store (values the processor also reads off a topic). */
  serde<E extends EventName>(catalogueName: string, event: E): Serde<EventTypes[E]>;
}

function spec(catalogue: readonly TopicSpec[], catalogueName: string, event: EventName): TopicSpec {
  const found = catalogue.find((t) => t.name === catalogueName || t.name.endsWith(`.${catalogueName}`));
  if (!found) throw new Error(`topic ${catalogueName} is not in the catalogue`);
  if (found.event !== event) throw new Error(`topic ${found.name} carries ${found.event}, not ${event}`);
  return found;
}

/**
 * Topics on the schema registry (Avro in the Confluent wire format, validated on read). The
 * catalogue may be prefixed (`prefixedCatalogue`) so tests and shared clusters use their own
 * names; `now` is what validation measures future skew against.
 */
export function registryTopics(serde: EventSerde, catalogue: readonly TopicSpec[], now: () => number): EventTopics {
  const serdeOf = <E extends EventName>(catalogueName: string, event: E): Serde<EventTypes[E]> =>
    serde.topicSerde<E>(spec(catalogue, catalogueName, event).name, { now });
  return {
    topic: (name, event) => topic(spec(catalogue, name, event).name, serdeOf(name, event)),
    serde: serdeOf,
  };
}

/**
 * Topics as plain Avro bodies of the event schemas, with the same validation and no registry:
 * for the in-memory test driver and single-process runs that never leave this code base.
 */
export function localTopics(now: () => number, catalogue: readonly TopicSpec[] = topicCatalogue): EventTopics {
  const serdeOf = <E extends EventName>(catalogueName: string, event: E): Serde<EventTypes[E]> => {
    spec(catalogue, catalogueName, event);
    const type = eventType(event);
    return {
      serialize: (value) => type.toBuffer(value),
      deserialize(bytes) {
        let value: EventTypes[E];
        try {
          value = type.fromBuffer(bytes) as EventTypes[E];
        } catch (err) {
          throw new DecodeError(`not a ${event}: ${(err as Error).message}`, { cause: err });
        }
        const violations = validateEvent(event, value, { now: now() });
        if (violations.length > 0) throw new InvalidRecordError(violations, 0);
        return value;
      },
    };
  };
  return {
    topic: (name, event) => topic(spec(catalogue, name, event).name, serdeOf(name, event)),
    serde: serdeOf,
  };
}
