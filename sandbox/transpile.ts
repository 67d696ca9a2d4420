import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type TranspileResult = { ok: true; js: string } | { ok: false; reason: string };

export interface TranspilerOptions {
  /** Time one program may take to compile (the compiler's own start-up aside); past it the worker is replaced. Default 10 000 ms. */
  timeoutMs?: number;
  /** Heap of the compiler's worker thread, in MB: a program that needs more fails to compile. Default 512. */
  maxHeapMb?: number;
}

export interface Transpiler {
  /** The program as CommonJS JavaScript with its types erased, or why it does not compile (its syntax). */
  transpile(code: string): Promise<TranspileResult>;
  /** Ends the worker thread; a later transpile starts another. */
  close(): Promise<void>;
}

const workerSource = join(__dirname, 'transpile-worker.cjs');

/**
 * TypeScript to JavaScript for the sandbox, as `tsc --isolatedModules` emits it: a trusted step
 * outside the sandbox (the compiler must not count in the job's measured usage, nor sit in its
 * memory limit), so it runs in a worker thread whose time and heap are bounded here. Programs
 * compile one at a time, in order; a worker that runs out of time or heap is replaced.
 */
export function createTranspiler({ timeoutMs = 10_000, maxHeapMb = 512 }: TranspilerOptions = {}): Transpiler {
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  if (!Number.isInteger(maxHeapMb) || maxHeapMb < 16) throw new RangeError(`maxHeapMb must be an integer of at least 16, got ${maxHeapMb}`);
  let worker: { thread: Worker; ready: Promise<void> } | undefined;
  let nextId = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const spawn = () => {
    const thread = new Worker(workerSource, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    // An idle compiler must not keep the executor's process alive.
    thread.unref();
    const ready = new Promise<void>((resolve, reject) => {
      thread.once('message', () => resolve());
      thread.once('error', reject);
      thread.once('exit', (code) => reject(new Error(`its worker exited with code ${code}`)));
    });
    // A worker that died between programs is not handed the next one.
    thread.once('exit', () => {
      if (worker?.thread === thread) worker = undefined;
    });
    return { thread, ready };
  };

  const replace = (w: { thread: Worker }) => {
    if (worker !== w) return;
    worker = undefined;
    void w.thread.terminate();
  };

  const compile = async (code: string): Promise<TranspileResult> => {
    const w = (worker ??= spawn());
    try {
      await w.ready;
    } catch (err) {
      replace(w);
      return { ok: false, reason: `the TypeScript compiler did not start: ${(err as Error).message}` };
    }
    const id = nextId++;
    return new Promise<TranspileResult>((resolve) => {
      const { thread } = w;
      const settle = (result: TranspileResult, failed: boolean) => {
        clearTimeout(timer);
        thread.off('message', onMessage);
        thread.off('error', onError);
        thread.off('exit', onExit);
        if (failed) replace(w);
        resolve(result);
      };
      const onMessage = (m: { id: number } & TranspileResult) => {
        if (m.id === id) settle(m.ok ? { ok: true, js: m.js } : { ok: false, reason: m.reason }, false);
      };
      // Out of heap: the worker dies with ERR_WORKER_OUT_OF_MEMORY.
      const onError = (err: Error) => settle({ ok: false, reason: `the TypeScript compiler failed on the program: ${err.message}` }, true);
      const onExit = () => settle({ ok: false, reason: 'the TypeScript compiler stopped before the program compiled' }, true);
      const timer = setTimeout(() => settle({ ok: false, reason: `the program did not compile within ${timeoutMs} ms` }, true), timeoutMs);
      thread.on('message', onMessage);
      thread.on('error', onError);
      thread.on('exit', onExit);
      thread.postMessage({ id, code });
    });
  };

  return {
    transpile(code) {
      const result = queue.then(() => compile(code));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      const w = worker;
      worker = undefined;
      await w?.thread.terminate();
    },
  };
}
