import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EventSerde } from '../../schemas/serde';
import type { DeadLetter, ScaleCommand } from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { Scaler, type InstancePool, type PoolSize, type ScaleOutcome } from '../../streams/scaler/scaler';
import { type DeadLettered, runScalerConsumer } from '../../streams/scaler/scaler-consumer';
import { topicsForFile } from '../support/file-topics';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-scaler-consumer-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const prefix = `test.scaler.${randomBytes(4).toString('hex')}.`;
const specs = topicsForFile(kafka, endpoints.schemaRegistryUrl, prefix, ['prm.scale-commands', 'prm.dlq']);
const [commandsTopic, deadLetterTopic] = specs.map((s) => s.name) as [string, string];

/** The user's platform, in memory: what a real InstancePool keeps with the pool. */
class MemoryPool implements InstancePool {
  readonly sizes = new Map<string, PoolSize>();
  async describe(pool: string): Promise<PoolSize> {
    return this.sizes.get(pool) ?? { desired: 1, appliedCommandIds: [] };
  }
  async resize(pool: string, target: number, commandId: string): Promise<void> {
    const { appliedCommandIds } = await this.describe(pool);
    this.sizes.set(pool, { desired: target, appliedCommandIds: [...appliedCommandIds, commandId] });
  }
}

const command = (commandId: string, change: Pick<ScaleCommand, 'targetInstances' | 'deltaInstances'>): ScaleCommand => ({
  commandId, pool: 'gpu', issuedAt: new Date(1_700_000_000_000), action: 'SCALE_OUT', ...change,
  effectiveBy: new Date(1_700_000_060_000), reason: 'FORECAST_DEMAND', explanation: 'test', forecastId: null,
});

describe('scaler consumer on the real stack', () => {
  it('applies each command once, and dead-letters the ones it cannot read or apply without stopping the rest', async () => {
    const serde = await EventSerde.start({ registry, topics: specs });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const message = (c: ScaleCommand) => serde.message<'ScaleCommand'>(commandsTopic, c);
    // All keyed by the pool: one partition, in this order.
    await producer.send({
      topic: commandsTopic,
      messages: [
        { key: 'gpu', value: Buffer.from('no scale command') },
        message(command('out-2', { targetInstances: null, deltaInstances: 2 })),
        message(command('no-size', { targetInstances: null, deltaInstances: null })),
        message(command('to-5', { targetInstances: 5, deltaInstances: null })),
        message(command('out-2', { targetInstances: null, deltaInstances: 2 })),
      ],
    });
    await producer.disconnect();

    const pool = new MemoryPool();
    const outcomes: (ScaleOutcome | DeadLettered)[] = [];
    let done!: () => void;
    const allSeen = new Promise<void>((resolve) => (done = resolve));
    const scaler = await runScalerConsumer({
      kafka, serde, topic: commandsTopic, deadLetterTopic, groupId: `${prefix}scaler`,
      scaler: new Scaler(pool, { minInstances: 0, maxInstances: 10 }),
      onOutcome: (o) => {
        outcomes.push(o);
        if (outcomes.length === 5) done();
      },
    });
    await allSeen;
    await scaler.stop();

    expect(outcomes.map((o) => o.kind)).toEqual(['dead-lettered', 'applied', 'dead-lettered', 'applied', 'duplicate']);
    expect(pool.sizes.get('gpu')).toEqual({ desired: 5, appliedCommandIds: ['out-2', 'to-5'] });
    const letters = outcomes.flatMap((o) => (o.kind === 'dead-lettered' ? [o.deadLetter] : []));
    expect(letters.map((l) => [l.sourceTopic, l.processor])).toEqual([[commandsTopic, 'scaler'], [commandsTopic, 'scaler']]);
    expect(letters[0]!.value).toEqual(Buffer.from('no scale command'));
    expect(letters[1]).toMatchObject({ reason: 'INVALID_VALUE', errorMessage: expect.stringMatching(/no-size has neither/) });

    // And they are on the dead-letter topic, readable.
    const onTopic: DeadLetter[] = [];
    const reader = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      reader.run({
        eachMessage: async ({ message: m }) => {
          onTopic.push(await serde.decode<'DeadLetter'>(deadLetterTopic, m.value));
          if (onTopic.length === 2) resolve();
        },
      }).catch(reject);
    });
    await reader.disconnect();
    expect(onTopic.map((l) => l.sourceOffset).sort()).toEqual(letters.map((l) => l.sourceOffset).sort());
  });
});
