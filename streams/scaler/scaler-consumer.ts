import type { Kafka } from 'kafkajs';
import { BadRecordError } from '../../schemas/errors';
import type { EventSerde } from '../../schemas/serde';
import type { DeadLetter, ScaleCommand } from '../../schemas/types.generated';
import { type ConsumedRecord, createDeadLetterPublisher, decodeOrDeadLetter, publishConsumed } from '../dead-letters';
import { systemClock } from '../runtime/clock';
import type { Scaler, ScaleOutcome } from './scaler';

export interface ScalerConsumerOptions {
  kafka: Kafka;
  serde: EventSerde;
  /** The scale-commands topic (prefixed in tests). */
  topic: string;
  /** Takes the commands that cannot be read or applied as given; the serde must have been started with it. */
  deadLetterTopic: string;
  groupId: string;
  scaler: Scaler;
  /** Only commands for these pools are applied; others belong to other scalers. Default: all. */
  pools?: readonly string[];
  onOutcome?(outcome: ScaleOutcome | DeadLettered): void;
}

/** A command sent to the dead-letter topic instead of applied. */
export interface DeadLettered {
  kind: 'dead-lettered';
  deadLetter: DeadLetter;
}

export interface RunningScaler {
  stop(): Promise<void>;
}

/**
 * The Kafka loop around a {@link Scaler}: one command at a time, the offset committed only after
 * the pool was resized (at-least-once; the scaler's ledger makes the redelivery harmless). A
 * failing resize is thrown, so kafkajs retries it from the same offset instead of skipping it.
 * A command that cannot be read, or that asks for no size, goes to the dead-letter topic with
 * the reason and is skipped: retried, it would stop every command after it for good.
 */
export async function runScalerConsumer(o: ScalerConsumerOptions): Promise<RunningScaler> {
  const producer = o.kafka.producer({ idempotent: true });
  await producer.connect();
  const deadLetters = createDeadLetterPublisher({
    serde: o.serde, topic: o.deadLetterTopic, clock: systemClock, processor: 'scaler',
    send: (record) => producer.send({ ...record, acks: -1 }),
  });
  const consumer = o.kafka.consumer({ groupId: o.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async (record) => {
      const { topic, partition, message } = record;
      const read = await decodeOrDeadLetter<'ScaleCommand'>(o.serde, deadLetters, record);
      if ('deadLetter' in read) {
        o.onOutcome?.({ kind: 'dead-lettered', deadLetter: read.deadLetter });
      } else if (!o.pools || o.pools.includes(read.value.pool)) {
        o.onOutcome?.(await apply(read.value, record));
      }
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });

  async function apply(command: ScaleCommand, record: ConsumedRecord): Promise<ScaleOutcome | DeadLettered> {
    try {
      return await o.scaler.apply(command);
    } catch (err) {
      if (!(err instanceof BadRecordError)) throw err;
      return { kind: 'dead-lettered', deadLetter: await publishConsumed(deadLetters, record, err) };
    }
  }

  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
