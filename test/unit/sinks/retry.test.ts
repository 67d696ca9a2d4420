import { backoffDelay, retry } from '../../../sinks/retry';
import { isTransientDatabaseError } from '../../../sinks/errors';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isTransientDatabaseError', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED')],
    ['connection reset', withCode('ECONNRESET')],
    ['admin shutdown', withCode('57P01', 'terminating connection due to administrator command')],
    ['server starting up', withCode('57P03')],
    ['class 08 connection failure', withCode('08006')],
    ['too many connections (the embedded queue refusal)', withCode('53300')],
    ['serialization failure', withCode('40001')],
    ['pg connection terminated', new Error('Connection terminated unexpectedly')],
    ['every address refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
  ])('retries %s', (_label, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('42601')],
    ['a unique violation', withCode('23505')],
    ['an undefined table', withCode('42P01')],
    ['a programming error', new TypeError('cannot read properties of undefined')],
    ['a non-error', 'ECONNREFUSED'],
    ['a plain object without a code', { message: 'bad' }],
  ])('does not retry %s', (_label, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
});

describe('retry', () => {
  const noSleep = { sleep: async () => undefined, random: () => 0.5 };

  it('retries retriable failures until the operation succeeds, reporting each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async (attempt) => {
        calls += 1;
        if (attempt < 4) throw withCode('ECONNREFUSED');
        return 'committed';
      },
      { ...noSleep, initialDelayMs: 100, onRetry: (_e, _a, delay) => waits.push(delay) },
    );
    expect(result).toBe('committed');
    expect(calls).toBe(4);
    expect(waits).toEqual([75, 150, 300]);
  });

  it('rethrows a non-retriable error at once', async () => {
    let calls = 0;
    const failing = retry(async () => {
      calls += 1;
      throw withCode('23505', 'duplicate key');
    }, noSleep);
    await expect(failing).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let calls = 0;
    const failing = retry(async () => {
      calls += 1;
      throw withCode('ECONNRESET', `reset ${calls}`);
    }, { ...noSleep, maxAttempts: 3 });
    await expect(failing).rejects.toThrow('reset 3');
    expect(calls).toBe(3);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const failing = retry(async () => {
      calls += 1;
      if (calls === 2) controller.abort();
      throw withCode('ECONNREFUSED');
    }, { ...noSleep, signal: controller.signal });
    await expect(failing).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(calls).toBe(2);
  });

  it('rejects nonsensical options', async () => {
    await expect(retry(async () => 1, { initialDelayMs: 10, maxDelayMs: 5 })).rejects.toThrow(RangeError);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and keeps at least half of the ceiling', () => {
    expect(backoffDelay(1, 100, 5000, 2, 0)).toBe(50);
    expect(backoffDelay(1, 100, 5000, 2, 1)).toBe(100);
    expect(backoffDelay(3, 100, 5000, 2, 1)).toBe(400);
    expect(backoffDelay(20, 100, 5000, 2, 0)).toBe(2500);
    expect(backoffDelay(20, 100, 5000, 2, 1)).toBe(5000);
  });
});
