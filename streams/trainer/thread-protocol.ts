import type { TrainingCycleResult } from './cycle';
import type { TrainerServiceOptions } from './service';

/** What the trainer thread is started with (structured-cloneable: no functions). */
export type TrainerThreadData = Omit<TrainerServiceOptions, 'log'>;

export type ToTrainerThread = { kind: 'cycle'; id: number; now: Date } | { kind: 'stop' };

export type FromTrainerThread =
  | { kind: 'ready' }
  | { kind: 'log'; line: string }
  | { kind: 'result'; id: number; result: TrainingCycleResult }
  | { kind: 'failed'; id?: number; message: string }
  | { kind: 'stopped' };
