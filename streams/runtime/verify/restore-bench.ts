import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { restoreChangelogs } from '../kafka/restore';
import { silentLogger } from '../logger';
import { numberSerde } from '../serde';
import { InMemoryKeyValueStore } from '../store';

export interface RestoreBenchOptions {
  brokers: string[];
  keys: number;
  progress?: (message: string) => void;
}

export interface RestoreBenchReport {
  keys: number;
  records: number;
  restoreMs: number;
  /** Of restoreMs: joining the restore consumer's group, before any data is read. */
  assignMs: number;
  recordsPerSec: number;
  storeSize: number;
  valuesCorrect: boolean;
}

/**
 * Fills a compacted, single-partition changelog with `keys` distinct keys (transactional writes,
 * so the log carries commit markers as a real one does) and restores it into a fresh store with
 * the same function the runtime uses on partition assignment.
 */
export async function runRestoreBench(options: RestoreBenchOptions): Promise<RestoreBenchReport> {
  const { brokers, keys } = options;
  const say = options.progress ?? (() => undefined);
  const topic = `prm.verify.restore-${randomUUID().slice(0, 8)}.store.changelog`;
  const kafka = new Kafka({ clientId: 'prm-verify-restore', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const producer = kafka.producer({ transactionalId: `${topic}-writer`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const perTxn = 50_000;
    const perSend = 10_000;
    const writeStart = Date.now();
    for (let from = 0; from < keys; from += perTxn) {
      const txn = await producer.transaction();
      for (let s = from; s < Math.min(keys, from + perTxn); s += perSend) {
        const messages = [];
        for (let k = s; k < Math.min(keys, s + perSend, from + perTxn); k++) messages.push({ key: `user-${k}`, value: numberSerde.serialize(k), partition: 0 });
        await txn.send({ topic, messages, acks: -1 });
      }
      await txn.commit();
      if ((from / perTxn) % 4 === 0) say(`wrote ${Math.min(keys, from + perTxn)}/${keys} keys`);
    }
    await producer.disconnect();
    say(`changelog written in ${Date.now() - writeStart} ms; restoring`);

    const store = new InMemoryKeyValueStore<number>();
    const result = await restoreChangelogs({
      kafka,
      admin,
      logger: silentLogger,
      targets: [{ topic, partition: 0, apply: (key, value) => (value === null ? store.delete(key) : store.put(key, numberSerde.deserialize(value))) }],
    });
    let valuesCorrect = store.size === keys;
    for (let k = 0; k < keys && valuesCorrect; k += Math.max(1, Math.floor(keys / 1000))) valuesCorrect = store.get(`user-${k}`) === k;
    return {
      keys,
      records: result.records,
      restoreMs: result.durationMs,
      assignMs: result.assignMs,
      recordsPerSec: Math.round(result.records / Math.max(0.001, result.durationMs / 1000)),
      storeSize: store.size,
      valuesCorrect,
    };
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
