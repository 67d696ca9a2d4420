import type { Producer } from 'kafkajs';
import { isRetriable } from '../../../streams/runtime/errors';
import { InstanceTransactions, type TaskCommit } from '../../../streams/runtime/kafka/instance-transactions';
import { silentLogger } from '../../../streams/runtime/logger';

interface Txn {
  topics: string[];
  offsets: unknown;
  outcome?: 'committed' | 'aborted';
}

/** A transactional producer that records its transactions; `hold` keeps the next commit pending until released. */
function fakeProducers() {
  const txns: Txn[] = [];
  const created: { connected: boolean; disconnected: boolean }[] = [];
  let failNext: Error | undefined;
  let failConnect = false;
  let held: (() => void) | undefined;
  let holdNext = false;
  const createProducer = () => {
    const state = { connected: false, disconnected: false };
    created.push(state);
    return {
      connect: async () => {
        if (failConnect) {
          failConnect = false;
          throw new Error('broker away');
        }
        state.connected = true;
      },
      disconnect: async () => void (state.disconnected = true),
      transaction: async () => {
        const txn: Txn = { topics: [], offsets: undefined };
        txns.push(txn);
        return {
          sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: unknown[] }[] }) => {
            for (const t of topicMessages) for (const _ of t.messages) txn.topics.push(t.topic);
          },
          sendOffsets: async (offsets: unknown) => {
            txn.offsets = offsets;
            if (failNext) {
              const err = failNext;
              failNext = undefined;
              throw err;
            }
          },
          commit: async () => {
            if (holdNext) {
              holdNext = false;
              await new Promise<void>((resolve) => (held = resolve));
            }
            txn.outcome = 'committed';
          },
          abort: async () => void (txn.outcome = 'aborted'),
        };
      },
    } as unknown as Producer;
  };
  return {
    txns,
    created,
    createProducer,
    failNextWith: (err: Error) => (failNext = err),
    failNextConnect: () => (failConnect = true),
    holdNextCommit: () => (holdNext = true),
    release: () => held?.(),
  };
}

const member = { generationId: 3, memberId: 'm-1' };

function chunk(partition: number, opts: { current?: () => boolean; generationId?: number } = {}): TaskCommit {
  return {
    messages: [
      { topic: 'out', key: Buffer.from(`k${partition}`), value: Buffer.from('v'), timestamp: 1, headers: {} },
      { topic: 'app.proc.store.changelog', partition, key: Buffer.from('s'), value: null, timestamp: 1, headers: {} },
    ],
    offset: { topic: 'in', partition, offset: String(100 + partition), metadata: `st${partition}` },
    member: { ...member, generationId: opts.generationId ?? member.generationId },
    isCurrent: opts.current ?? (() => true),
  };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('InstanceTransactions (exactly-once v2: one producer, one transaction per round)', () => {
  it('commits every chunk handed over in one turn in one transaction, with all their offsets and the member generation', async () => {
    const f = fakeProducers();
    const rounds: number[] = [];
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger, now: () => 5000, onRoundCommitted: (n) => rounds.push(n) });
    const committed = await Promise.all([0, 1, 2].map((p) => tx.submit(chunk(p))));
    expect(committed).toEqual([5000, 5000, 5000]);
    expect(rounds).toEqual([3]);
    expect(f.txns).toHaveLength(1);
    expect(f.txns[0]!.outcome).toBe('committed');
    expect(f.txns[0]!.topics.filter((t) => t === 'out')).toHaveLength(3);
    expect(f.txns[0]!.offsets).toEqual({
      consumerGroupId: 'app.proc',
      consumerGroupMetadata: member,
      topics: [
        {
          topic: 'in',
          partitions: [0, 1, 2].map((p) => ({ partition: p, offset: String(100 + p), metadata: `st${p}` })),
        },
      ],
    });
  });

  it('chunks handed over while a transaction commits go into the next one', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    f.holdNextCommit();
    const first = tx.submit(chunk(0));
    await tick();
    await tick();
    const later = [tx.submit(chunk(1)), tx.submit(chunk(2))];
    await tick();
    expect(f.txns).toHaveLength(1);
    f.release();
    await Promise.all([first, ...later]);
    expect(f.txns.map((t) => (t.offsets as { topics: { partitions: { partition: number }[] }[] }).topics[0]!.partitions.map((p) => p.partition))).toEqual([[0], [1, 2]]);
  });

  it("refuses a chunk whose task was closed meanwhile (retriable: it is redone on the reopened task) and commits the others", async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    const stale = tx.submit(chunk(0, { current: () => false }));
    const fresh = tx.submit(chunk(1));
    expect(isRetriable(await rejection(stale))).toBe(true);
    await fresh;
    expect(f.txns).toHaveLength(1);
    expect((f.txns[0]!.offsets as { topics: { partitions: { partition: number }[] }[] }).topics[0]!.partitions).toEqual([expect.objectContaining({ partition: 1 })]);
  });

  it('a failed transaction aborts, fails every chunk in it, and the next one starts from a new producer', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    const refused = Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID', retriable: false });
    f.failNextWith(refused);
    const round = [tx.submit(chunk(0)), tx.submit(chunk(1))];
    expect(await Promise.all(round.map(rejection))).toEqual([refused, refused]);
    expect(f.txns[0]!.outcome).toBe('aborted');
    expect(f.created).toEqual([{ connected: true, disconnected: true }]);
    await tx.submit(chunk(0));
    expect(f.created).toEqual([{ connected: true, disconnected: true }, { connected: true, disconnected: false }]);
    expect(f.txns[1]!.outcome).toBe('committed');
  });

  it('reports a fenced producer as retriable: the tasks reopen and the new producer takes the id back', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    f.failNextWith(Object.assign(new Error('There is a newer producer with the same transactionalId which fences the current one'), { type: 'PRODUCER_FENCED', retriable: false }));
    expect(isRetriable(await rejection(tx.submit(chunk(0))))).toBe(true);
  });

  it('does not commit chunks of two group generations together (the older would be refused)', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    const round = [tx.submit(chunk(0, { generationId: 3 })), tx.submit(chunk(1, { generationId: 4 }))];
    const errors = await Promise.all(round.map(rejection));
    expect(errors.map(isRetriable)).toEqual([true, true]);
    expect(f.txns).toHaveLength(0);
  });

  it('open initialises the transactional producer before any round (an empty transaction, ended at once), which then uses it; a failed open leaves none behind', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    f.failNextConnect();
    await expect(tx.open()).rejects.toThrow('broker away');
    expect(f.created[0]!.disconnected).toBe(true);
    await tx.open();
    expect(f.created).toHaveLength(2);
    expect(f.created[1]!.connected).toBe(true);
    // kafkajs initialises the transactional id (and so fences a predecessor) in transaction(), not connect().
    expect(f.txns).toEqual([{ topics: [], offsets: undefined, outcome: 'aborted' }]);
    await tx.submit(chunk(0));
    expect(f.created).toHaveLength(2);
    expect(f.txns[1]!.outcome).toBe('committed');
  });

  it('close waits for the transaction in flight, then disconnects the producer', async () => {
    const f = fakeProducers();
    const tx = new InstanceTransactions({ createProducer: f.createProducer, groupId: 'app.proc', logger: silentLogger });
    f.holdNextCommit();
    const pending = tx.submit(chunk(0));
    await tick();
    await tick();
    const closed = tx.close();
    await tick();
    expect(f.created[0]!.disconnected).toBe(false);
    f.release();
    await Promise.all([pending, closed]);
    expect(f.txns[0]!.outcome).toBe('committed');
    expect(f.created[0]!.disconnected).toBe(true);
  });
});
