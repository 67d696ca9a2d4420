/**
 * A record the runtime could not or would not process, with where it came from and why.
 * The raw bytes are kept untouched so the record can be inspected or replayed.
 */
export interface DeadLetter {
  processor: string;
  sourceTopic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Record timestamp (ms). */
  timestamp: number;
  reason: string;
  /** The error behind the reason, when there is one, so a sink can classify it by type. */
  error?: unknown;
}

/** A message ready to be written to Kafka inside the runtime's transaction. */
export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer;
  headers?: Record<string, string>;
}

/**
 * The port the runtime writes dead letters through. It only encodes: the runtime writes the
 * message in the same transaction as the batch, so a dead letter is exactly-once too.
 */
export interface DeadLetterSink {
  readonly topic: string;
  encode(letter: DeadLetter): Promise<DeadLetterMessage>;
}

/** A sink writing dead letters as JSON (raw bytes base64), for tools and tests without a registry. */
export function jsonDeadLetterSink(topic = 'prm.dlq'): DeadLetterSink {
  return {
    topic,
    async encode(l) {
      const value = {
        processor: l.processor,
        sourceTopic: l.sourceTopic,
        partition: l.partition,
        offset: l.offset,
        timestamp: l.timestamp,
        reason: l.reason,
        key: l.key?.toString('base64') ?? null,
        value: l.value?.toString('base64') ?? null,
      };
      return { key: l.key, value: Buffer.from(JSON.stringify(value)) };
    },
  };
}
