import { jsonDeadLetterSink } from '../../../streams/runtime/dead-letter-sink';
import { TopologyError } from '../../../streams/runtime/errors';
import { runUnits, StreamApp } from '../../../streams/runtime/kafka/stream-app';
import { silentLogger } from '../../../streams/runtime/logger';
import { jsonSerde, type Serde } from '../../../streams/runtime/serde';
import { InMemoryKeyValueStore, type KeyValueStore } from '../../../streams/runtime/store';
import { type RawRecord, Task } from '../../../streams/runtime/task';
import { planChain, TaskChain } from '../../../streams/runtime/task-chain';
import { type AnyProcessor, buildTopology, defineProcessor, erase, keyValueStore, RUNTIME_STORE, storeNames, topic } from '../../../streams/runtime/topology';

const requests = topic('requests', jsonSerde<{ n: number }>());
const scored = topic('scored', jsonSerde<{ n: number; score: number }>());
const decisions = topic('decisions', jsonSerde<{ n: number; total: number }>());
const releases = topic('releases', jsonSerde<{ n: number }>());

// Upstream: scores a request; a negative one fails and is dead-lettered with nothing forwarded.
const scorer = erase(
  defineProcessor({
    name: 'scorer',
    inputs: { requests },
    outputs: { scored },
    stores: {},
    onError: 'dead-letter',
    process(ctx, record) {
      if (record.value.n < 0) throw new Error('negative');
      ctx.forward('scored', { key: record.key, value: { n: record.value.n, score: record.value.n * 10 } });
    },
  }),
);

// Downstream: keeps a running total in a store, from the scored topic and from one of its own.
const decider = erase(
  defineProcessor({
    name: 'decider',
    inputs: { scored, releases },
    outputs: { decisions },
    stores: { total: keyValueStore(jsonSerde<number>()) },
    eventTime: { allowedLatenessMs: 1e12 },
    process(ctx, record) {
      const store = ctx.store('total');
      const delta = record.input === 'scored' ? record.value.score : -record.value.n;
      const total = (store.get('t') ?? 0) + delta;
      store.put('t', total);
      if (record.input === 'scored') ctx.forward('decisions', { key: record.key, value: { n: record.value.n, total } });
    },
  }),
);

function tasksFor(chain: AnyProcessor[], partition: number): { tasks: Task[]; stores: Map<string, KeyValueStore<unknown>>[] } {
  const stores = chain.map((p) => new Map(storeNames(p).map((s) => [s, new InMemoryKeyValueStore<unknown>() as KeyValueStore<unknown>])));
  return { tasks: chain.map((processor, i) => new Task({ processor, partition, stores: stores[i]! })), stores };
}

let offset = 0;
function raw(t: { name: string; serde: { serialize(v: never): Buffer } }, key: string, value: unknown, timestamp = 1000): RawRecord {
  return { topic: t.name, partition: 3, offset: String(offset++), key: Buffer.from(key), value: t.serde.serialize(value as never), timestamp, headers: {} };
}

describe('planChain', () => {
  it('consumes only the inputs no earlier processor writes, and fuses the topic between them', () => {
    const plan = planChain([scorer, decider]);
    expect(plan).toEqual({ name: 'scorer+decider', inputs: ['requests', 'releases'], fused: new Set(['scored']) });
  });

  it('a single processor is a chain of one, with nothing fused', () => {
    expect(planChain([decider])).toEqual({ name: 'decider', inputs: ['scored', 'releases'], fused: new Set() });
  });

  it('refuses a processor that reads nothing of the chain, a cycle, and a fused topic with another writer', () => {
    const loner = erase(defineProcessor({ name: 'loner', inputs: { releases }, outputs: {}, stores: {}, process() {} }));
    expect(() => planChain([scorer, loner])).toThrow(TopologyError);
    expect(() => planChain([scorer, loner])).toThrow(/'loner' reads nothing an earlier processor of the chain writes/);
    expect(() => planChain([decider, scorer])).toThrow(/'decider' reads scored, which the later 'scorer' writes/);
    const feedback = erase(defineProcessor({ name: 'feedback', inputs: { scored }, outputs: { requests }, stores: {}, process() {} }));
    expect(() => planChain([scorer, feedback])).toThrow(/'scorer' reads requests, which the later 'feedback' writes/);
    const other = erase(defineProcessor({ name: 'other', inputs: { releases }, outputs: { scored }, stores: {}, process() {} }));
    expect(() => planChain([scorer, decider], [scorer, decider, other])).toThrow(/cannot fuse scored, which 'other' outside the chain writes too/);
  });
});

describe('TaskChain', () => {
  it('hands a fused output to the later processor in the same task, and still writes it', () => {
    const { tasks, stores } = tasksFor([scorer, decider], 3);
    const chain = new TaskChain(tasks, planChain([scorer, decider]));
    chain.handle(raw(requests, 'ann', { n: 1 }));
    chain.handle(raw(requests, 'bob', { n: 2 }));
    const fx = chain.drain();
    expect(fx.outputs.map((o) => [o.topic, JSON.parse(o.value!.toString()) as unknown])).toEqual([
      ['scored', { n: 1, score: 10 }],
      ['scored', { n: 2, score: 20 }],
      ['decisions', { n: 1, total: 10 }],
      ['decisions', { n: 2, total: 30 }],
    ]);
    expect(fx.recordsIn).toBe(2);
    expect(stores[1]!.get('total')!.get('t')).toBe(30);
    // The downstream's stream time follows the handed-over records' event time; it is committed
    // with the input offsets, not logged to the runtime store's changelog.
    expect(chain.streamTimes()).toEqual({ decider: 1000 });
    expect(stores[1]!.get(RUNTIME_STORE)!.size).toBe(0);
  });

  it('takes its stream times back as committed, and never moves them backwards', () => {
    const { tasks } = tasksFor([scorer, decider], 3);
    const chain = new TaskChain(tasks, planChain([scorer, decider]));
    chain.restoreStreamTimes({ decider: 5000, gone: 9000 });
    expect(chain.streamTimes()).toEqual({ decider: 5000 });
    chain.handle(raw(requests, 'ann', { n: 1 }, 2000));
    chain.drain();
    expect(chain.streamTimes()).toEqual({ decider: 5000 });
  });

  it('routes a record of a downstream-only input straight to it', () => {
    const { tasks, stores } = tasksFor([scorer, decider], 3);
    const chain = new TaskChain(tasks, planChain([scorer, decider]));
    chain.handle(raw(requests, 'ann', { n: 5 }));
    chain.handle(raw(releases, 'ann', { n: 20 }));
    expect(stores[1]!.get('total')!.get('t')).toBe(30);
    expect(chain.drain().recordsIn).toBe(2);
  });

  it('hands over nothing for a record the upstream dead-letters', () => {
    const { tasks, stores } = tasksFor([scorer, decider], 3);
    const chain = new TaskChain(tasks, planChain([scorer, decider]));
    const bad = raw(requests, 'eve', { n: -1 });
    chain.handle(bad);
    const fx = chain.drain();
    expect(fx.outputs).toEqual([]);
    expect(fx.deadLetters).toEqual([expect.objectContaining({ processor: 'scorer', offset: bad.offset, reason: 'processing failed: negative' })]);
    expect(stores[1]!.get('total')!.get('t')).toBeUndefined();
  });

  it('hands the forwarded value itself to a reader whose serde can say what decoding gives, and holds it no longer than that', () => {
    for (const shares of [true, false]) {
      let decodes = 0;
      const json = jsonSerde<{ n: number }>();
      const serde: Serde<{ n: number }> = { serialize: (v) => json.serialize(v), deserialize: (b) => (decodes++, json.deserialize(b)) };
      if (shares) serde.handOver = (v) => v;
      const passed = topic('passed', serde);
      const forwarded: { n: number }[] = [];
      const received: { n: number }[] = [];
      const first = erase(defineProcessor({
        name: 'first', inputs: { requests }, outputs: { passed }, stores: {},
        process(ctx, record) {
          const value = { n: record.value.n };
          forwarded.push(value);
          ctx.forward('passed', { key: record.key, value });
        },
      }));
      const second = erase(defineProcessor({ name: 'second', inputs: { passed }, outputs: {}, stores: {}, process(_ctx, record) { received.push(record.value); } }));
      const plan = planChain([first, second]);
      const chain = new TaskChain([first, second].map((processor) => new Task({ processor, partition: 0, stores: new Map(), handsOver: plan.fused })), plan);
      chain.handle(raw(requests, 'ann', { n: 7 }));
      expect(received).toEqual([{ n: 7 }]);
      expect(received[0] === forwarded[0]).toBe(shares);
      expect(decodes).toBe(shares ? 0 : 1);
      const [written] = chain.drain().outputs;
      expect(written).toMatchObject({ topic: 'passed', value: json.serialize({ n: 7 }) });
      expect(written!.forwarded).toBeUndefined(); // the message waits for its commit without it
    }
  });

  it('refuses a record from a topic none of its processors reads', () => {
    const { tasks } = tasksFor([scorer, decider], 3);
    const chain = new TaskChain(tasks, planChain([scorer, decider]));
    expect(() => chain.handle(raw(decisions, 'ann', { n: 1, total: 1 }))).toThrow(/none of it reads/);
  });
});

describe('StreamApp fuse option', () => {
  const topology = buildTopology('app', [scorer, decider]);
  const names = (units: AnyProcessor[][]) => units.map((u) => u.map((p) => p.name).join('+'));

  it('runs a chain as one runner and the rest as their own', () => {
    expect(names(runUnits(topology, ['scorer', 'decider'], [['scorer', 'decider']]))).toEqual(['scorer+decider']);
    expect(names(runUnits(topology, ['scorer', 'decider'], []))).toEqual(['scorer', 'decider']);
    expect(names(runUnits(topology, ['decider'], []))).toEqual(['decider']);
    const app = new StreamApp({ topology, fuse: [['scorer', 'decider']], kafka: { brokers: ['127.0.0.1:1'] }, deadLetters: jsonDeadLetterSink('dlq'), logger: silentLogger });
    expect(app.runners).toHaveLength(1);
  });

  it('refuses an unknown processor, a processor in two chains, an instance running part of a chain, and a chain out of order', () => {
    const both = ['scorer', 'decider'];
    expect(() => runUnits(topology, both, [['scorer', 'nobody']])).toThrow(/has no processor nobody/);
    expect(() => runUnits(topology, both, [both, both])).toThrow(/one fused chain only/);
    expect(() => runUnits(topology, ['scorer'], [both])).toThrow(/runs whole or not at all/);
    expect(() => new StreamApp({ topology, fuse: [['decider', 'scorer']], kafka: { brokers: ['127.0.0.1:1'] }, deadLetters: jsonDeadLetterSink('dlq'), logger: silentLogger })).toThrow(TopologyError);
  });
});
