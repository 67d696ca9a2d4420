import type { Consumer, Kafka } from 'kafkajs';
import { testKafka, testTopics } from '../setup/kafka';
import { until } from '../support/deadline';

// Exactly-once in the stream runtime rests on these: a committed transaction is visible, an
// aborted one is not, to a read_committed consumer; offsets can be committed in the transaction.

const kafka: Kafka = testKafka('prm-test-transactions');
const topics = testTopics(kafka);
afterAll(() => topics.cleanup());

/**
 * Reads `topic` from the beginning until `expected` values arrived (60 s at most), then for
 * `settleMs` more, so a record that should not be there (an aborted or duplicate one) is seen.
 * Transaction markers take offsets without being records, so the count, not an offset, says
 * when the reader has caught up.
 */
async function readAll(consumer: Consumer, topic: string, expected: number, settleMs = 1500): Promise<string[]> {
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? '');
    },
  });
  // Short of the count, the caller's assertion shows what arrived.
  await until(`${expected} values of ${topic} are read`, () => values.length >= expected, 60_000, 50).catch(() => undefined);
  await new Promise((r) => setTimeout(r, settleMs));
  await consumer.disconnect();
  return values;
}

describe('Kafka transactions with kafkajs', () => {
  it('shows a committed transaction and hides an aborted one from read_committed consumers', async () => {
    const topic = await topics.create('tx');
    const producer = kafka.producer({ transactionalId: `${topic}.producer`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const committed = await producer.transaction();
      await committed.send({ topic, messages: [{ key: 'k', value: 'committed-1' }, { key: 'k', value: 'committed-2' }] });
      await committed.commit();

      const aborted = await producer.transaction();
      await aborted.send({ topic, messages: [{ key: 'k', value: 'aborted-1' }] });
      await aborted.abort();

      const after = await producer.transaction();
      await after.send({ topic, messages: [{ key: 'k', value: 'committed-3' }] });
      await after.commit();
    } finally {
      await producer.disconnect();
    }

    const committedView = await readAll(kafka.consumer({ groupId: `${topic}.rc`, readUncommitted: false }), topic, 3);
    expect(committedView).toEqual(['committed-1', 'committed-2', 'committed-3']);

    // The aborted record is in the log: a read_uncommitted consumer sees it.
    const rawView = await readAll(kafka.consumer({ groupId: `${topic}.ru`, readUncommitted: true }), topic, 4);
    expect(rawView).toEqual(['committed-1', 'committed-2', 'aborted-1', 'committed-3']);
  });

  it('commits consumed offsets atomically with the produced output (read-process-write)', async () => {
    const input = await topics.create('tx-in');
    const output = await topics.create('tx-out');
    const groupId = `${input}.processor`;
    const seed = kafka.producer();
    await seed.connect();
    await seed.send({ topic: input, messages: [{ value: '1' }, { value: '2' }, { value: '3' }] });
    await seed.disconnect();

    const producer = kafka.producer({ transactionalId: `${input}.processor`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const consumer = kafka.consumer({ groupId, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const tx = await producer.transaction();
            await tx.send({ topic: output, messages: [{ value: String(Number(message.value?.toString()) * 10) }] });
            await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] });
            await tx.commit();
            if (++processed === 3) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    try {
      // The coordinator writes the offsets' commit marker after commit() returns; until then a
      // fetch that does not ask for stable offsets still answers the last committed one.
      const committedOffset = async () => (await admin.fetchOffsets({ groupId, topics: [input] }))[0]?.partitions[0]?.offset;
      await until('the committed offset is 3', async () => (await committedOffset()) === '3', 30_000, 50);
      expect(await committedOffset()).toBe('3');
    } finally {
      await admin.disconnect();
    }
    expect(await readAll(kafka.consumer({ groupId: `${output}.check` }), output, 3)).toEqual(['10', '20', '30']);
  });
});
