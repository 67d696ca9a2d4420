import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TrainingCycleResult } from './cycle';
import type { FromTrainerThread, ToTrainerThread, TrainerThreadData } from './thread-protocol';

export interface TrainerThread {
  /** One training cycle at `now`, run in the thread. */
  runCycle(now: Date): Promise<TrainingCycleResult>;
  /** Finishes the cycle in flight, closes the trainer's connections and ends the thread. */
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 60_000;

/**
 * Starts the trainer in a worker thread of this process (see thread-main.ts) and resolves
 * once it is connected and recording features. A thread that dies is started again for the
 * next cycle; the cycles it had in flight fail with the reason.
 */
export async function startTrainerThread(data: TrainerThreadData, log: (line: string) => void): Promise<TrainerThread> {
  let worker: Promise<Worker> | undefined = spawn();
  let nextId = 0;
  const pending = new Map<number, { resolve(result: TrainingCycleResult): void; reject(error: Error): void }>();
  let stopped: (() => void) | undefined;

  function spawn(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      const w = new Worker(join(__dirname, 'thread-boot.cjs'), { workerData: data });
      let ready = false;
      w.on('message', (message: FromTrainerThread) => {
        switch (message.kind) {
          case 'ready':
            ready = true;
            resolve(w);
            break;
          case 'log':
            log(message.line);
            break;
          case 'result':
            pending.get(message.id)?.resolve(message.result);
            pending.delete(message.id);
            break;
          case 'failed':
            if (message.id === undefined) reject(new Error(`trainer thread did not start: ${message.message}`));
            else pending.get(message.id)?.reject(new Error(message.message));
            if (message.id !== undefined) pending.delete(message.id);
            break;
          case 'stopped':
            stopped?.();
            break;
        }
      });
      w.on('error', (error) => log(`trainer: thread failed (${error.message})`));
      w.on('exit', (code) => {
        if (!ready) reject(new Error(`trainer thread exited with code ${code} before it was ready`));
        for (const p of pending.values()) p.reject(new Error(`trainer thread exited with code ${code}`));
        pending.clear();
        if (!stopped) {
          log(`trainer: thread exited with code ${code}; a new one starts for the next cycle`);
          worker = undefined;
        }
      });
    });
  }

  await worker;
  const post = async (message: ToTrainerThread) => (await (worker ??= spawn())).postMessage(message);
  return {
    async runCycle(now) {
      const id = nextId++;
      const result = new Promise<TrainingCycleResult>((resolve, reject) => pending.set(id, { resolve, reject }));
      await post({ kind: 'cycle', id, now });
      return result;
    },
    async stop() {
      if (!worker) return;
      const w = await worker;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
        w.once('exit', () => resolve());
      });
      w.postMessage({ kind: 'stop' } satisfies ToTrainerThread);
      const timer = setTimeout(() => void w.terminate(), STOP_TIMEOUT_MS);
      await done;
      clearTimeout(timer);
      await w.terminate();
    },
  };
}
