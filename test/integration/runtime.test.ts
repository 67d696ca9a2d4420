import type { Kafka } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { jsonDeadLetterSink } from '../../streams/runtime/dead-letter-sink';
import { StreamApp } from '../../streams/runtime/kafka/stream-app';
import type { CommitTiming } from '../../streams/runtime/kafka/processor-runner';
import { jsonLogger } from '../../streams/runtime/logger';
import { ProcessingError } from '../../streams/runtime/errors';
import { jsonSerde, numberSerde } from '../../streams/runtime/serde';
import { buildTopology, changelogTopic, consumerGroupId, defineProcessor, keyValueStore, RUNTIME_STORE, topic, transactionalId } from '../../streams/runtime/topology';
import { countingTopology } from '../../streams/runtime/verify/counting-topology';
import { testKafka, testTopics } from '../setup/kafka';
import { killedPredecessor } from '../support/predecessor';

jest.setTimeout(240_000);

const kafka = testKafka('prm-runtime-test');
const topics = testTopics(kafka);
afterAll(() => topics.cleanup());

interface Out {
  key: string;
  id: number;
  count: number;
}

/** Reads a topic read_committed from the beginning until `n` records arrived. */
async function readCommitted(k: Kafka, topic: string, n: number, timeoutMs = 90_000): Promise<Out[]> {
  const consumer = k.consumer({ groupId: `${topic}.reader.${Date.now()}`, readUncommitted: false, maxWaitTimeInMs: 100 });
  const out: Out[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length}/${n} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const v = JSON.parse(message.value!.toString()) as { id: number; count: number };
        out.push({ key: message.key!.toString(), ...v });
        if (out.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return out;
}

async function produce(k: Kafka, topic: string, records: { key: string; value: string; timestamp?: string }[]): Promise<void> {
  const producer = k.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: records, acks: -1 });
  await producer.disconnect();
}

/** Per key, the counts in output order must read 1..n. */
function countsByKey(outputs: Out[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const o of outputs) m.set(o.key, [...(m.get(o.key) ?? []), o.count]);
  return m;
}

function events(lines: string[], message: string): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.message === message);
}

async function setUp(label: string, partitions: number, onCommit?: (t: CommitTiming) => void) {
  const input = await topics.create(`${label}-in`, { numPartitions: partitions });
  const output = await topics.create(`${label}-out`, { numPartitions: partitions });
  const dlq = await topics.create(`${label}-dlq`);
  const app = `prm-runtime-${label}-${Date.now()}`;
  topics.track(changelogTopic(app, 'counter', 'counts'));
  const lines: string[] = [];
  const newApp = (instance: string, instanceId?: string) =>
    new StreamApp({
      instanceId,
      topology: countingTopology(app, { input, output }),
      kafka: { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: `${app}-${instance}` },
      deadLetters: jsonDeadLetterSink(dlq),
      logger: jsonLogger({ write: (l) => void lines.push(l.trim()), fields: { instance } }),
      sessionTimeoutMs: 6000,
      onCommit,
    });
  return { input, output, dlq, app, lines, newApp };
}

describe('stream runtime on Kafka', () => {
  it('counts exactly once, dead-letters bad records in the transaction, and restores its store after a restart', async () => {
    const commits: CommitTiming[] = [];
    const t = await setUp('restart', 2, (c) => commits.push(c));
    const first = t.newApp('a');
    await first.start();
    const batch1 = Array.from({ length: 300 }, (_, id) => ({ key: `k${id % 7}`, value: JSON.stringify({ id }) }));
    await produce(kafka, t.input, [...batch1, { key: 'k0', value: '{broken' }]);
    const out1 = await readCommitted(kafka, t.output, 300);
    const port = await first.serveMetrics(0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/prm_stream_records_in_total\{app="[^"]+",processor="counter"\} 301/);
    expect(metrics).toMatch(/prm_stream_dead_letters_total\{app="[^"]+",processor="counter"\} 1/);
    expect(metrics).toContain('prm_stream_processing_latency_seconds_bucket');
    expect(metrics).toMatch(/prm_stream_commit_latency_seconds_count\{app="[^"]+",processor="counter"\} [1-9]/);
    // Every committed chunk is reported once, its stages in order.
    expect(commits.reduce((n, c) => n + c.records, 0)).toBe(301);
    for (const c of commits) expect(c.startedAt <= c.processedAt && c.processedAt <= c.committedAt && c.firstRecordAt <= c.startedAt).toBe(true);
    // What they wrote: 300 counts and a dead letter, and each chunk's last count of each of the 7 keys it saw.
    const written = commits.reduce((n, c) => n + c.written, 0);
    expect(written).toBeGreaterThanOrEqual(301 + 7);
    expect(written).toBeLessThanOrEqual(301 + 7 * commits.length);
    await first.stop();

    // A new instance of the same app starts from the committed offsets with the restored counts.
    const second = t.newApp('b');
    await second.start();
    const batch2 = Array.from({ length: 70 }, (_, i) => ({ key: `k${i % 7}`, value: JSON.stringify({ id: 300 + i }) }));
    await produce(kafka, t.input, batch2);
    const all = await readCommitted(kafka, t.output, 370);
    await second.stop();

    expect(out1).toHaveLength(300);
    expect(new Set(all.map((o) => o.id)).size).toBe(370);
    for (const [, counts] of countsByKey(all)) expect(counts).toEqual(counts.map((_, i) => i + 1));
    const restored = events(t.lines, 'task restored').filter((e) => e.instance === 'b');
    expect(restored.map((e) => e.partition).sort()).toEqual([0, 1]);
    expect(restored.reduce((n, e) => n + Number(e.records), 0)).toBe(7);
  });

  it('a restarted instance takes its partitions back at once: its killed predecessor\'s transaction is aborted and its member removed, neither waited for', async () => {
    const t = await setUp('incarnation', 2);
    // The predecessor: a process that joined as instance vm-1, then was killed in a transaction.
    const instance = transactionalId(t.app, 'counter', 'vm-1');
    await killedPredecessor({
      groupId: consumerGroupId(t.app, 'counter'), topic: t.input, instance, protocol: 'prm-co-partitioned',
      openTransaction: { transactionalId: instance, outputTopic: t.output, key: 'k0', value: JSON.stringify({ id: -1, count: 0 }) },
    });

    const restarted = t.newApp('b', 'vm-1');
    const started = Date.now();
    await restarted.start();
    try {
      await produce(kafka, t.input, Array.from({ length: 20 }, (_, id) => ({ key: `k${id % 4}`, value: JSON.stringify({ id }) })));
      // Waiting for the predecessor's session or its transaction to time out would take 60 s.
      const outputs = await readCommitted(kafka, t.output, 20, 30_000);
      expect(outputs.map((o) => o.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, id) => id));
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await restarted.stop();
    }
    expect(events(t.lines, 'removed the members an earlier run of this instance left in the group')).toHaveLength(1);
  });

  it('keeps stream time across a restart, committed with the offsets: the new instance dead-letters a record older than the allowed lateness', async () => {
    const input = await topics.create('streamtime-in', { numPartitions: 1 });
    const output = await topics.create('streamtime-out', { numPartitions: 1 });
    const dlq = await topics.create('streamtime-dlq');
    const app = `prm-runtime-streamtime-${Date.now()}`;
    topics.track(changelogTopic(app, 'echo', RUNTIME_STORE));
    const topology = buildTopology(app, [
      defineProcessor({
        name: 'echo',
        inputs: { input: topic(input, jsonSerde<{ id: number }>()) },
        outputs: { output: topic(output, jsonSerde<{ id: number; count: number }>()) },
        stores: {},
        eventTime: { allowedLatenessMs: 60_000 },
        process(ctx, r) {
          ctx.forward('output', { key: r.key, value: { id: r.value.id, count: 1 } });
        },
      }),
    ]);
    const start = async () => {
      const a = new StreamApp({ topology, kafka: { brokers: process.env.KAFKA_BROKERS!.split(',') }, deadLetters: jsonDeadLetterSink(dlq), sessionTimeoutMs: 6000 });
      await a.start();
      return a;
    };
    const t0 = Date.now();
    const first = await start();
    await produce(kafka, input, [{ key: 'k', value: JSON.stringify({ id: 1 }), timestamp: String(t0) }]);
    await readCommitted(kafka, output, 1);
    await first.stop();

    const second = await start();
    await produce(kafka, input, [
      { key: 'k', value: JSON.stringify({ id: 2 }), timestamp: String(t0 - 120_000) },
      { key: 'k', value: JSON.stringify({ id: 3 }), timestamp: String(t0 + 1) },
    ]);
    const out = await readCommitted(kafka, output, 2);
    await second.stop();
    // With stream time lost, record 2 would pass as the first the new instance saw.
    expect(out.map((o) => o.id)).toEqual([1, 3]);
  });

  it('writes the dead letter with source coordinates and the reason', async () => {
    const t = await setUp('dlq', 1);
    const app = t.newApp('a');
    await app.start();
    await produce(kafka, t.input, [{ key: 'x', value: '{"no-id":1}' }, { key: 'x', value: JSON.stringify({ id: 1 }) }]);
    await readCommitted(kafka, t.output, 1);
    const consumer = kafka.consumer({ groupId: `${t.dlq}.reader`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [t.dlq], fromBeginning: true });
    const letter = await new Promise<Record<string, unknown>>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(JSON.parse(message.value!.toString()) as Record<string, unknown>) });
    });
    await consumer.disconnect();
    await app.stop();
    expect(letter).toMatchObject({ processor: 'counter', sourceTopic: t.input, partition: 0, offset: '0', reason: 'decode failed: JSON value failed validation' });
    expect(Buffer.from(letter.value as string, 'base64').toString()).toBe('{"no-id":1}');
  });

  it('rebalance: when one of two instances stops, the survivor restores the moved state from the changelog and counts on', async () => {
    const t = await setUp('rebalance', 4);
    const a = t.newApp('a');
    const b = t.newApp('b');
    await a.start();
    await b.start();
    const keys = 20;
    const phase1 = Array.from({ length: 400 }, (_, id) => ({ key: `k${id % keys}`, value: JSON.stringify({ id }) }));
    await produce(kafka, t.input, phase1);
    await readCommitted(kafka, t.output, 400);
    const ownedByB = events(t.lines, 'partitions assigned').filter((e) => e.instance === 'b').at(-1)?.partitions as number[];
    expect(ownedByB.length).toBeGreaterThan(0);

    await b.stop();
    const phase2 = Array.from({ length: 400 }, (_, i) => ({ key: `k${i % keys}`, value: JSON.stringify({ id: 400 + i }) }));
    await produce(kafka, t.input, phase2);
    const all = await readCommitted(kafka, t.output, 800);
    await a.stop();

    // The partitions b had moved to a, which restored them from their changelogs (non-empty).
    const restoredByA = events(t.lines, 'task restored').filter((e) => e.instance === 'a' && ownedByB.includes(e.partition as number));
    expect(restoredByA.map((e) => e.partition).sort()).toEqual([...ownedByB].sort());
    expect(restoredByA.every((e) => Number(e.records) > 0)).toBe(true);
    expect(new Set(all.map((o) => o.id)).size).toBe(800);
    expect(all).toHaveLength(800);
    for (const [key, counts] of countsByKey(all)) {
      expect({ key, counts }).toEqual({ key, counts: Array.from({ length: 40 }, (_, i) => i + 1) });
    }
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([consumerGroupId(t.app, 'counter')]).catch(() => undefined);
    await admin.disconnect();
  });

  it('a fused chain: the upstream hands its output to the downstream in one transaction, writes it too, and both restore', async () => {
    const input = await topics.create('fused-in', { numPartitions: 2 });
    const tagged = await topics.create('fused-tagged', { numPartitions: 2 });
    const output = await topics.create('fused-out', { numPartitions: 2 });
    const dlq = await topics.create('fused-dlq');
    const app = `prm-runtime-fused-${Date.now()}`;
    topics.track(changelogTopic(app, 'counter', 'counts'));
    topics.track(changelogTopic(app, 'tagger', 'seen'));
    // The upstream counts what it saw per key too, so both ends of the chain have state to restore.
    const tagger = defineProcessor({
      name: 'tagger',
      inputs: { inputs: topic(input, jsonSerde<{ id: number }>()) },
      outputs: { tagged: topic(tagged, jsonSerde<{ id: number }>()) },
      stores: { seen: keyValueStore(numberSerde) },
      process(ctx, record) {
        const key = record.key ?? '';
        ctx.store('seen').put(key, (ctx.store('seen').get(key) ?? 0) + 1);
        ctx.forward('tagged', { key, value: record.value });
      },
    });
    const counter = countingTopology(app, { input: tagged, output }).processors[0]!;
    const lines: string[] = [];
    const newApp = (instance: string) =>
      new StreamApp({
        topology: buildTopology(app, [tagger, counter]),
        fuse: [['tagger', 'counter']],
        kafka: { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: `${app}-${instance}` },
        deadLetters: jsonDeadLetterSink(dlq),
        logger: jsonLogger({ write: (l) => void lines.push(l.trim()), fields: { instance } }),
        sessionTimeoutMs: 6000,
      });
    const first = newApp('a');
    expect(first.runners).toHaveLength(1);
    await first.start();
    await produce(kafka, input, Array.from({ length: 200 }, (_, id) => ({ key: `k${id % 5}`, value: JSON.stringify({ id }) })));
    await readCommitted(kafka, output, 200);
    await first.stop();

    const second = newApp('b');
    await second.start();
    await produce(kafka, input, Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 5}`, value: JSON.stringify({ id: 200 + i }) })));
    const counts = await readCommitted(kafka, output, 250);
    const handedOver = await readCommitted(kafka, tagged, 250);
    await second.stop();

    expect(new Set(counts.map((o) => o.id)).size).toBe(250);
    for (const [, c] of countsByKey(counts)) expect(c).toEqual(c.map((_, i) => i + 1));
    expect(new Set(handedOver.map((o) => o.id)).size).toBe(250);
    // One consumer group for the chain; it never subscribed to the fused topic.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(app));
      expect(groups).toEqual([consumerGroupId(app, 'tagger+counter')]);
      const committed = await admin.fetchOffsets({ groupId: groups[0]!, topics: [input, tagged] });
      expect(committed.find((c) => c.topic === tagged)!.partitions.every((p) => p.offset === '-1')).toBe(true);
    } finally {
      await admin.disconnect();
    }
    // Both processors' stores came back from their own changelogs: 5 keys each.
    const restored = events(lines, 'task restored').filter((e) => e.instance === 'b');
    expect(restored.reduce((n, e) => n + Number(e.records), 0)).toBe(10);

    // The same processors unfused would be new groups, reading the input from its beginning again.
    const unfused = new StreamApp({
      topology: buildTopology(app, [tagger, counter]),
      kafka: { brokers: process.env.KAFKA_BROKERS!.split(','), clientId: `${app}-unfused` },
      deadLetters: jsonDeadLetterSink(dlq),
      logger: jsonLogger({ write: () => undefined }),
      sessionTimeoutMs: 6000,
    });
    await expect(unfused.start()).rejects.toThrow(`tagger would start a new consumer group, ${app}.tagger, while ${app}.tagger+counter (the same processors laid out fused) has committed offsets`);
  });

  it('a processor bug stops the processor with the error (no hang) and leaves the record uncommitted', async () => {
    const input = await topics.create('fatal-in');
    const output = await topics.create('fatal-out');
    const dlq = await topics.create('fatal-dlq');
    const app = `prm-runtime-fatal-${Date.now()}`;
    const echo = (failOn: number | null) =>
      buildTopology(app, [
        defineProcessor({
          name: 'echo',
          inputs: { input: topic(input, jsonSerde<{ id: number }>()) },
          outputs: { output: topic(output, jsonSerde<{ id: number; count: number }>()) },
          stores: {},
          process(ctx, r) {
            if (r.value.id === failOn) throw new TypeError('cannot read properties of undefined');
            ctx.forward('output', { key: r.key, value: { id: r.value.id, count: 1 } });
          },
        }),
      ]);
    const lines: string[] = [];
    const start = async (failOn: number | null) => {
      const a = new StreamApp({
        topology: echo(failOn),
        kafka: { brokers: process.env.KAFKA_BROKERS!.split(',') },
        deadLetters: jsonDeadLetterSink(dlq),
        logger: jsonLogger({ write: (l) => void lines.push(l.trim()) }),
        sessionTimeoutMs: 6000,
      });
      await a.start();
      return a;
    };
    const buggy = await start(2);
    await produce(kafka, input, [1, 2, 3].map((id) => ({ key: 'k', value: JSON.stringify({ id }) })));
    const err = await buggy.stopped.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProcessingError);
    expect((err as ProcessingError).where).toMatchObject({ processor: 'echo', topic: input, offset: '1' });
    expect(events(lines, 'processor stopped on a fatal error')).toHaveLength(1);

    // The failing chunk was aborted: once fixed, the processor resumes at that record, nothing lost or doubled.
    const fixed = await start(null);
    const out = await readCommitted(kafka, output, 3);
    await fixed.stop();
    expect(out.map((o) => o.id).sort()).toEqual([1, 2, 3]);
  });
});
