import { isTransientDatabaseError } from './errors';

/** How a database operation is retried. Defaults suit a live sink: stall, never drop. */
export interface RetryOptions {
  /** First delay in ms. Default 100. */
  initialDelayMs?: number;
  /** Delay cap in ms. Default 5000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Attempts in total before giving up. Default Infinity: a sink waits for its database. */
  maxAttempts?: number;
  /** Aborting stops the waiting (shutdown); the last error is thrown. */
  signal?: AbortSignal;
  /** Which errors are retried. Default {@link isTransientDatabaseError}. */
  retriable?: (error: unknown) => boolean;
  /** Told before every wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Jitter source in [0, 1). Default Math.random; tests inject a fixed one. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Runs `operation` until it succeeds, retrying retriable failures with jittered exponential backoff. */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    initialDelayMs = 100,
    maxDelayMs = 5000,
    factor = 2,
    maxAttempts = Number.POSITIVE_INFINITY,
    signal,
    retriable = isTransientDatabaseError,
    onRetry,
    random = Math.random,
    sleep = abortableSleep,
  } = options;
  if (!(initialDelayMs >= 0 && maxDelayMs >= initialDelayMs && factor >= 1 && maxAttempts >= 1)) {
    throw new RangeError(`invalid retry options: initialDelayMs ${initialDelayMs}, maxDelayMs ${maxDelayMs}, factor ${factor}, maxAttempts ${maxAttempts}`);
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !retriable(error) || signal?.aborted) throw error;
      const delayMs = backoffDelay(attempt, initialDelayMs, maxDelayMs, factor, random());
      onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, signal);
      if (signal?.aborted) throw error;
    }
  }
}

/** Exponential delay for `attempt` (1-based), capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number, factor: number, unit: number): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * unit);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
