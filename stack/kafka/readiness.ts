import type { Kafka } from 'kafkajs';

const probeTopic = 'prm.stack-probe';

/**
 * One readiness probe against a fresh broker: metadata, then a committed transaction and a
 * consumer group round-trip on a probe topic. Metadata alone is not enough: the transaction
 * and group coordinators live on __transaction_state and __consumer_offsets, which the first
 * client creates and loads, and a processor that starts before that fails its first calls.
 * `quick` stops after metadata, for a broker that already passed the full probe.
 * Throws on any failure; the caller retries until its deadline.
 */
export async function probeKafka(kafka: Kafka, probeId: string, depth: 'full' | 'quick' = 'full'): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('broker reports no brokers in its metadata');
    if (depth === 'quick') return;
    await admin.createTopics({ topics: [{ topic: probeTopic, numPartitions: 1 }], waitForLeaders: true });
    await roundTrip(kafka, probeId);
    await admin.deleteGroups([`${probeTopic}.${probeId}`]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

async function roundTrip(kafka: Kafka, probeId: string): Promise<void> {
  const producer = kafka.producer({ transactionalId: `${probeTopic}.${probeId}`, idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${probeTopic}.${probeId}`, readUncommitted: false, retry: { retries: 2 } });
  await producer.connect();
  await consumer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({ topic: probeTopic, messages: [{ key: probeId, value: probeId }] });
    await transaction.commit();
    await consumer.subscribe({ topic: probeTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('consumer group did not receive the probe record within 20 s')), 20_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            if (message.value?.toString() === probeId) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
    });
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}
