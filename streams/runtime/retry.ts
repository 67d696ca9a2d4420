import { isRetriable } from './errors';

export interface RetryOptions {
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** First backoff in ms. Default 100. */
  initialDelayMs?: number;
  /** Backoff ceiling in ms. Default 5000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Full jitter source in [0, 1); injected so tests are deterministic. Default Math.random. */
  random?: () => number;
  /** How to wait; tests pass an instant sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about each failed attempt that will be retried. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Fast settings for tests: same policy, millisecond waits. */
export const testRetryOptions: RetryOptions = { retries: 3, initialDelayMs: 1, maxDelayMs: 5 };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one retrier: runs `fn`, and on an error that says it is retriable waits with exponential
 * backoff and jitter and tries again. Anything else (programmer errors, fencing, bad data) is
 * rethrown at once, because repeating it cannot succeed.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { retries = 5, initialDelayMs = 100, maxDelayMs = 5000, factor = 2, random = Math.random, sleep = realSleep } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetriable(err) || attempt >= retries) throw err;
      const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
      const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
