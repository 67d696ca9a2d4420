import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { avroOptions, avroType } from './avro';
import { blockGuard, OversizedBlockError } from './block-guard';
import {
  BadRecordError, ConfigError, EncodeError, InvalidRecordError, MalformedRecordError, RegistryUnavailableError,
  SchemaIncompatibleError, SchemaNotLoadedError, TruncatedRecordError, UnknownSchemaIdError, WrongSchemaError,
} from './errors';
import { eventSchema } from './events';
import { registryRequest, setSubjectCompatibility, type Compatibility, type RegistryConnection } from './registry-http';
import type { AvroComplexSchema } from './schema-files';
import { recordKey, valueSubject, type TopicSpec } from './topics';
import type { EventName, EventTypes } from './types.generated';
import { validateEvent, type ValidationContext, type ValidationLimits } from './validation';
import { encodeFramed, unframe } from './wire-format';

export interface SerdeOptions {
  registry: RegistryConnection;
  /** The topics this process reads or writes; each value schema is registered on start. */
  topics: readonly TopicSpec[];
  /** Level set on every subject. Default BACKWARD: a new schema must read all data of the previous one. */
  compatibility?: Compatibility;
  /**
   * Schemas to use instead of the .avsc for some topics, by topic name: an older or newer
   * version of the event (a consumer pinned to an old schema, an evolution test).
   */
  schemaOverrides?: Readonly<Record<string, AvroComplexSchema>>;
}

interface Binding {
  spec: TopicSpec;
  type: avro.Type;
  schemaId: number;
}

/**
 * Avro values in the Confluent wire format, on @kafkajs/confluent-schema-registry. `start`
 * registers every topic's value schema under `<topic>-value` with the subject's compatibility
 * set, and caches the ids, so `encode` never waits on the network. `decode` reads any writer
 * version into this process's schema for the topic and classifies every failure as a
 * BadRecordError (dead-letter it) or a retriable error (RegistryUnavailableError,
 * SchemaNotLoadedError: try again). `topicSerde` adapts a topic to a synchronous serde.
 */
export class EventSerde {
  private readonly resolved = new Map<string, Resolution>();
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(private readonly registry: SchemaRegistry, private readonly bindings: ReadonlyMap<string, Binding>) {}

  static async start(options: SerdeOptions): Promise<EventSerde> {
    const compatibility = options.compatibility ?? 'BACKWARD';
    const registry = new SchemaRegistry(
      { host: options.registry.url, auth: options.registry.auth, clientId: 'prm' },
      { [SchemaType.AVRO]: { ...avroOptions } },
    );
    const bindings = new Map<string, Binding>();
    for (const spec of options.topics) {
      const schema = options.schemaOverrides?.[spec.name] ?? eventSchema(spec.event);
      const type = avroType(schema);
      const subject = valueSubject(spec.name);
      await setSubjectCompatibility(options.registry, subject, compatibility);
      const schemaId = await register(registry, subject, schema, compatibility);
      bindings.set(spec.name, { spec, type, schemaId });
    }
    const serde = new EventSerde(registry, bindings);
    await serde.preload(options.registry);
    return serde;
  }

  /** The schema id this process writes with on a topic. */
  schemaId(topic: string): number {
    return this.binding(topic).schemaId;
  }

  /** Avro-encodes a value in the wire format. Throws EncodeError (naming the bad paths) if it does not fit the schema. */
  encode<E extends EventName>(topic: string, value: EventTypes[E]): Buffer {
    const { type, schemaId } = this.binding(topic);
    try {
      return encodeFramed(schemaId, (buffer, offset) => type.encode(value, buffer, offset));
    } catch (err) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
      throw new EncodeError(topic, paths, err);
    }
  }

  /** A ready-to-send Kafka message: the key from the topic's key field and the encoded value. */
  message<E extends EventName>(topic: string, value: EventTypes[E]): { key: string; value: Buffer } {
    const { spec } = this.binding(topic);
    return { key: recordKey(spec as unknown as TopicSpec<E>, value), value: this.encode(topic, value) };
  }

  /** Decodes a value read from a topic; see the class comment for the failures. */
  async decode<E extends EventName>(topic: string, value: Buffer | null): Promise<EventTypes[E]> {
    const { schemaId } = unframe(topic, value);
    await this.ensureResolved(topic, schemaId);
    return this.decodeSync<E>(topic, value);
  }

  /**
   * Decodes without waiting, for callers that cannot (a synchronous runtime serde). Every
   * version registered under the topic's subject at start-up is preloaded; a writer schema
   * seen for the first time throws a retriable SchemaNotLoadedError while it is fetched, so a
   * retry succeeds (or fails with the record's real problem).
   */
  decodeSync<E extends EventName>(topic: string, value: Buffer | null): EventTypes[E] {
    const { type } = this.binding(topic);
    const { schemaId, body } = unframe(topic, value);
    const resolution = this.resolved.get(resolutionKey(topic, schemaId));
    if (!resolution) {
      this.ensureResolved(topic, schemaId).catch(() => undefined); // retried on the next attempt
      throw new SchemaNotLoadedError(schemaId);
    }
    if ('failure' in resolution) throw resolution.failure;
    try {
      resolution.guard?.(body);
      return type.fromBuffer(body, resolution.resolver) as EventTypes[E];
    } catch (err) {
      const message = (err as Error).message;
      // Checked before avsc allocates what the record declares (see blockGuard).
      if (err instanceof OversizedBlockError && err.endsEarly) throw new TruncatedRecordError(`Avro body of schema ${schemaId} ends early: ${message}`, schemaId, err);
      if (err instanceof OversizedBlockError) throw new MalformedRecordError(`Avro body of schema ${schemaId} does not decode: ${message}`, schemaId, err);
      if (/truncated/.test(message)) throw new TruncatedRecordError(`Avro body of schema ${schemaId} ends early: ${message}`, schemaId, err);
      throw new MalformedRecordError(`Avro body does not decode as schema ${schemaId}: ${message}`, schemaId, err);
    }
  }

  /** Decodes and then validates; an invalid value throws InvalidRecordError listing every violation. */
  async read<E extends EventName>(topic: string, value: Buffer | null, context: ValidationContext): Promise<EventTypes[E]> {
    const { schemaId } = unframe(topic, value);
    await this.ensureResolved(topic, schemaId);
    return this.readSync<E>(topic, value, context);
  }

  /** decodeSync, then validation. */
  readSync<E extends EventName>(topic: string, value: Buffer | null, context: ValidationContext): EventTypes[E] {
    return this.validated(topic, this.decodeSync<E>(topic, value), context, (value as Buffer).readInt32BE(1));
  }

  private validated<E extends EventName>(topic: string, event: EventTypes[E], context: ValidationContext, schemaId: number): EventTypes[E] {
    const spec = this.binding(topic).spec as unknown as TopicSpec<E>;
    const violations = validateEvent(spec.event, event, context);
    if (violations.length > 0) throw new InvalidRecordError(violations, schemaId);
    return event;
  }

  /**
   * A synchronous value serde for one topic (the stream runtime's `Serde<T>` shape): encodes,
   * and decodes + validates against `now()` (the runtime's clock or stream time).
   *
   * A value handed over in a fused chain was serialized by this serde, so it fits the schema
   * (avsc's writer checks every field's type): it is taken as it is and validated as a decoded
   * one would be, for 0.3 µs against 2 µs to decode a prediction. That is what decoding its
   * bytes gives, except that a missing optional field stays missing instead of null, which the
   * generated types (`field?: T | null`) make every reader handle. Not for a schema with a
   * float, which decoding rounds.
   */
  topicSerde<E extends EventName>(topic: string, options: { now: () => number; limits?: Partial<ValidationLimits> }) {
    const { type, schemaId } = this.binding(topic);
    const context = (): ValidationContext => ({ now: options.now(), limits: options.limits });
    const serde: TopicValueSerde<EventTypes[E]> = {
      serialize: (value) => this.encode<E>(topic, value),
      deserialize: (bytes) => this.readSync<E>(topic, bytes, context()),
    };
    if (!JSON.stringify(type.schema()).includes('"float"')) {
      serde.handOver = (value) => this.validated<E>(topic, value, context(), schemaId);
    }
    return serde;
  }

  private binding(topic: string): Binding {
    const binding = this.bindings.get(topic);
    if (!binding) throw new ConfigError(`topic ${topic} is not one this serde was started with`);
    return binding;
  }

  // Each writer schema is fetched once per id and its resolver into the topic's reader schema
  // built once (undefined: the writer is our own schema). Records that can never be read
  // (unknown id, wrong schema) are remembered as such; a registry outage is not, so it heals.
  private ensureResolved(topic: string, schemaId: number): Promise<void> {
    const key = resolutionKey(topic, schemaId);
    if (this.resolved.has(key)) return Promise.resolve();
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.buildResolver(topic, schemaId)
        .then(
          ({ resolver, writer }) => void this.resolved.set(key, { resolver, guard: blockGuard(writer) }),
          (err: unknown) => {
            if (!(err instanceof BadRecordError)) throw err;
            this.resolved.set(key, { failure: err });
          },
        )
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async buildResolver(topic: string, schemaId: number): Promise<{ resolver: avro.Resolver | undefined; writer: avro.Type }> {
    const { type: reader, schemaId: ownId } = this.binding(topic);
    if (schemaId === ownId) return { resolver: undefined, writer: reader };
    let writer: unknown;
    try {
      writer = await this.registry.getSchema(schemaId);
    } catch (err) {
      if ((err as { status?: number }).status === 404) throw new UnknownSchemaIdError(schemaId, err);
      throw new RegistryUnavailableError(`could not fetch schema ${schemaId}: ${(err as Error).message}`, err);
    }
    if (!avro.Type.isType(writer)) throw new WrongSchemaError(`schema ${schemaId} is not an Avro schema`, schemaId);
    const writerType = writer as avro.Type;
    if (writerType.name !== reader.name) {
      throw new WrongSchemaError(`schema ${schemaId} is ${writerType.name ?? 'an unnamed type'}, but ${topic} carries ${reader.name}`, schemaId);
    }
    try {
      return { resolver: reader.createResolver(writerType), writer: writerType };
    } catch (err) {
      throw new WrongSchemaError(`schema ${schemaId} cannot be read as ${topic}'s ${reader.name}: ${(err as Error).message}`, schemaId, err);
    }
  }

  /** Resolves every version already registered under each topic's subject, so decodeSync rarely waits. */
  private async preload(registry: RegistryConnection): Promise<void> {
    for (const topic of this.bindings.keys()) {
      const subject = encodeURIComponent(valueSubject(topic));
      const versions = await registryRequest<number[]>(registry, 'GET', `/subjects/${subject}/versions`);
      for (const version of versions) {
        const { id } = await registryRequest<{ id: number }>(registry, 'GET', `/subjects/${subject}/versions/${version}`);
        await this.ensureResolved(topic, id);
      }
    }
  }
}

/** The stream runtime's value serde shape (streams/runtime/serde.ts), which schemas/ does not import. */
export interface TopicValueSerde<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): T;
  handOver?(value: T): T;
}

/** How to read one writer schema's records: its resolver (undefined: our own schema) and block-count guard. */
type Resolution = { resolver: avro.Resolver | undefined; guard: ((body: Buffer) => void) | undefined } | { failure: BadRecordError };

function resolutionKey(topic: string, schemaId: number): string {
  return `${topic}\u0000${schemaId}`;
}

async function register(registry: SchemaRegistry, subject: string, schema: AvroComplexSchema, compatibility: Compatibility): Promise<number> {
  try {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY[compatibility] },
    );
    return id;
  } catch (err) {
    const status = (err as { status?: number }).status;
    // The client library prefixes registry messages with its client id.
    const message = (err as Error).message.replace(/^prm - /, '');
    if (status === 409) throw new SchemaIncompatibleError(subject, message, err);
    if (status === 422) throw new ConfigError(`registry rejected the schema for ${subject} as invalid: ${message}`, { cause: err });
    if (status !== undefined && status < 500 && status !== 408) throw new ConfigError(`registering ${subject} failed: ${message}`, { cause: err });
    throw new RegistryUnavailableError(`registering ${subject} failed: ${message}`, err);
  }
}
