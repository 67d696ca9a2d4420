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
