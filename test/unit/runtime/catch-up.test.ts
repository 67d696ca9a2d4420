import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { trackCatchUp } from '../../../streams/runtime/kafka/catch-up';

const CRASH = 'consumer.crash';

/** What kafkajs' consumer exposes for its crash event, on a plain emitter. */
function crashingConsumer(): { consumer: Pick<Consumer, 'on' | 'events'>; crash(restart: boolean, message: string): void } {
  const emitter = new EventEmitter();
  const consumer = {
    events: { CRASH } as Consumer['events'],
    on: ((event: string, listener: (e: unknown) => void) => {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    }) as Consumer['on'],
  };
  return { consumer, crash: (restart, message) => emitter.emit(CRASH, { payload: { error: new Error(message), groupId: 'g', restart } }) };
}

async function state(done: Promise<void>): Promise<string> {
  return Promise.race([done.then(() => 'resolved', (error: Error) => `rejected: ${error.message}`), new Promise<string>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('trackCatchUp', () => {
  it('resolves at once when no partition has anything left to read', async () => {
    expect(await state(trackCatchUp('t', new Map()).done)).toBe('resolved');
  });

  it('resolves only once every partition is read through its last offset', async () => {
    const catchUp = trackCatchUp('t', new Map([[0, 9n], [1, 4n]]));
    catchUp.reached(0, '8');
    catchUp.reached(1, '4');
    catchUp.reached(2, '100');
    expect(await state(catchUp.done)).toBe('pending');
    catchUp.reached(0, '9');
    expect(await state(catchUp.done)).toBe('resolved');
  });

  it('rejects with the partitions left when the consumer crashes for good, and waits on through a crash kafkajs restarts', async () => {
    const catchUp = trackCatchUp('prm.requests', new Map([[0, 9n], [1, 4n]]));
    const { consumer, crash } = crashingConsumer();
    catchUp.watch(consumer);
    catchUp.reached(1, '4');
    crash(true, 'coordinator loading');
    expect(await state(catchUp.done)).toBe('pending');
    crash(false, 'not authorised');
    expect(await state(catchUp.done)).toBe('rejected: the consumer of prm.requests stopped before reading it to its end; partitions left: 0 (to offset 9): not authorised');
  });

  it('ignores a crash after catching up', async () => {
    const catchUp = trackCatchUp('t', new Map([[0, 1n]]));
    const { consumer, crash } = crashingConsumer();
    catchUp.watch(consumer);
    catchUp.reached(0, '1');
    crash(false, 'late');
    expect(await state(catchUp.done)).toBe('resolved');
  });
});
