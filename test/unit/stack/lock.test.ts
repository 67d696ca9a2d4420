import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackStartError } from '../../../stack/errors';
import { withStackLock } from '../../../stack/lock';

const dir = () => mkdtempSync(join(tmpdir(), 'prm-lock-'));

describe('withStackLock', () => {
  it('runs one holder at a time and releases the lock after', async () => {
    const stackDir = dir();
    const order: string[] = [];
    const job = (name: string) =>
      withStackLock(stackDir, 5000, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name} out`);
      });
    await Promise.all([job('a'), job('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(existsSync(join(stackDir, 'stack.lock'))).toBe(false);
  });

  it('takes over a lock whose holder is dead', async () => {
    const stackDir = dir();
    // pid 2^22+1 is above Linux's pid_max default range, so no such process.
    writeFileSync(join(stackDir, 'stack.lock'), String(4194305));
    await expect(withStackLock(stackDir, 1000, async () => 'ran')).resolves.toBe('ran');
  });

  it('gives up with one line naming a live holder', async () => {
    const stackDir = dir();
    writeFileSync(join(stackDir, 'stack.lock'), String(process.ppid));
    await expect(withStackLock(stackDir, 300, async () => 'ran')).rejects.toThrow(StackStartError);
    await expect(withStackLock(stackDir, 300, async () => 'ran')).rejects.toThrow(`another 'prm stack' (pid ${process.ppid}) still holds`);
  });
});
