import type { DeadLetterReason } from './types.generated';

/**
 * The one error base: `retriable` tells a retrier whether trying again can help (a registry
 * that is down) or not (a malformed record, a programmer error), and `cause` keeps the origin.
 */
export class PrmError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** Bad configuration: rejected at start-up, never retried. */
export class ConfigError extends PrmError {}

/** The schema registry could not be reached or answered with a server error. */
export class RegistryUnavailableError extends PrmError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/** A writer schema is being fetched for the first time: try the record again shortly. */
export class SchemaNotLoadedError extends PrmError {
  constructor(readonly schemaId: number) {
    super(`schema ${schemaId} is not loaded yet; fetching it from the registry`, { retriable: true });
  }
}

/** The registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends PrmError {
  constructor(readonly subject: string, readonly registryMessage: string, cause?: unknown) {
    super(`schema for subject '${subject}' rejected as incompatible: ${registryMessage}`, { cause });
  }
}

/** A value that does not fit its schema was about to be produced: a programmer error. */
export class EncodeError extends PrmError {
  constructor(readonly topic: string, readonly paths: string[], cause?: unknown) {
    super(`value for ${topic} does not match its schema at ${paths.join(', ') || '(root)'}`, { cause });
  }
}

/**
 * A record that can never be processed as it is: it goes to the dead-letter topic with its
 * reason and the consumer goes on. Subclasses name the failure; `reason` is what the
 * DeadLetter record carries.
 */
export class BadRecordError extends PrmError {
  constructor(readonly reason: DeadLetterReason, message: string, readonly schemaId?: number, cause?: unknown) {
    super(message, { cause });
  }
}

/** No value at all (a tombstone) where an event is required. */
export class NullValueError extends BadRecordError {
  constructor(topic: string) {
    super('NULL_VALUE', `record on ${topic} has no value (tombstone) where an event is required`);
  }
}

/** The first byte is not the Confluent wire-format magic byte 0: not produced by a registry serde. */
export class NoMagicByteError extends BadRecordError {
  constructor(first: number) {
    super('NO_MAGIC_BYTE', `first byte is 0x${first.toString(16).padStart(2, '0')}, expected magic byte 0x00`);
  }
}

/** The record ends before its 5-byte header or its Avro body does. */
export class TruncatedRecordError extends BadRecordError {
  constructor(message: string, schemaId?: number, cause?: unknown) {
    super('TRUNCATED', message, schemaId, cause);
  }
}

/** The header names a schema id the registry does not know. */
export class UnknownSchemaIdError extends BadRecordError {
  constructor(schemaId: number, cause?: unknown) {
    super('UNKNOWN_SCHEMA_ID', `schema id ${schemaId} is not in the registry`, schemaId, cause);
  }
}

/** The writer's schema cannot be read as the topic's event (another event, or incompatible). */
export class WrongSchemaError extends BadRecordError {
  constructor(message: string, schemaId: number, cause?: unknown) {
    super('WRONG_SCHEMA', message, schemaId, cause);
  }
}

/** The Avro body does not decode under its own writer schema (bad union or enum index, trailing bytes). */
export class MalformedRecordError extends BadRecordError {
  constructor(message: string, schemaId: number, cause?: unknown) {
    super('MALFORMED', message, schemaId, cause);
  }
}

/** The record decoded but its values break a rule (negative usage, far-future time, ...). */
export class InvalidRecordError extends BadRecordError {
  constructor(readonly violations: string[], schemaId?: number) {
    super('INVALID_VALUE', violations.join('; '), schemaId);
  }
}
