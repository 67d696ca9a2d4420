import { parentPort, workerData } from 'node:worker_threads';
import { runTrainingCycle } from './cycle';
import { connectTrainer, type TrainerService } from './service';
import type { FromTrainerThread, ToTrainerThread, TrainerThreadData } from './thread-protocol';

/**
 * The trainer's worker thread: connects the trainer (database, publisher, feature recorder),
 * records the analyser's features of new requests, and runs a training cycle whenever the
 * parent asks. Analysis and model fitting take seconds of CPU; here they never stall the
 * processors' event loop, whose heartbeats and transactions must keep their deadlines.
 */
if (!parentPort) throw new Error('thread-main.ts runs only as the trainer worker thread (see thread.ts)');
const port = parentPort;
const send = (message: FromTrainerThread) => port.postMessage(message);

async function main(data: TrainerThreadData): Promise<void> {
  let service: TrainerService;
  try {
    service = await connectTrainer({ ...data, log: (line) => send({ kind: 'log', line }) });
    await service.recorder.start();
  } catch (error) {
    send({ kind: 'failed', message: (error as Error).message });
    return;
  }
  // Cycles run one at a time, in the order asked.
  let queue = Promise.resolve();
  port.on('message', (message: ToTrainerThread) => {
    if (message.kind === 'cycle') {
      queue = queue.then(async () => {
        try {
          send({ kind: 'result', id: message.id, result: await runTrainingCycle(service.deps, message.now) });
        } catch (error) {
          send({ kind: 'failed', id: message.id, message: (error as Error).message });
        }
      });
    } else {
      queue = queue.then(async () => {
        await service.close().catch((error: Error) => send({ kind: 'log', line: `trainer: close failed (${error.message})` }));
        send({ kind: 'stopped' });
        port.close();
      });
    }
  });
  send({ kind: 'ready' });
}

void main(workerData as TrainerThreadData);
