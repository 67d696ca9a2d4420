import { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError } from 'kafkajs';
import { StreamError } from '../../../streams/runtime/errors';
import { testRetryOptions, withRetry } from '../../../streams/runtime/retry';

// kafkajs' typings leave out the constructors' arguments its own code passes.
const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error & { retriable: boolean };
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error & { retriable: boolean };
/** As kafkajs' retrier wraps an error it may not retry itself (retry/index.js). */
const wrapAsKafkajsRetrier = (e: Error) => new NonRetriable(e, { cause: e });

/** Calls until one succeeds, throwing `err` the first time: how many calls it took and the result. */
async function afterOneFailure(err: Error): Promise<{ result: string; calls: number }> {
  let calls = 0;
  const result = await withRetry(async () => {
    calls++;
    if (calls < 2) throw err;
    return 'committed';
  }, testRetryOptions);
  return { result, calls };
}

describe('withRetry', () => {
  it('retries retriable errors with growing backoff until success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new StreamError('broker busy', { retriable: true });
        return 'ok';
      },
      { retries: 5, initialDelayMs: 10, random: () => 0.999, sleep: async (ms) => void delays.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
  });

  it("retries kafkajs' final error for a broker that is away (no group coordinator during a restart), as kafkajs itself raises it", async () => {
    const spent = new CoordinatorNotFound('Failed to find group coordinator');
    expect(spent.retriable).toBe(false);
    expect(await afterOneFailure(spent)).toEqual({ result: 'committed', calls: 2 });
  });

  it("retries the same error wrapped by kafkajs' retrier as the cause of a KafkaJSNonRetriableError, and no other wrapped error", async () => {
    const wrapped = wrapAsKafkajsRetrier(new CoordinatorNotFound('Failed to find group coordinator'));
    expect(wrapped.retriable).toBe(false);
    expect(await afterOneFailure(wrapped)).toEqual({ result: 'committed', calls: 2 });
    let calls = 0;
    const other = wrapAsKafkajsRetrier(new TypeError('bad record'));
    await expect(withRetry(async () => {
      calls++;
      throw other;
    }, testRetryOptions)).rejects.toBe(other);
    expect(calls).toBe(1);
  });

  it('never retries a programmer error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw new TypeError('undefined is not a function');
      }, testRetryOptions),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });

  it('gives up after the configured retries and rethrows the last error with its cause', async () => {
    let calls = 0;
    const cause = new Error('socket closed');
    const err = await withRetry(async () => {
      calls++;
      throw new StreamError('send failed', { retriable: true, cause });
    }, testRetryOptions).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect((err as StreamError).cause).toBe(cause);
  });
});
