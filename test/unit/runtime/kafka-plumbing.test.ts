import { assignTasks } from '../../../streams/runtime/kafka/co-partitioned-assigner';
import { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { jsonDeadLetterSink } from '../../../streams/runtime/dead-letter-sink';
import { ConfigError } from '../../../streams/runtime/errors';
import { instanceIdProblem } from '../../../streams/runtime/instance-id';
import { kafkajsLogCreator, StreamApp } from '../../../streams/runtime/kafka/stream-app';
import { jsonLogger, silentLogger } from '../../../streams/runtime/logger';
import { jsonSerde } from '../../../streams/runtime/serde';
import { buildTopology, defineProcessor, topic } from '../../../streams/runtime/topology';
import { isFencingError } from '../../../streams/runtime/kafka/fencing';
import { crashAction, TASK_PRODUCER_RETRY } from '../../../streams/runtime/kafka/processor-runner';
import { chunkBySize } from '../../../streams/runtime/kafka/transaction-messages';
import { processorNodeFlags } from '../../../streams/runtime/node-flags';

describe('assignTasks', () => {
  it('balances tasks and keeps what members already own', () => {
    const plan = assignTasks(4, [
      { id: 'b', owned: [1, 3] },
      { id: 'a', owned: [] },
    ]);
    expect(plan.get('b')).toEqual([1, 3]);
    expect(plan.get('a')).toEqual([0, 2]);
  });

  it('gives a lone survivor every task and caps a greedy member at its quota', () => {
    expect(assignTasks(3, [{ id: 'a', owned: [0] }]).get('a')).toEqual([0, 1, 2]);
    const plan = assignTasks(4, [
      { id: 'a', owned: [0, 1, 2, 3] },
      { id: 'b', owned: [] },
    ]);
    expect(plan.get('a')).toEqual([0, 1]);
    expect(plan.get('b')).toEqual([2, 3]);
  });

  it('never assigns a task twice, even when two members claim it', () => {
    const plan = assignTasks(2, [
      { id: 'a', owned: [0] },
      { id: 'b', owned: [0] },
    ]);
    expect([...plan.values()].flat().sort()).toEqual([0, 1]);
  });
});

// kafkajs' typings leave out the constructors' arguments its own code passes.
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error;
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error;

describe('crashAction', () => {
  it('leaves a restart to kafkajs when kafkajs says it restarts', () => {
    expect(crashAction({ error: new Error('x'), restart: true })).toBe('kafkajs-restarts');
  });

  it("rejoins after kafkajs' final error of a broker that is away (the crash a broker restart gave in CI)", () => {
    const away = new CoordinatorNotFound('Failed to find group coordinator');
    expect(crashAction({ error: new NonRetriable(away, { cause: away }), restart: false })).toBe('restart');
  });

  it('stops on anything else kafkajs will not restart', () => {
    const bug = new TypeError('bad record');
    expect(crashAction({ error: new NonRetriable(bug, { cause: bug }), restart: false })).toBe('fail');
    expect(crashAction({ error: 'not an error', restart: false })).toBe('fail');
  });
});

describe('chunkBySize', () => {
  const message = (i: number, topic: string, partition?: number) => ({ topic, key: null, value: Buffer.alloc(100, i), timestamp: i, headers: {}, partition });
  const flatten = (sends: ReturnType<typeof chunkBySize>) => sends.flatMap((s) => s.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, ts: Number(m.timestamp), partition: m.partition }))));

  it('caps each topic of a send, not the send: messages of other topics share it', () => {
    // 170 bytes a message: two of a topic fit a 400-byte cap, three do not.
    const msgs = Array.from({ length: 10 }, (_, i) => message(i, i % 2 ? 'a' : 'b', i % 2 ? undefined : 3));
    const sends = chunkBySize(msgs, { perTopic: 400, total: 10_000 });
    expect(sends.map((s) => s.map((t) => `${t.topic}:${t.messages.length}`))).toEqual([['b:2', 'a:2'], ['b:2', 'a:2'], ['b:1', 'a:1']]);
    const flat = flatten(sends);
    expect(flat.map((m) => m.ts).sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    expect(flat.filter((m) => m.topic === 'b').every((m) => m.partition === 3)).toBe(true);
  });

  it('keeps each topic in order and every send under its total cap', () => {
    const msgs = Array.from({ length: 30 }, (_, i) => message(i, `t${i % 3}`));
    const sends = chunkBySize(msgs, { perTopic: 10_000, total: 1000 });
    for (const send of sends) expect(send.reduce((n, t) => n + t.messages.length, 0) * 170).toBeLessThanOrEqual(1000);
    for (const topic of ['t0', 't1', 't2']) {
      const order = flatten(sends).filter((m) => m.topic === topic).map((m) => m.ts);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(order).toHaveLength(10);
    }
  });
});

describe('isFencingError', () => {
  it('finds a fenced epoch through kafkajs wrappers', () => {
    expect(isFencingError({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'PRODUCER_FENCED' } })).toBe(true);
    expect(isFencingError({ type: 'REQUEST_TIMED_OUT', message: 'timeout' })).toBe(false);
  });
});

describe('TASK_PRODUCER_RETRY', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs' retrier has no typings
  const createRetry = require('kafkajs/src/retry') as (o: object) => (fn: (bail: unknown, count: number, wait: number) => Promise<void>) => Promise<void>;

  /** The waits kafkajs' retrier makes with this config when every attempt fails, at one end of its randomisation. */
  async function waits(random: number): Promise<number[]> {
    const seen: number[] = [];
    jest.useFakeTimers();
    const spy = jest.spyOn(Math, 'random').mockReturnValue(random);
    try {
      const failing = createRetry(TASK_PRODUCER_RETRY)(async (_bail, _count, wait) => {
        seen.push(wait);
        throw Object.assign(new Error('concurrent transactions'), { retriable: true });
      });
      const settled = failing.catch(() => 'given up');
      await jest.runAllTimersAsync();
      expect(await settled).toBe('given up');
    } finally {
      spy.mockRestore();
      jest.useRealTimers();
    }
    return seen.slice(0, -1); // the last attempt is not followed by a wait
  }

  it('retries a transaction that met the last one\'s commit markers within a few milliseconds', async () => {
    for (const random of [0, 0.999]) expect((await waits(random))[0]).toBeLessThanOrEqual(3);
  });

  it('keeps retrying for as long as a broker restart takes, even at the short end of the randomisation', async () => {
    const total = (await waits(0)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(90_000);
  });
});

describe('processorNodeFlags', () => {
  it('leaves the event loop a core: one V8 helper thread fewer than the cores, at least one, at most V8\'s default four', () => {
    expect([1, 2, 3, 8].map((cores) => processorNodeFlags(cores)[0])).toEqual(['--v8-pool-size=1', '--v8-pool-size=1', '--v8-pool-size=2', '--v8-pool-size=4']);
  });
  it('gives the young generation room for a transaction\'s worth of short-lived records', () => {
    expect(processorNodeFlags(2)).toContain('--max-semi-space-size=64');
  });
  it('keeps a transaction\'s short-lived objects out of the old generation: no allocation-site pretenuring', () => {
    expect(processorNodeFlags(2)).toContain('--no-allocation-site-pretenuring');
  });
});

describe('kafkajsLogCreator', () => {
  const logged = (entries: { level: logLevel; message: string; error?: string }[]) => {
    const lines: string[] = [];
    const log = kafkajsLogCreator(jsonLogger({ level: 'debug', write: (l) => void lines.push(l) }))();
    for (const { level, ...rest } of entries) log({ level, log: { timestamp: '', ...rest } });
    return lines.map((l) => (JSON.parse(l) as { message: string }).message);
  };

  it('warns of what kafkajs reports, and leaves out CONCURRENT_TRANSACTIONS retries', () => {
    const concurrent = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';
    expect(logged([
      { level: logLevel.WARN, message: 'Response AddPartitionsToTxn(key: 24, version: 1)', error: concurrent },
      { level: logLevel.ERROR, message: `Failed to send messages: ${concurrent}` },
      { level: logLevel.ERROR, message: 'Response JoinGroup(key: 11, version: 5)', error: 'The group is rebalancing' },
      { level: logLevel.INFO, message: 'Consumer has joined the group' },
    ])).toEqual(['kafkajs: Response JoinGroup(key: 11, version: 5)']);
  });

  it('leaves out the warning about bounded retries, which the transactional producers make unfounded', () => {
    expect(logged([
      { level: logLevel.WARN, message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees' },
      { level: logLevel.WARN, message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
    ])).toEqual(['kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:9092']);
  });
});

describe('instance ids', () => {
  const input = topic('t.in', jsonSerde<number>());
  const topology = buildTopology('app', [defineProcessor({ name: 'p', inputs: { input }, outputs: {}, stores: {}, process() {} })]);

  it('accepts printable ids of 1 to 100 characters and names what is wrong with others', () => {
    expect(instanceIdProblem('predictor-0')).toBeUndefined();
    expect(instanceIdProblem('a.b_c-9'.padEnd(100, 'x'))).toBeUndefined();
    expect(instanceIdProblem('')).toMatch(/1 to 100/);
    expect(instanceIdProblem('x'.repeat(101))).toMatch(/1 to 100/);
    expect(instanceIdProblem('pod 0')).toBe(`must be 1 to 100 letters, digits, '.', '_' or '-', got "pod 0"`);
  });

  it('refuses a bad one when the app is built, before anything connects, as the CLI does', () => {
    const build = (instanceId: string) => new StreamApp({ topology, kafka: { brokers: ['127.0.0.1:1'] }, deadLetters: jsonDeadLetterSink(), instanceId, logger: silentLogger });
    expect(() => build('pod/0')).toThrow(ConfigError);
    expect(() => build('pod/0')).toThrow(`instanceId must be 1 to 100 letters, digits, '.', '_' or '-', got "pod/0"`);
    expect(build('pod-0').runners).toHaveLength(1);
  });
});
