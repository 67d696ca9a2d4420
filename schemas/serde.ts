import { SchemaRegistry, SchemaType, COMPATIBILITY } from '@kafkajs/confluent-schema-registry';
import * as avro from 'avsc';
import { avroOptions, avroType } from './avro';
import {
  ConfigError, EncodeError, InvalidRecordError, MalformedRecordError, RegistryUnavailableError, SchemaIncompatibleError, TruncatedRecordError, UnknownSchemaIdError, WrongSchemaError,
} from './errors';
import { eventSchema } from './events';
import { setSubjectCompatibility, type Compatibility, type RegistryConnection } from './registry-http';
import type { AvroComplexSchema } from './schema-files';
import { recordKey, valueSubject, type TopicSpec } from './topics';
import type { EventName, EventTypes } from './types.generated';
import { validateEvent, type ValidationContext } from './validation';
import { frame, unframe } from './wire-format';

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
  schema: AvroComplexSchema;
  type: avro.Type;
  schemaId: number;
}

/**
 * Avro values in the Confluent wire format, on @kafkajs/confluent-schema-registry. `start`
 * registers every topic's value schema under `<topic>-value` with the subject's compatibility
 * set, and caches the ids, so `encode` never waits on the network. `decode` reads any writer
 * version into this process's schema for the topic and classifies every failure as a
 * BadRecordError (dead-letter it) or a retriable RegistryUnavailableError (try again).
 */
export class EventSerde {
  private readonly resolvers = new Map<string, Promise<avro.Resolver | undefined>>();

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
      const type = avroType(schema as avro.Schema);
      const subject = valueSubject(spec.name);
      await setSubjectCompatibility(options.registry, subject, compatibility);
      const schemaId = await register(registry, subject, schema, compatibility);
      bindings.set(spec.name, { spec, schema, type, schemaId });
    }
    return new EventSerde(registry, bindings);
  }

  /** The schema id this process writes with on a topic. */
  schemaId(topic: string): number {
    return this.binding(topic).schemaId;
  }

  topics(): TopicSpec[] {
    return [...this.bindings.values()].map((b) => b.spec);
  }

  /** Avro-encodes a value in the wire format. Throws EncodeError (naming the bad paths) if it does not fit the schema. */
  encode<E extends EventName>(topic: string, value: EventTypes[E]): Buffer {
    const { type, schemaId } = this.binding(topic);
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch (err) {
      const paths: string[] = [];
      type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
      throw new EncodeError(topic, paths, err);
    }
    return frame(schemaId, body);
  }

  /** A ready-to-send Kafka message: the key from the topic's key field and the encoded value. */
  message<E extends EventName>(topic: string, value: EventTypes[E]): { key: string; value: Buffer } {
    const { spec } = this.binding(topic);
    return { key: recordKey(spec as unknown as TopicSpec<E>, value), value: this.encode(topic, value) };
  }

  /** Decodes a value read from a topic; see the class comment for the failures. */
  async decode<E extends EventName>(topic: string, value: Buffer | null): Promise<EventTypes[E]> {
    const { type } = this.binding(topic);
    const { schemaId, body } = unframe(topic, value);
    const resolver = await this.resolver(topic, schemaId);
    try {
      return type.fromBuffer(body, resolver) as EventTypes[E];
    } catch (err) {
      const message = (err as Error).message;
      if (/truncated/.test(message)) throw new TruncatedRecordError(`Avro body of schema ${schemaId} ends early: ${message}`, schemaId, err);
      throw new MalformedRecordError(`Avro body does not decode as schema ${schemaId}: ${message}`, schemaId, err);
    }
  }

  /** Decodes and then validates; an invalid value throws InvalidRecordError listing every violation. */
  async read<E extends EventName>(topic: string, value: Buffer | null, context: ValidationContext): Promise<EventTypes[E]> {
    const decoded = await this.decode<E>(topic, value);
    const spec = this.binding(topic).spec as unknown as TopicSpec<E>;
    const violations = validateEvent(spec.event, decoded, context);
    if (violations.length > 0) throw new InvalidRecordError(violations, (value as Buffer).readInt32BE(1));
    return decoded;
  }

  private binding(topic: string): Binding {
    const binding = this.bindings.get(topic);
    if (!binding) throw new ConfigError(`topic ${topic} is not one this serde was started with`);
    return binding;
  }

  // A writer schema is fetched once per id and its resolver into the topic's reader schema
  // built once (undefined: the writer is our own schema); a failed lookup is not cached so a registry hiccup can heal.
  private resolver(topic: string, schemaId: number): Promise<avro.Resolver | undefined> {
    const key = `${topic}\u0000${schemaId}`;
    let pending = this.resolvers.get(key);
    if (!pending) {
      pending = this.buildResolver(topic, schemaId);
      this.resolvers.set(key, pending);
      pending.catch(() => this.resolvers.delete(key));
    }
    return pending;
  }

  private async buildResolver(topic: string, schemaId: number): Promise<avro.Resolver | undefined> {
    const { type: reader, schemaId: ownId } = this.binding(topic);
    if (schemaId === ownId) return undefined;
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
      return reader.createResolver(writerType);
    } catch (err) {
      throw new WrongSchemaError(`schema ${schemaId} cannot be read as ${topic}'s ${reader.name}: ${(err as Error).message}`, schemaId, err);
    }
  }
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
