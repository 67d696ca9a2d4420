import { KafkaJSGroupCoordinatorNotFound } from 'kafkajs';
import { StreamError } from '../../../streams/runtime/errors';
import { testRetryOptions, withRetry } from '../../../streams/runtime/retry';

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
    // kafkajs' typings leave out the constructor's message, which its cluster code passes.
    const CoordinatorNotFound = KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error & { retriable: boolean };
    const spent = new CoordinatorNotFound('Failed to find group coordinator');
    expect(spent.retriable).toBe(false);
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 2) throw spent;
      return 'committed';
    }, testRetryOptions);
    expect(result).toBe('committed');
    expect(calls).toBe(2);
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
