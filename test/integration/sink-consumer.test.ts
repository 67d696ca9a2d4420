import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { Client } from 'pg';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { DeadLetter, ExecutionTelemetry } from '../../schemas/types.generated';
import { connectDatabase, migrate, type Database } from '../../sinks';
import { createSinkConsumer, sinkInstance, type SinkConsumer } from '../../sinks/consumers';
import { jsonLogger } from '../../streams/runtime/logger';
import { testKafka } from '../setup/kafka';
import { until } from '../support/deadline';
import { killedPredecessor } from '../support/predecessor';
import { sampleEvents } from '../unit/schemas/samples';

/**
 * The sink consumer on the real stack: Kafka, the registry and the system PostgreSQL (a fresh
 * database per run, reached through a TCP relay the test can switch off). Topics are prefixed
 * so the real prm.* topics are never touched.
 */

const adminUrl = process.env.PLAIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const registry = { url: process.env.SCHEMA_REGISTRY_URL ?? '' };
const run = randomBytes(4).toString('hex');
const prefix = `test.sinkc.${run}.`;
const catalogue = prefixedCatalogue(prefix);
const telemetry = { ...findTopic(`${prefix}prm.telemetry`, catalogue), partitions: 3 };
const dlq = { ...findTopic(`${prefix}prm.dlq`, catalogue), partitions: 1 };
const dbName = `prm_sinkc_${run}`;
const groupId = `test.sinkc.${run}`;
const quietLogger = jsonLogger({ level: 'error' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP relay to the database that can refuse connections and cut live ones, then come back. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}

  async on(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function usage(i: number, base: ExecutionTelemetry, now: number): ExecutionTelemetry {
  const endedAt = new Date(now - 60_000 + (i % 50_000));
  return { ...base, requestId: `${run}-${i}`, userId: `user-${i % 40}`, startedAt: new Date(endedAt.getTime() - 500), endedAt, cpuMs: 10 + (i % 97) };
}

describe('sink consumer', () => {
  let kafka: Kafka;
  let admin: Admin;
  let serde: EventSerde;
  let relay: Relay;
  let db: Database;
  let check: Client;
  let sink: SinkConsumer | undefined;
  let produced = 0;

  const rowCounts = async () => {
    const { rows } = await check.query<{ total: string; distinct: string }>(
      'SELECT count(*) AS total, count(DISTINCT request_id) AS distinct FROM prm.execution_telemetry WHERE request_id LIKE $1', [`${run}-%`]);
    return { total: Number(rows[0]?.total), distinct: Number(rows[0]?.distinct) };
  };
  const endOffsets = async () => {
    const offsets = await admin.fetchTopicOffsets(telemetry.name);
    return Object.fromEntries(offsets.map((o) => [`${telemetry.name}:${o.partition}`, o.high]));
  };
  const caughtUp = async (consumer: SinkConsumer) => {
    const ends = await endOffsets();
    const committed = consumer.stats().committed;
    return Object.entries(ends).every(([key, high]) => high === '0' || committed[key] === high);
  };
  async function produce(values: Buffer[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    for (let start = 0; start < values.length; start += 1000) {
      await producer.send({ topic: telemetry.name, messages: values.slice(start, start + 1000).map((value, i) => ({ key: `user-${(start + i) % 40}`, value })) });
    }
    await producer.disconnect();
  }
  async function produceGood(count: number): Promise<void> {
    const now = Date.now();
    const base = sampleEvents(new Date(now)).ExecutionTelemetry;
    await produce(Array.from({ length: count }, (_, k) => serde.encode(telemetry.name, usage(produced + k, base, now))));
    produced += count;
  }
  function startSink(): SinkConsumer {
    const consumer = createSinkConsumer({
      kafka, registry, database: db, prefix, topics: ['prm.telemetry'], groupId,
      writeRetry: { initialDelayMs: 50, maxDelayMs: 300 }, heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000, logger: quietLogger,
    });
    sink = consumer;
    return consumer;
  }

  beforeAll(async () => {
    kafka = testKafka('prm-test-sink-consumer');
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [telemetry, dlq], { create: true, replicationFactor: 1 });
    serde = await EventSerde.start({ registry, topics: [telemetry, dlq] });
    const setup = new Client({ connectionString: adminUrl });
    await setup.connect();
    await setup.query(`CREATE DATABASE ${dbName}`);
    await setup.end();
    const direct = new URL(adminUrl);
    direct.pathname = `/${dbName}`;
    check = new Client({ connectionString: direct.toString() });
    await check.connect();
    relay = new Relay(direct);
    await relay.on();
    const viaRelay = new URL(direct.toString());
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    db = await connectDatabase({ url: viaRelay.toString(), log: () => undefined });
    await migrate(db, { log: () => undefined });
  });

  afterAll(async () => {
    await sink?.stop();
    await db?.close();
    await relay?.off();
    await check?.end();
    await admin?.deleteTopics({ topics: [telemetry.name, dlq.name], timeout: 30_000 }).catch(() => undefined);
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.disconnect();
    for (const t of [telemetry, dlq]) await deleteSubject(registry, valueSubject(t.name)).catch(() => undefined);
    const teardown = new Client({ connectionString: adminUrl });
    await teardown.connect();
    await teardown.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await teardown.end();
  });

  it('stores exactly one row per good record, dead-letters the bad ones with their reason and commits to the end', async () => {
    const n = 5000;
    await produceGood(n / 2);
    const now = Date.now();
    const base = sampleEvents(new Date(now)).ExecutionTelemetry;
    await produce([
      Buffer.from(JSON.stringify(base)),
      serde.encode(telemetry.name, usage(produced, base, now)).subarray(0, 12),
      serde.encode(telemetry.name, { ...usage(produced + 1, base, now), cpuMs: -5 }),
    ]);
    await produceGood(n / 2);

    const consumer = startSink();
    const startedAt = Date.now();
    await consumer.start();
    await until('the sink committed every offset', () => caughtUp(consumer));
    const seconds = (Date.now() - startedAt) / 1000;
    process.stderr.write(`sink consumer: ${n + 3} records -> ${n} rows in ${seconds.toFixed(1)} s (${Math.round(n / seconds)} rows/s end to end, incl. group join)\n`);

    expect(await rowCounts()).toEqual({ total: n, distinct: n });
    expect(consumer.stats()).toMatchObject({ records: n + 3, inserted: n, duplicates: 0, deadLettered: 3, stalledSince: null });

    const letters: DeadLetter[] = [];
    const reader = kafka.consumer({ groupId: `${groupId}.dlq-reader` });
    await reader.connect();
    await reader.subscribe({ topics: [dlq.name], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void letters.push(await serde.read<'DeadLetter'>(dlq.name, message.value, { now: Date.now() })) });
    await until('three dead letters arrived', () => letters.length >= 3, 30_000);
    await reader.disconnect();
    expect(letters.map((l) => l.reason).sort()).toEqual(['INVALID_VALUE', 'NO_MAGIC_BYTE', 'TRUNCATED']);
    expect(letters.every((l) => l.sourceTopic === telemetry.name && l.processor === `sink:${groupId}`)).toBe(true);
    expect(letters.find((l) => l.reason === 'INVALID_VALUE')?.errorMessage).toMatch(/cpuMs is -5, below 0/);
  });

  it('replays from uncommitted offsets without storing anything twice', async () => {
    await sink?.stop();
    // Forget the group's commits: the next run reads the whole topic again, as after a crash before any commit.
    await admin.resetOffsets({ groupId, topic: telemetry.name, earliest: true });
    const consumer = startSink();
    await consumer.start();
    await until('the replay committed every offset', () => caughtUp(consumer));
    expect(consumer.stats()).toMatchObject({ records: produced + 3, inserted: 0, duplicates: produced });
    expect(await rowCounts()).toEqual({ total: produced, distinct: produced });
  });

  it('stalls while the database is down, commits nothing meanwhile, then catches up with nothing lost or doubled', async () => {
    const consumer = sink as SinkConsumer;
    const before = consumer.stats();
    await relay.off();
    const more = 1000;
    await produceGood(more);
    await until('the sink noticed the outage', () => consumer.stats().stalledSince !== null, 30_000);
    await sleep(3000);
    const during = consumer.stats();
    expect(during.committed).toEqual(before.committed);
    expect(during.inserted).toBe(before.inserted);

    await relay.on();
    await until('the sink caught up after the outage', () => caughtUp(consumer));
    expect(consumer.stats().stalledSince).toBeNull();
    expect(consumer.stats().inserted).toBe(more);
    expect(await rowCounts()).toEqual({ total: produced, distinct: produced });
  });

  it('stops promptly while stalled, commits nothing of the stalled batch, and a new instance stores it exactly once', async () => {
    const stalled = sink as SinkConsumer;
    const before = stalled.stats();
    await relay.off();
    const more = 300;
    await produceGood(more);
    await until('the sink noticed the outage', () => stalled.stats().stalledSince !== null, 30_000);
    const stoppingAt = Date.now();
    await stalled.stop();
    process.stderr.write(`sink consumer: stopped ${Date.now() - stoppingAt} ms after stop() while stalled\n`);
    expect(stalled.stats().committed).toEqual(before.committed);
    expect(stalled.stats().inserted).toBe(before.inserted);

    await relay.on();
    const next = startSink();
    await next.start();
    await until('the new instance caught up', () => caughtUp(next));
    expect(next.stats()).toMatchObject({ inserted: more, deadLettered: 0 });
    expect(await rowCounts()).toEqual({ total: produced, distinct: produced });
  });

  it('restarted with its instance id, removes the member its killed predecessor left in the group instead of waiting out its 60 s session', async () => {
    await sink?.stop();
    await killedPredecessor({ groupId, topic: telemetry.name, instance: sinkInstance(groupId, 'sink-0'), protocol: 'RoundRobinAssigner' });
    const more = 200;
    await produceGood(more);
    const lines: string[] = [];
    const restarted = createSinkConsumer({
      kafka, registry, database: db, prefix, topics: ['prm.telemetry'], groupId, instanceId: 'sink-0',
      heartbeatIntervalMs: 1000, sessionTimeoutMs: 10_000, logger: jsonLogger({ level: 'info', write: (l) => void lines.push(l) }),
    });
    sink = restarted;
    const startedAt = Date.now();
    await restarted.start();
    await until('the restarted sink caught up', () => caughtUp(restarted), 30_000);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    expect(restarted.stats()).toMatchObject({ inserted: more, duplicates: 0 });
    expect(lines.filter((l) => l.includes('removed the members an earlier run of this sink left in the group'))).toHaveLength(1);
  });
});
