import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A service process started by the stack: it outlives the CLI that started it. */
export interface Detached {
  pid: number;
  /** Resolves with the exit code if the process ends while this CLI is still watching. */
  exited: Promise<number | null>;
}

/** Bytes in a log now, so that a new run's failure is read from where that run began. */
export function logSize(logFile: string): number {
  return existsSync(logFile) ? statSync(logFile).size : 0;
}

/**
 * Starts `command args` in its own process group with stdout and stderr appended to `logFile`,
 * so the service survives the CLI exiting and `down` can signal the whole group.
 */
export function startDetached(command: string, args: string[], logFile: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Detached {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}: see ${logFile}`);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is still the process the stack started: pids are reused, so a pid file alone
 * could make `down` signal a stranger. The command line must contain `marker` (a path of ours).
 */
export function isOurs(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** SIGTERM to the process group, then SIGKILL if it is still there after `timeoutMs`. Returns how it ended. */
export async function stopProcess(pid: number, timeoutMs: number): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isAlive(pid)) return 'not running';
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(200);
  }
  signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Not a group leader (or already gone): signal the process alone.
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * The line of a log that best names why a service died: the last exception or error message
 * (the root cause of a Java "Caused by" chain comes last), not a stack frame; else the last line.
 * `fromByte` skips what earlier runs appended to the same log.
 */
export function causeFromLog(logFile: string, fromByte = 0): string {
  if (!existsSync(logFile)) return '';
  const lines = readFileSync(logFile).subarray(fromByte).toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => !l.startsWith('at ') && /(Exception|Error)\b|\b(ERROR|FATAL)\b/.test(l));
  return errors.at(-1) ?? lines.at(-1) ?? '';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
