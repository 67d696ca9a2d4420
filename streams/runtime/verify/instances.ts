import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A structured log line from an instance, as parsed from its stderr. */
export type InstanceEvent = Record<string, unknown>;

/**
 * Child processes running one TypeScript entry each (via tsx), so they can be SIGKILLed like a
 * crashed pod. Their stderr (JSON logs) goes to a file per instance and to `onEvent`.
 */
export class InstancePool {
  private readonly children = new Map<number, ChildProcess>();
  private readonly logs = new Map<number, WriteStream>();

  constructor(
    private readonly entry: string,
    private readonly argsFor: (instance: number) => string[],
    private readonly logDir: string,
    private readonly onEvent: (instance: number, event: InstanceEvent) => void,
  ) {}

  start(instance: number): void {
    if (this.children.has(instance)) throw new Error(`instance ${instance} is already running`);
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), this.entry, ...this.argsFor(instance)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = this.logs.get(instance);
    if (!log) {
      log = createWriteStream(join(this.logDir, `instance-${instance}.log`), { flags: 'a' });
      this.logs.set(instance, log);
    }
    const sink = log;
    createInterface({ input: child.stderr! }).on('line', (line) => {
      sink.write(`${line}\n`);
      try {
        this.onEvent(instance, JSON.parse(line) as InstanceEvent);
      } catch {
        this.onEvent(instance, { level: 'error', message: line });
      }
    });
    child.on('exit', () => {
      if (this.children.get(instance) === child) this.children.delete(instance);
    });
    this.children.set(instance, child);
  }

  running(): number[] {
    return [...this.children.keys()];
  }

  /** SIGKILL: no shutdown hooks, open transaction left hanging, like a crash. */
  async kill(instance: number): Promise<void> {
    await this.signal(instance, 'SIGKILL', 0);
  }

  /**
   * SIGSTOP for `ms`, then SIGCONT: a process frozen past its session timeout (a long GC, a
   * stalled VM) wakes up as a zombie, its partitions given to others, its transaction still open.
   */
  pause(instance: number, ms: number): Promise<void> {
    const child = this.children.get(instance);
    if (!child || child.exitCode !== null) return Promise.resolve();
    child.kill('SIGSTOP');
    return new Promise((resolve) =>
      setTimeout(() => {
        if (child.exitCode === null) child.kill('SIGCONT');
        resolve();
      }, ms),
    );
  }

  /** SIGTERM and wait for a graceful exit; SIGKILL after `graceMs`. */
  async stop(instance: number, graceMs = 30_000): Promise<void> {
    await this.signal(instance, 'SIGTERM', graceMs);
  }

  async stopAll(graceMs = 30_000): Promise<void> {
    await Promise.all(this.running().map((i) => this.stop(i, graceMs)));
    for (const log of this.logs.values()) log.end();
  }

  private async signal(instance: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.children.get(instance);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (signal === 'SIGKILL') return exited;
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
