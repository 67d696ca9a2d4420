import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { trackCatchUp } from '../../../streams/runtime/kafka/catch-up';

const CRASH = 'consumer.crash';
const END_BATCH_PROCESS = 'consumer.end_batch_process';

/** What kafkajs' consumer exposes of its batch and crash events, on a plain emitter. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer: Pick<Consumer, 'on' | 'events'> = {
    events: { CRASH, END_BATCH_PROCESS } as Consumer['events'],
    on: ((event: string, listener: (e: unknown) => void) => {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    }) as Consumer['on'],
  };
  return {
    consumer,
    batchDone: (topic: string, partition: number, lastOffset: string) => emitter.emit(END_BATCH_PROCESS, { payload: { topic, partition, lastOffset } }),
    crash: (restart: boolean, message: string) => emitter.emit(CRASH, { payload: { error: new Error(message), groupId: 'g', restart } }),
  };
}

async function state(done: Promise<void>): Promise<string> {
  return Promise.race([done.then(() => 'resolved', (error: Error) => `rejected: ${error.message}`), new Promise<string>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('trackCatchUp', () => {
  it('resolves at once when no partition has anything left to read', async () => {
    expect(await state(trackCatchUp('t', new Map()).done)).toBe('resolved');
  });

  it('resolves only once a batch of every partition has ended at or past its last offset, on its own topic', async () => {
    const catchUp = trackCatchUp('t', new Map([[0, 9n], [1, 4n]]));
    const { consumer, batchDone } = fakeConsumer();
    catchUp.watch(consumer);
    batchDone('t', 0, '8');
    batchDone('t', 1, '4');
    batchDone('other', 0, '100');
    batchDone('t', 2, '100');
    expect(await state(catchUp.done)).toBe('pending');
    // A batch of only a commit marker (offset 9) ends the partition though no message had offset 9.
    batchDone('t', 0, '9');
    expect(await state(catchUp.done)).toBe('resolved');
  });

  it('rejects with the partitions left when the consumer crashes for good, and waits on through a crash kafkajs restarts', async () => {
    const catchUp = trackCatchUp('prm.requests', new Map([[0, 9n], [1, 4n]]));
    const { consumer, batchDone, crash } = fakeConsumer();
    catchUp.watch(consumer);
    batchDone('prm.requests', 1, '4');
    crash(true, 'coordinator loading');
    expect(await state(catchUp.done)).toBe('pending');
    crash(false, 'not authorised');
    expect(await state(catchUp.done)).toBe('rejected: the consumer of prm.requests stopped before reading it to its end; partitions left: 0 (to offset 9): not authorised');
  });

  it('ignores a crash after catching up', async () => {
    const catchUp = trackCatchUp('t', new Map([[0, 1n]]));
    const { consumer, batchDone, crash } = fakeConsumer();
    catchUp.watch(consumer);
    batchDone('t', 0, '1');
    crash(false, 'late');
    expect(await state(catchUp.done)).toBe('resolved');
  });
});
