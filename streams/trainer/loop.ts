import type { TrainingCycleResult } from './cycle';

export interface TrainingLoopOptions {
  /** Time between the end of one cycle and the start of the next. */
  everyMs: number;
  /** The cycle's `now` (window end and training time); undefined while that time has not begun (a replay starting), and the cycle waits for the next turn. Default: the wall clock. */
  now?: () => Date | undefined;
  onCycle?: (result: TrainingCycleResult) => void;
  /** A failed cycle is reported here and the next one runs on schedule. */
  onError?: (error: Error) => void;
}

export interface TrainingLoop {
  /** Stops scheduling; resolves after a cycle in flight has finished. */
  stop(): Promise<void>;
}

/**
 * Runs a training cycle now and then every `everyMs` after the previous one finished (cycles
 * never overlap). `runCycle` is runTrainingCycle in this thread, or a trainer thread's.
 */
export function startTrainingLoop(runCycle: (now: Date) => Promise<TrainingCycleResult>, o: TrainingLoopOptions): TrainingLoop {
  if (!(o.everyMs > 0)) throw new RangeError(`everyMs must be positive, got ${o.everyMs}`);
  const now = o.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const cycle = () => {
    const at = now();
    inFlight = (at === undefined ? Promise.resolve(undefined) : runCycle(at))
      .then((result) => result && o.onCycle?.(result), (error: unknown) => o.onError?.(error instanceof Error ? error : new Error(String(error))))
      .finally(() => {
        if (!stopped) timer = setTimeout(cycle, o.everyMs);
      });
  };
  cycle();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
