import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject, type TopicSpec } from '../../schemas/topics';
import type { EventName, EventTypes } from '../../schemas/types.generated';
import { connectDatabase, migrate, type Database } from '../../sinks';
import { createSinkConsumer, type SinkConsumer } from '../../sinks/consumers';
import { spawnEmbeddedTimescale, type EmbeddedTimescale } from '../../stack/timescale/spawn';
import { jsonLogger } from '../../streams/runtime/logger';
import { testKafka } from '../setup/kafka';
import { sampleEvents } from '../unit/schemas/samples';

/**
 * The sink consumer on TimescaleDB (an embedded server of this file's own, so the hypertables
 * are fresh): several topics into their hypertables at once, one event fanning out to several
 * rows (forecast points), and a whole-topic replay that stores nothing twice.
 */

const registry = { url: process.env.SCHEMA_REGISTRY_URL ?? '' };
const run = randomBytes(4).toString('hex');
const prefix = `test.sinkts.${run}.`;
const catalogue = prefixedCatalogue(prefix);
const spec = (name: string): TopicSpec => ({ ...findTopic(`${prefix}${name}`, catalogue), partitions: 2 });
const topics = { metrics: spec('prm.cluster-metrics'), forecasts: spec('prm.cluster-forecasts'), commands: spec('prm.scale-commands'), dlq: spec('prm.dlq') };
const groupId = `test.sinkts.${run}`;
const pool = `pool-${run}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describe('sink consumer on TimescaleDB', () => {
  let kafka: Kafka;
  let admin: Admin;
  let serde: EventSerde;
  let dir: string;
  let server: EmbeddedTimescale | undefined;
  let db: Database;
  let sink: SinkConsumer | undefined;
  const n = { metrics: 600, forecasts: 200, commands: 50 };

  const counts = async () => {
    const one = async (table: string, column: string) =>
      Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [pool])).rows[0]?.n);
    return { metrics: await one('prm.cluster_metrics', 'pool'), forecasts: await one('prm.cluster_load_forecasts', 'pool'), commands: await one('prm.scale_commands', 'pool') };
  };
  const caughtUp = async (consumer: SinkConsumer) => {
    const committed = consumer.stats().committed;
    for (const t of [topics.metrics, topics.forecasts, topics.commands]) {
      for (const o of await admin.fetchTopicOffsets(t.name)) if (o.high !== '0' && committed[`${t.name}:${o.partition}`] !== o.high) return false;
    }
    return true;
  };
  const startSink = () => {
    sink = createSinkConsumer({
      kafka, registry, database: db, prefix, groupId, topics: ['prm.cluster-metrics', 'prm.cluster-forecasts', 'prm.scale-commands'],
      heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000, logger: jsonLogger({ level: 'error' }),
    });
    return sink;
  };

  beforeAll(async () => {
    kafka = testKafka('prm-test-sink-timescale');
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, Object.values(topics), { create: true, replicationFactor: 1 });
    serde = await EventSerde.start({ registry, topics: Object.values(topics) });
    dir = mkdtempSync(join(tmpdir(), 'prm-sinkts-'));
    server = await spawnEmbeddedTimescale({ dataDir: join(dir, 'data') });
    db = await connectDatabase({ url: server.url, log: () => undefined });
    expect(db.engine.kind).toBe('timescaledb');
    await migrate(db, { log: () => undefined });
  });

  afterAll(async () => {
    await sink?.stop();
    await db?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await admin?.deleteTopics({ topics: Object.values(topics).map((t) => t.name), timeout: 30_000 }).catch(() => undefined);
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.disconnect();
    for (const t of Object.values(topics)) await deleteSubject(registry, valueSubject(t.name)).catch(() => undefined);
  });

  it('sinks several topics into their hypertables, one row per point of a forecast, and a replay stores nothing twice', async () => {
    const now = Date.now();
    const s = sampleEvents(new Date(now));
    const minute = 60_000;
    const producer = kafka.producer();
    await producer.connect();
    const send = async <E extends EventName>(topic: TopicSpec, values: EventTypes[E][]) =>
      producer.send({ topic: topic.name, messages: values.map((v) => serde.message<E>(topic.name, v)) });
    await send<'ClusterMetrics'>(topics.metrics, Array.from({ length: n.metrics }, (_, i) => ({ ...s.ClusterMetrics, pool, at: new Date(now - 2 * 86_400_000 + i * minute), queueDepth: i })));
    await send<'ClusterLoadForecast'>(topics.forecasts, Array.from({ length: n.forecasts }, (_, i) => ({ ...s.ClusterLoadForecast, pool, forecastId: `${run}-fc-${i}`, issuedAt: new Date(now - 86_400_000 + i * minute) })));
    await send<'ScaleCommand'>(topics.commands, Array.from({ length: n.commands }, (_, i) => ({ ...s.ScaleCommand, pool, commandId: `${run}-cmd-${i}`, issuedAt: new Date(now - 3_600_000 + i * minute) })));
    await producer.send({ topic: topics.metrics.name, messages: [{ key: pool, value: Buffer.from('not avro') }] });
    await producer.disconnect();

    const first = startSink();
    await first.start();
    await until('every topic was committed', () => caughtUp(first));
    const points = s.ClusterLoadForecast.points.length;
    const expected = { metrics: n.metrics, forecasts: n.forecasts * points, commands: n.commands };
    expect(await counts()).toEqual(expected);
    expect(first.stats()).toMatchObject({ records: n.metrics + n.forecasts + n.commands + 1, inserted: n.metrics + n.forecasts * points + n.commands, deadLettered: 1 });
    await first.stop();

    for (const t of [topics.metrics, topics.forecasts, topics.commands]) await admin.resetOffsets({ groupId, topic: t.name, earliest: true });
    const replay = startSink();
    await replay.start();
    await until('the replay was committed', () => caughtUp(replay));
    expect(replay.stats()).toMatchObject({ inserted: 0, duplicates: n.metrics + n.forecasts * points + n.commands });
    expect(await counts()).toEqual(expected);
  });
});
