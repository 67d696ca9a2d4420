import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StackStartError } from './errors';
import { isAlive, sleep } from './process';

/**
 * Serialises `stack up` and `stack down`: several test runs may start at once, and two of them
 * starting Kafka on the same data directory would corrupt it. The lock is a file holding the
 * holder's pid; a lock whose holder died is taken over.
 */
export async function withStackLock<T>(stackDir: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  mkdirSync(stackDir, { recursive: true });
  const file = join(stackDir, 'stack.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSafe(file));
      // An empty file is a holder between creating it and writing its pid: wait, unless that
      // was long ago (it died in between).
      const justCreated = holder === 0 && Date.now() - mtimeMs(file) < 5000;
      if (!justCreated && (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder))) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new StackStartError(`another 'prm stack' (pid ${holder || 'unknown'}) still holds ${file}`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
