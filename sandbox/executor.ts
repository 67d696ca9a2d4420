/*
 * The sandboxed executor: runs one submitted JavaScript (or TypeScript, compiled first) program
 * and reports what it really used.
 *
 * Mechanism, and why:
 * - One child process per job. A crash, an OOM kill or a runaway loop ends that process only;
 *   the executor and other jobs keep running.
 * - Confinement in layers, each enforced outside the program's reach:
 *   Node's permission model (--experimental-permission) denies the file system except the
 *   job's own directory (read only), child processes, worker threads and native addons; the
 *   kernel does the rest, which the permission model does not cover: a fresh network namespace
 *   (no usable interface: every socket fails), a private unprivileged uid (cannot signal or read
 *   other jobs, the executor, or root-owned files), an empty environment (and the bootstrap makes
 *   reading process.env throw), rlimits as backstops (CPU seconds, address space, no file writes).
 * - Measurement by a trusted native meter (sandbox/meter.c) that is the program's parent:
 *   CPU user/system and peak RSS from wait4() rusage at exit, I/O bytes from /proc/<pid>/io read
 *   on the zombie, start-up subtracted at the mark the bootstrap writes just before user code
 *   runs. The program cannot forge any of it: it only ever sees its own process.
 * - Limits enforced by that meter polling /proc every 2 ms (CPU from /proc/<pid>/stat, RSS from
 *   /proc/<pid>/statm, wall time from a monotonic clock), SIGKILL on breach; V8's heap limit
 *   and RLIMIT_CPU/RLIMIT_AS behind it in case the meter itself were starved.
 * Considered: isolated-vm (in-process isolates: cheap starts, but CPU and heap figures come from
 * V8 rather than the OS, no I/O accounting, and a 3.5-minute native build); cgroups (exact
 * memory enforcement, but the hierarchy on this host belongs to the host's supervisor and is
 * cgroup v1 with no delegated subtree: rlimits plus polling need no host configuration).
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLimits, type Limits } from './limits';
import { createTranspiler, type Transpiler } from './transpile';
import { meterBinary } from './meter-binary';
import { usageOf, verdictOf, type MeterReport, type Usage, type Verdict } from './verdict';

export interface ExecutionResult extends Verdict, Usage {
  /** Time the runtime took to reach user code (not part of the job's usage). */
  startup_ms: number;
  exit_code: number;
  signal: number;
  /** The program's output, cut at the executor's capture limit. */
  stdout: string;
  stderr: string;
}

export interface Job {
  code: string;
  /** ES module (import/export syntax) rather than CommonJS script. Default false. */
  module?: boolean;
  /**
   * TypeScript: compiled to CommonJS JavaScript (types erased, not checked) before it runs,
   * outside the sandbox and its measurements (sandbox/transpile.ts). Code that does not compile
   * ends as an ERROR that used nothing, with the compiler's messages. Default false.
   */
  typescript?: boolean;
  limits?: Partial<Limits>;
}

export interface ExecutorOptions {
  /** Node binary that runs programs. Default: the one running the executor. */
  nodePath?: string;
  /** Bytes of stdout and of stderr kept per job. Default 64 KiB. */
  captureBytes?: number;
  /** Time allowed for the runtime to reach user code. Default 10 000 ms. */
  startupMs?: number;
  /** Where job directories are created. Default: the OS temp dir. */
  workDir?: string;
  /** Compiles TypeScript jobs. Default: a transpiler of this executor's own, started at the first one. */
  transpiler?: Transpiler;
}

export interface Executor {
  run(job: Job): Promise<ExecutionResult>;
}

const bootstrapSource = join(__dirname, 'bootstrap.cjs');

export function createExecutor({
  nodePath = process.execPath,
  captureBytes = 64 * 1024,
  startupMs = 10_000,
  workDir = tmpdir(),
  transpiler,
}: ExecutorOptions = {}): Executor {
  if (!Number.isInteger(captureBytes) || captureBytes < 0) throw new RangeError('captureBytes must be a non-negative integer');
  if (!Number.isInteger(startupMs) || startupMs <= 0) throw new RangeError('startupMs must be a positive integer');

  return {
    async run(job) {
      const limits = resolveLimits(job.limits);
      let code = job.code;
      if (job.typescript) {
        const compiled = await (transpiler ??= createTranspiler()).transpile(code);
        if (!compiled.ok) return notCompiled(compiled.reason);
        code = compiled.js;
      }
      const meter = await meterBinary();
      const dir = await mkdtemp(join(workDir, 'prm-job-'));
      try {
        const entry = join(dir, job.module ? 'program.mjs' : 'program.cjs');
        const bootstrap = join(dir, 'bootstrap.cjs');
        await writeFile(entry, code, { mode: 0o644 });
        await copyFile(bootstrapSource, bootstrap);
        await chmod(bootstrap, 0o644);
        // The program runs under its own uid: it must be able to read (only) this directory.
        await chmod(dir, 0o755);
        const args = [
          String(limits.cpuMs), String(limits.memoryMb), String(limits.wallMs), String(startupMs),
          String(addressSpaceMb(limits.memoryMb)), '--',
          nodePath,
          '--experimental-permission', `--allow-fs-read=${dir}/`, '--no-addons',
          '--disable-warning=ExperimentalWarning', `--max-old-space-size=${Math.max(16, limits.memoryMb)}`,
          bootstrap, entry,
        ];
        const outcome = await supervise(meter, args, captureBytes, limits.wallMs + startupMs + 10_000);
        return {
          ...verdictOf(outcome.report, limits, outcome.stderr),
          ...usageOf(outcome.report),
          startup_ms: Math.round(outcome.report.startup_us / 1000),
          exit_code: outcome.report.exit_code,
          signal: outcome.report.signal,
          stdout: outcome.stdout,
          stderr: outcome.stderr,
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A TypeScript job that did not compile: it never started, so it used nothing. */
function notCompiled(reason: string): ExecutionResult {
  return {
    status: 'ERROR', reason: `does not compile: ${reason}`,
    cpu_ms: 0, cpu_user_ms: 0, cpu_sys_ms: 0, peak_memory_mb: 0, io_read_bytes: 0, io_write_bytes: 0, wall_ms: 0,
    startup_ms: 0, exit_code: 1, signal: 0, stdout: '', stderr: `${reason}\n`,
  };
}

/** V8 reserves far more address space than it touches; this only stops absurd reservations. */
function addressSpaceMb(memoryMb: number): number {
  return 4096 + 2 * memoryMb;
}

interface Outcome {
  report: MeterReport;
  stdout: string;
  stderr: string;
}

function supervise(meter: string, args: string[], captureBytes: number, deadlineMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(meter, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env: {} });
    const stdout = capture(child.stdout!, captureBytes);
    const stderr = capture(child.stderr!, captureBytes);
    const report = capture(child.stdio[3] as NodeJS.ReadableStream, 64 * 1024);
    // The meter enforces every limit itself; this guard only covers a meter that hangs.
    const guard = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.on('error', (err) => {
      clearTimeout(guard);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(guard);
      const line = report.text().trim();
      if (code !== 0 || !line) {
        reject(new Error(`sandbox meter failed (exit ${code}): ${stderr.text().trim().slice(-500)}`));
        return;
      }
      resolve({ report: JSON.parse(line) as MeterReport, stdout: stdout.text(), stderr: stderr.text() });
    });
  });
}

function capture(stream: NodeJS.ReadableStream, limit: number): { text(): string } {
  const chunks: Buffer[] = [];
  let kept = 0;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= limit) return;
    const part = chunk.subarray(0, limit - kept);
    chunks.push(part);
    kept += part.length;
  });
  return { text: () => Buffer.concat(chunks).toString('utf8') };
}
