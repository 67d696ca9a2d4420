import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { RUN_PRESUMED_LOST } from '../processors/scheduler';
import { processorNodeFlags } from '../runtime/node-flags';

const prmEntry = join(__dirname, '..', '..', 'cli', 'prm.cjs');
const heapProbe = join(__dirname, 'heap-probe.ts');
/** The scheduler's log line for a run presumed lost (a JSON line, see streams/runtime/logger.ts). */
const presumedLostMark = `"message":${JSON.stringify(RUN_PRESUMED_LOST)}`;

/** What `prm run` needs besides the processor: the same for every process of one run. */
export interface RunFlags {
  app: string;
  topicPrefix: string;
  pool: string;
  /** Extra `prm run` flags (the pool's shape). */
  extra: string[];
}

export interface ProcessorSample {
  rssBytes: number;
  /** From the heap probe, when the process has reported one (see heap-probe.ts). */
  heap?: HeapProbe;
}

/** A heap probe's line, in bytes (see heap-probe.ts). */
export interface HeapProbe {
  /** The V8 heap in use, garbage included. */
  heapUsed: number;
  /** The V8 heap's committed size, the nursery included. */
  heapTotal: number;
  /** The V8 heap in use after the latest full collection; null before the first. */
  liveAfterFullGc: number | null;
  nursery: number;
  /** Outside the V8 heap: Buffers, ArrayBuffers. */
  external: number;
}

export interface UnexpectedExit {
  name: string;
  /** Wall ms. */
  at: number;
  why: string;
}

/** `predictor+scheduler` runs both processors fused; any other type is one processor. */
function processorFlags(type: string): string[] {
  return type.includes('+') ? ['--processors', type.split('+').join(','), '--fuse', type] : ['--processors', type];
}

/**
 * A process' instance id, the same after a restart, as a StatefulSet would give it: the restarted
 * process aborts what the killed one left open and removes its members from their groups (see
 * `prm run --instance-id`).
 */
function instanceIdOf(type: string): string {
  return type.replace(/\+/g, '-');
}

/**
 * One `prm run --processors <name>` child process per processor type, as an operator would run
 * them, so a SIGKILL hits exactly one type. Each child's stderr goes to `<logDir>/<name>.log`.
 */
export class ProcessorProcesses {
  private readonly children = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, WriteStream>();
  private readonly ready = new Map<string, boolean>();
  private readonly heap = new Map<string, HeapProbe>();
  private readonly exits: UnexpectedExit[] = [];
  private stopping = false;

  constructor(
    private readonly flags: RunFlags,
    private readonly logDir: string,
    private readonly say: (line: string) => void,
    /** Load the heap probe into each child (the soak's memory samples). */
    private readonly probeHeap = false,
  ) {
    // However the driver ends (an error, Ctrl-C via process.exit), no processor outlives it.
    process.once('exit', () => {
      for (const child of this.children.values()) child.kill('SIGKILL');
    });
  }

  start(name: string): void {
    if (this.children.has(name)) throw new Error(`${name} is already running`);
    const { app, topicPrefix, pool, extra } = this.flags;
    // Each processor runs as a deployment should run it (processorNodeFlags), so the soak's memory
    // and the faults' recoveries are the recommended setup's.
    const preload = [...processorNodeFlags(), '--require', require.resolve('tsx/cjs'), ...(this.probeHeap ? ['--require', heapProbe] : [])];
    const args = [...preload, prmEntry, 'run', ...processorFlags(name), '--app', app, '--topic-prefix', topicPrefix, '--pool', pool, '--simulate-pool', '--instance-id', instanceIdOf(name), ...extra];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    let log = this.logs.get(name);
    if (!log) {
      log = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
      this.logs.set(name, log);
    }
    const sink = log;
    this.ready.set(name, false);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.startsWith('prm run: running')) this.ready.set(name, true);
      if (line.includes(presumedLostMark)) this.presumedLost.push((JSON.parse(line) as { requestId: string }).requestId);
      if (line.startsWith('{"event":"heap"')) {
        this.heap.set(name, JSON.parse(line) as HeapProbe);
        return;
      }
      sink.write(`${line}\n`);
    });
    child.on('exit', (code, signal) => {
      if (this.children.get(name) !== child) return;
      this.children.delete(name);
      if (this.stopping || signal === 'SIGKILL' || signal === 'SIGTERM') return;
      const why = `${name} exited by itself (code ${code}, signal ${signal})`;
      this.exits.push({ name, at: Date.now(), why });
      // As a supervisor would (systemd Restart=always, a Kubernetes pod): the run goes on and the
      // exit is reported, since a processor that gives up is a finding in itself.
      this.say(`${why}; restarting it (log ${join(this.logDir, `${name}.log`)})`);
      setTimeout(() => {
        if (!this.stopping && !this.children.has(name)) this.start(name);
      }, 1000);
    });
    this.children.set(name, child);
  }

  /**
   * Runs the scheduler presumed lost (its lease ran out without their telemetry), by request id.
   * In the suite none is lost (the simulated pool restores its runs), so any is a lease that ran
   * out too early: its room was handed out twice.
   */
  readonly presumedLost: string[] = [];

  /** Processes that ended without being told to, each restarted a second later. */
  get unexpectedExits(): readonly UnexpectedExit[] {
    return this.exits;
  }

  isReady(name: string): boolean {
    return this.ready.get(name) === true;
  }

  async waitReady(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!names.every((n) => this.isReady(n))) {
      const dead = names.filter((n) => !this.children.has(n));
      if (dead.length > 0) throw new Error(`${dead.join(', ')} exited while starting; logs in ${this.logDir}`);
      if (Date.now() > deadline) throw new Error(`${names.filter((n) => !this.isReady(n)).join(', ')} not running after ${timeoutMs / 1000} s; logs in ${this.logDir}`);
      await sleep(100);
    }
  }

  /** SIGKILL: no shutdown hooks, the open transaction left hanging, like a crashed pod. */
  async kill(name: string): Promise<void> {
    await this.signal(name, 'SIGKILL', 0);
  }

  async stopAll(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.keys()].map((n) => this.signal(n, 'SIGTERM', graceMs)));
    for (const log of this.logs.values()) log.end();
  }

  /** Resident memory from /proc (the whole process: V8 heap, TensorFlow, buffers). */
  sample(name: string): ProcessorSample | undefined {
    const pid = this.children.get(name)?.pid;
    if (pid === undefined) return undefined;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
      return { rssBytes: kib * 1024, heap: this.heap.get(name) };
    } catch {
      return undefined;
    }
  }

  private async signal(name: string, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
