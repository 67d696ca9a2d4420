import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RawAvroSchema } from '@kafkajs/confluent-schema-registry/dist/@types';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { testKafka, testTopics, uniqueTopicName } from '../setup/kafka';

// PRM's own registry (stack/registry) as the stack runs it: separate processes on a real Kafka,
// each on a fresh topic, so these tests see exactly the instances they start.

const repoRoot = join(__dirname, '..', '..');
const kafka = testKafka('prm-test-registry');
const topics = testTopics(kafka);
const brokers = () => process.env.KAFKA_BROKERS ?? '';

interface Instance {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}
const running = new Set<Instance>();

afterAll(async () => {
  await Promise.all([...running].map(stop));
  await topics.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(args: string[]): Instance & { port: number } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'stack/registry/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = Number(args[args.indexOf('--port') + 1]);
  const instance = { url: `http://127.0.0.1:${port}`, child, output: () => text, exited, port };
  running.add(instance);
  void exited.then(() => running.delete(instance));
  return instance;
}

/** Starts a registry on `topic` and waits until it answers GET /subjects with 200, as the stack does. */
async function start(topic: string): Promise<Instance> {
  const instance = launch(['--port', String(await freePort()), '--kafka-brokers', brokers(), '--topic', topic]);
  for (let waited = 0; waited < 60_000; waited += 200) {
    const status = await fetch(`${instance.url}/subjects`).then((r) => r.status, () => 0);
    if (status === 200) return instance;
    if (instance.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop(instance);
  throw new Error(`registry on ${topic} did not become ready:\n${instance.output()}`);
}

async function stop(instance: Instance): Promise<number | null> {
  if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGTERM');
  return instance.exited;
}

/**
 * topics.create, again on a retriable error: on a loaded machine a new topic is sometimes briefly
 * unknown to the broker while its leader is awaited ("This server does not host this topic-partition").
 */
async function createTopic(label: string, options: Parameters<typeof topics.create>[1] = {}): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await topics.create(label, options);
    } catch (err) {
      if (attempt >= 4 || (err as { retriable?: boolean }).retriable !== true) throw err;
    }
  }
}

/** Polls `read` until it returns `expected` or 10 s pass, then returns the last value read. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  let value = await read();
  for (let waited = 0; value !== expected && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

const schema = (fields: object[]) => ({
  type: SchemaType.AVRO as const,
  schema: JSON.stringify({ type: 'record', name: 'Job', namespace: 'prm.test', fields: [{ name: 'id', type: 'string' }, ...fields] }),
});
const v1 = schema([]);
const v2 = schema([{ name: 'deadline', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null }]);

describe('PRM schema registry on Kafka', () => {
  it('registers, encodes and decodes through Kafka, accepts a compatible evolution and refuses a breaking one', async () => {
    const registryTopic = topics.track(uniqueTopicName('registry'));
    const instance = await start(registryTopic);
    const client = new SchemaRegistry({ host: instance.url });
    const dataTopic = await createTopic('registry-data');
    const subject = `${dataTopic}-value`;

    const first = await client.register(v1, { subject });
    const second = await client.register(v2, { subject });
    expect(second.id).not.toBe(first.id);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: dataTopic,
      messages: [{ value: await client.encode(first.id, { id: 'old' }) }, { value: await client.encode(second.id, { id: 'new', deadline: 1_764_300_000_000 }) }],
    });
    await producer.disconnect();

    // A consumer still on v1 reads both records: that is what BACKWARD-compatible evolution buys.
    const reader = new SchemaRegistry({ host: instance.url });
    const consumer = kafka.consumer({ groupId: `${dataTopic}.reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: dataTopic, fromBeginning: true });
    const decoded: unknown[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          decoded.push(await reader.decode(message.value!, { [SchemaType.AVRO]: { readerSchema: JSON.parse(v1.schema) as RawAvroSchema } }));
          if (decoded.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(decoded).toEqual([{ id: 'old' }, { id: 'new' }]);

    // BACKWARD: a new field without a default cannot be read from old records.
    const breaking = await client.register(schema([{ name: 'tier', type: 'int' }]), { subject }).catch((e: unknown) => e);
    expect(breaking).toMatchObject({ status: 409 });
    expect((breaking as Error).message).toMatch(/incompatible .* under BACKWARD .*prm\.test\.Job\.tier: the reader has this field, the writer does not, and it has no default/);

    // FORWARD (or FULL): removing a field without a default breaks consumers still on the old schema.
    const forwardSubject = `${dataTopic}-key`;
    await client.register(schema([{ name: 'pool', type: 'string' }]), { subject: forwardSubject, compatibility: 'FORWARD' as never });
    const removed = await client.register(v1, { subject: forwardSubject, compatibility: 'FORWARD' as never }).catch((e: unknown) => e);
    expect(removed).toMatchObject({ status: 409 });
    expect((removed as Error).message).toMatch(/version 1 cannot read data written with the new schema: prm\.test\.Job\.pool/);
    await stop(instance);
  });

  it('keeps instances on one topic in agreement and keeps schemas across a restart', async () => {
    const registryTopic = topics.track(uniqueTopicName('registry'));
    const [a, b] = await Promise.all([start(registryTopic), start(registryTopic)]);
    const onA = new SchemaRegistry({ host: a.url });
    const onB = new SchemaRegistry({ host: b.url });
    const subjects = ['orders-value', 'jobs-value', 'users-value'];
    // Concurrent writes through both instances: ids come from the one log order, so both agree.
    const registered = await Promise.all(subjects.flatMap((subject, i) => [onA.register(i % 2 ? v1 : v2, { subject }), onB.register(i % 2 ? v1 : v2, { subject })]));
    for (let i = 0; i < subjects.length; i++) expect(registered[2 * i]).toEqual(registered[2 * i + 1]);
    for (const subject of subjects) {
      expect(await onB.getLatestSchemaId(subject)).toBe(await onA.getLatestSchemaId(subject));
      expect(await fetch(`${b.url}/subjects/${subject}/versions`).then((r) => r.json())).toEqual([1]);
    }
    await fetch(`${a.url}/config/jobs-value`, { method: 'PUT', body: JSON.stringify({ compatibility: 'FULL' }) });

    expect(await stop(a)).toBe(0);
    expect(a.output()).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
    const again = await start(registryTopic);
    const restarted = new SchemaRegistry({ host: again.url });
    for (const subject of subjects) expect(await restarted.getLatestSchemaId(subject)).toBe(await onB.getLatestSchemaId(subject));
    expect(await fetch(`${again.url}/config/jobs-value`).then((r) => r.json())).toEqual({ compatibilityLevel: 'FULL' });
    expect(again.output()).toMatch(/ready in \d+ ms: 3 subjects, 2 schemas/);
    // A write through the restarted instance reaches the one that kept running once it has read
    // the record (reads on another instance may lag a moment, as on Confluent's followers).
    const next = await restarted.register(schema([{ name: 'x', type: 'int', default: 0 }]), { subject: 'orders-value' });
    expect(await restarted.getLatestSchemaId('orders-value')).toBe(next.id);
    expect(await eventually(() => onB.getLatestSchemaId('orders-value'), next.id)).toBe(next.id);
    await Promise.all([stop(b), stop(again)]);
  });

  it('creates its topic compacted with one partition', async () => {
    const registryTopic = topics.track(uniqueTopicName('registry'));
    await stop(await start(registryTopic));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [registryTopic] });
      expect(metadata.topics[0]?.partitions).toHaveLength(1);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: registryTopic, configNames: ['cleanup.policy'] }] });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses to start, in one line and with a non-zero exit, on a taken port, unreachable Kafka, an unfit topic or bad flags', async () => {
    const registryTopic = topics.track(uniqueTopicName('registry'));
    const holder = await start(registryTopic);
    const taken = launch(['--port', new URL(holder.url).port, '--kafka-brokers', brokers(), '--topic', registryTopic]);
    expect(await taken.exited).toBe(1);
    expect(taken.output()).toMatch(/^schema registry: port \d+ on 127\.0\.0\.1 is already in use$/m);
    await stop(holder);

    const deadPort = await freePort();
    const unreachable = launch(['--port', String(await freePort()), '--kafka-brokers', `127.0.0.1:${deadPort}`]);
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toMatch(new RegExp(`^schema registry: cannot reach Kafka at 127\\.0\\.0\\.1:${deadPort}: .*ECONNREFUSED`, 'm'));

    // A topic that cannot hold the log: several partitions have no one order; delete policy expires schemas.
    const split = await createTopic('registry-split', { numPartitions: 2 });
    const splitRun = launch(['--port', String(await freePort()), '--kafka-brokers', brokers(), '--topic', split]);
    expect(await splitRun.exited).toBe(1);
    expect(splitRun.output()).toMatch(/^schema registry: topic \S+ has 2 partitions; the registry needs exactly 1/m);
    const expiring = await createTopic('registry-expiring', { configEntries: [{ name: 'cleanup.policy', value: 'delete' }] });
    const expiringRun = launch(['--port', String(await freePort()), '--kafka-brokers', brokers(), '--topic', expiring]);
    expect(await expiringRun.exited).toBe(1);
    expect(expiringRun.output()).toMatch(/^schema registry: topic \S+ has cleanup.policy=delete; the registry needs a compacted topic/m);

    // A record format it does not read stops it: skipping would shift every later id.
    const foreign = await createTopic('registry-foreign', { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: foreign, messages: [{ key: 'k', value: JSON.stringify({ v: 3, proposal: 'p', kind: 'SCHEMA', subject: 's', schema: '"int"', version: 1 }) }] });
    await producer.disconnect();
    const foreignRun = launch(['--port', String(await freePort()), '--kafka-brokers', brokers(), '--topic', foreign]);
    expect(await foreignRun.exited).toBe(1);
    expect(foreignRun.output()).toMatch(/^schema registry: cannot read topic \S+: offset 0: record format 3 is not one this registry reads/m);

    const bad = launch(['--port', 'eighty', '--kafka-brokers', brokers()]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/--port must be a TCP port/);
  });
});
