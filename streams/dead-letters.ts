import { BadRecordError, NullValueError } from '../schemas/errors';
import type { EventSerde } from '../schemas/serde';
import type { DeadLetter, DeadLetterReason, EventName, EventTypes, RecordHeader } from '../schemas/types.generated';
import type { Clock } from './runtime/clock';
import type { DeadLetter as RuntimeDeadLetter, DeadLetterMessage, DeadLetterSink } from './runtime/dead-letter-sink';
import { isRetriable } from './runtime/errors';

/** Where a rejected record came from, as read off the wire. */
export interface DeadLetterSource {
  topic: string;
  partition: number;
  /** Kafka offsets arrive as strings (kafkajs); numbers are accepted too. */
  offset: string | number;
  /** Kafka record timestamp in ms, if known. */
  timestamp?: string | number | null;
  key: Buffer | null;
  value: Buffer | null;
  /** kafkajs-style headers; arrays keep repeated names. */
  headers?: Readonly<Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>>;
}

/** Anything with kafkajs's `send` shape: a Producer or a Transaction. */
export interface RecordSender {
  send(record: { topic: string; messages: Array<{ key: Buffer | string | null; value: Buffer; headers?: Record<string, string> }> }): Promise<unknown>;
}

// Messages are capped so one pathological error cannot make the dead letter itself too large.
const maxMessageChars = 8 * 1024;
/**
 * Raw bytes kept per dead letter. A record just under the broker's message.max.bytes (1 MiB by
 * default) wrapped with its failure would be over it: the dead-letter write, and with it the
 * processor's transaction, would fail on every retry. Longer keys and values keep their first
 * bytes, and the message says so; the whole record stays readable at its source offset.
 */
export const maxDeadLetterValueBytes = 512 * 1024;
export const maxDeadLetterKeyBytes = 16 * 1024;

/** The DLQ reason for an error: a BadRecordError knows its own; anything else failed in processing. */
export function deadLetterReason(error: unknown): DeadLetterReason {
  return error instanceof BadRecordError ? error.reason : 'PROCESSING_FAILED';
}

/** Builds the DeadLetter event for a rejected record. Pure: the failure time is passed in. */
export function buildDeadLetter(source: DeadLetterSource, error: unknown, at: { failedAt: number; processor?: string }): DeadLetter {
  const err = error instanceof Error ? error : new Error(String(error));
  const timestamp = source.timestamp == null ? null : Number(source.timestamp);
  const message = err.message.length > maxMessageChars ? `${err.message.slice(0, maxMessageChars)}… (truncated)` : err.message;
  const cuts = [cut('key', source.key, maxDeadLetterKeyBytes), cut('value', source.value, maxDeadLetterValueBytes)];
  const notes = cuts.flatMap((c) => (c.note ? [c.note] : []));
  return {
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: Number(source.offset),
    sourceTimestamp: timestamp === null || !Number.isFinite(timestamp) ? null : new Date(timestamp),
    processor: at.processor ?? null,
    failedAt: new Date(at.failedAt),
    reason: deadLetterReason(error),
    errorClass: err.name || err.constructor.name,
    errorMessage: notes.length === 0 ? message : `${message} [${notes.join('; ')}]`,
    schemaId: error instanceof BadRecordError ? (error.schemaId ?? null) : null,
    key: cuts[0]!.bytes,
    value: cuts[1]!.bytes,
    headers: headerList(source.headers),
  };
}

function cut(what: string, bytes: Buffer | null, max: number): { bytes: Buffer | null; note?: string } {
  if (bytes === null || bytes.length <= max) return { bytes };
  return { bytes: bytes.subarray(0, max), note: `${what} cut to its first ${max} of ${bytes.length} bytes` };
}

function headerList(headers: DeadLetterSource['headers']): RecordHeader[] {
  const out: RecordHeader[] = [];
  for (const [key, raw] of Object.entries(headers ?? {})) {
    const values = raw === undefined ? [undefined] : Array.isArray(raw) ? raw : [raw];
    for (const v of values as Array<Buffer | string | undefined>) out.push({ key, value: v === undefined ? null : Buffer.from(v) });
  }
  return out;
}

export interface DeadLetterPublisherOptions {
  serde: EventSerde;
  send: RecordSender['send'];
  clock: Clock;
  /** The dead-letter topic; must be one the serde was started with. Default 'prm.dlq'. */
  topic?: string;
  /** Name of the processor publishing, recorded on every dead letter. */
  processor?: string;
}

/**
 * Publishes rejected records to the dead-letter topic, keyed by source topic so one topic's
 * dead letters stay in order. Returns the event it wrote, for logs and metrics.
 */
export function createDeadLetterPublisher(options: DeadLetterPublisherOptions) {
  const { serde, send, clock, processor } = options;
  const topic = options.topic ?? 'prm.dlq';
  serde.schemaId(topic); // fail at construction, not at the first bad record
  return {
    topic,
    async publish(source: DeadLetterSource, error: unknown): Promise<DeadLetter> {
      const letter = buildDeadLetter(source, error, { failedAt: clock.now(), processor });
      await send({ topic, messages: [{ key: letter.sourceTopic, value: serde.encode(topic, letter) }] });
      return letter;
    },
  };
}

export type DeadLetterPublisher = ReturnType<typeof createDeadLetterPublisher>;

/** A record as a plain kafkajs consumer loop gets it. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  message: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: DeadLetterSource['headers'] };
}

/**
 * For a consumer loop outside the stream runtime (an executor, a scaler), which commits each
 * record's offset itself: decodes the record, or publishes it to the dead-letter topic with the
 * reason and returns that letter, so the loop commits past it. Thrown instead, for kafkajs to
 * retry from the same offset, it would be read again for good and stop every record after it on
 * its partition. A registry that is away is not the record's fault: that error is thrown.
 */
export async function decodeOrDeadLetter<E extends EventName>(
  serde: EventSerde, deadLetters: DeadLetterPublisher, record: ConsumedRecord,
): Promise<{ value: EventTypes[E] } | { deadLetter: DeadLetter }> {
  try {
    return { value: await serde.decode<E>(record.topic, record.message.value) };
  } catch (err) {
    if (isRetriable(err)) throw err;
    return { deadLetter: await publishConsumed(deadLetters, record, err) };
  }
}

/** Publishes a record a consumer loop got, untouched, as a dead letter for `error`. */
export function publishConsumed(deadLetters: DeadLetterPublisher, { topic, partition, message }: ConsumedRecord, error: unknown): Promise<DeadLetter> {
  return deadLetters.publish({ topic, partition, offset: message.offset, timestamp: message.timestamp, key: message.key, value: message.value, headers: message.headers }, error);
}

/** A runtime dead letter, optionally with the error behind it (classified when present). */
export type RuntimeRejection = RuntimeDeadLetter & { error?: unknown };

/**
 * The runtime's reasons are sentences; without the error object only their start says what
 * kind of failure it was.
 */
function inferError(letter: RuntimeRejection): unknown {
  // The runtime refuses a tombstone before any serde sees it, with a plain error.
  if (letter.value === null && /^decode failed/.test(letter.reason)) return new NullValueError(letter.sourceTopic);
  if (letter.error !== undefined) return letter.error;
  const reason: DeadLetterReason = /^(invalid event time|timestamp extraction failed)/.test(letter.reason) ? 'INVALID_VALUE'
    : /\blate\b/i.test(letter.reason) ? 'LATE'
      : /^decode failed/.test(letter.reason) ? 'MALFORMED'
        : 'PROCESSING_FAILED';
  return reason === 'PROCESSING_FAILED' ? Object.assign(new Error(letter.reason), { name: 'ProcessingError' })
    : new BadRecordError(reason, letter.reason);
}

/** A DeadLetterSink that also takes the error behind a runtime dead letter. */
export interface AvroDeadLetterSink extends DeadLetterSink {
  encode(letter: RuntimeRejection): Promise<DeadLetterMessage>;
}

/**
 * The stream runtime's DeadLetterSink port writing Avro DeadLetter events (the runtime sends
 * them inside its transaction).
 */
export function avroDeadLetterSink(serde: EventSerde, clock: Clock, topic = 'prm.dlq'): AvroDeadLetterSink {
  serde.schemaId(topic);
  return {
    topic,
    async encode(letter: RuntimeRejection): Promise<DeadLetterMessage> {
      const source: DeadLetterSource = {
        topic: letter.sourceTopic, partition: letter.partition, offset: letter.offset, timestamp: letter.timestamp,
        key: letter.key, value: letter.value,
      };
      const event = buildDeadLetter(source, inferError(letter), { failedAt: clock.now(), processor: letter.processor });
      return { key: Buffer.from(event.sourceTopic), value: serde.encode(topic, event) };
    },
  };
}
