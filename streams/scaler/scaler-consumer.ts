import type { Kafka } from 'kafkajs';
import type { EventSerde } from '../../schemas/serde';
import type { ScaleCommand } from '../../schemas/types.generated';
import type { Scaler, ScaleOutcome } from './scaler';

export interface ScalerConsumerOptions {
  kafka: Kafka;
  serde: EventSerde;
  /** The scale-commands topic (prefixed in tests). */
  topic: string;
  groupId: string;
  scaler: Scaler;
  /** Only commands for these pools are applied; others belong to other scalers. Default: all. */
  pools?: readonly string[];
  onOutcome?(outcome: ScaleOutcome): void;
}

export interface RunningScaler {
  stop(): Promise<void>;
}

/**
 * The Kafka loop around a {@link Scaler}: one command at a time, the offset committed only after
 * the pool was resized (at-least-once; the scaler's ledger makes the redelivery harmless). A
 * failing resize is thrown, so kafkajs retries it from the same offset instead of skipping it.
 */
export async function runScalerConsumer(o: ScalerConsumerOptions): Promise<RunningScaler> {
  const consumer = o.kafka.consumer({ groupId: o.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: o.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const command = await o.serde.decode<'ScaleCommand'>(topic, message.value) as ScaleCommand;
      if (!o.pools || o.pools.includes(command.pool)) {
        const outcome = await o.scaler.apply(command);
        o.onOutcome?.(outcome);
      }
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
    },
  });
  return { stop: () => consumer.disconnect() };
}
