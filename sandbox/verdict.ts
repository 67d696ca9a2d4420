import type { Limits } from './limits';

/** The meter's JSON report (sandbox/meter.c). Times in µs, memory in KB, all from the kernel. */
export interface MeterReport {
  marked: boolean;
  killed_by: '' | 'cpu' | 'memory' | 'wall' | 'startup';
  exit_code: number;
  signal: number;
  ru_utime_us: number;
  ru_stime_us: number;
  ru_maxrss_kb: number;
  mark_utime_us: number;
  mark_stime_us: number;
  /** All threads' CPU at the mark, to the µs (the utime/stime pair above is in 10 ms ticks). */
  mark_cpu_us: number;
  mark_rss_kb: number;
  peak_sampled_kb: number;
  io_read_bytes: number;
  io_write_bytes: number;
  startup_us: number;
  wall_us: number;
}

export type ExecutionStatus = 'OK' | 'ERROR' | 'TIMEOUT' | 'OOM';

/** What one job really used, counted from the start of its own code. */
export interface Usage {
  cpu_ms: number;
  cpu_user_ms: number;
  cpu_sys_ms: number;
  peak_memory_mb: number;
  io_read_bytes: number;
  io_write_bytes: number;
  wall_ms: number;
}

export interface Verdict {
  status: ExecutionStatus;
  /** Why the status is not OK; absent when it is. */
  reason?: string;
}

const SIGKILL = 9;
const SIGXCPU = 24;
const SIGXFSZ = 25;

const outOfMemory = /heap out of memory|Reached heap limit|Fatal process out of memory|allocation failed|Cannot allocate memory|ENOMEM/i;

/** The job's own usage: the kernel's totals at exit minus what the runtime had used at the start mark. */
export function usageOf(report: MeterReport): Usage {
  // The precise total at the mark is split into user and system by the coarse tick ratio.
  const ticks = report.mark_utime_us + report.mark_stime_us;
  const userShare = ticks > 0 ? report.mark_utime_us / ticks : 1;
  const user = Math.max(0, report.ru_utime_us - report.mark_cpu_us * userShare) / 1000;
  const sys = Math.max(0, report.ru_stime_us - report.mark_cpu_us * (1 - userShare)) / 1000;
  const peakKb = Math.max(report.ru_maxrss_kb, report.peak_sampled_kb);
  return {
    cpu_ms: round(user + sys),
    cpu_user_ms: round(user),
    cpu_sys_ms: round(sys),
    peak_memory_mb: report.marked ? round(Math.max(0, peakKb - report.mark_rss_kb) / 1024) : 0,
    io_read_bytes: Math.max(0, report.io_read_bytes),
    io_write_bytes: Math.max(0, report.io_write_bytes),
    wall_ms: round(report.wall_us / 1000),
  };
}

/**
 * Classifies a finished job. Limits enforced by the meter are certain; an error the runtime
 * printed (stderr) only names the reason, since the program controls its own stderr and could
 * forge text there but never the exit status or the measurements.
 */
export function verdictOf(report: MeterReport, limits: Limits, stderr: string): Verdict {
  if (!report.marked) {
    if (report.killed_by === 'startup') return { status: 'ERROR', reason: 'sandbox: the runtime did not start in time' };
    return { status: 'ERROR', reason: `sandbox: the runtime failed to start${tail(stderr)}` };
  }
  switch (report.killed_by) {
    case 'cpu': return { status: 'TIMEOUT', reason: `CPU time limit of ${limits.cpuMs} ms exceeded` };
    case 'wall': return { status: 'TIMEOUT', reason: `wall time limit of ${limits.wallMs} ms exceeded` };
    case 'memory': return { status: 'OOM', reason: `memory limit of ${limits.memoryMb} MB exceeded` };
    default: break;
  }
  if (report.signal === SIGXCPU) return { status: 'TIMEOUT', reason: 'CPU time limit exceeded (kernel rlimit)' };
  if (report.signal === SIGXFSZ) return { status: 'ERROR', reason: 'file writes are denied in the sandbox' };
  if (outOfMemory.test(stderr)) return { status: 'OOM', reason: `out of memory: ${firstError(stderr) ?? 'allocation failed'}` };
  if (report.signal === SIGKILL) return { status: 'ERROR', reason: 'killed (SIGKILL)' };
  if (report.signal !== 0) return { status: 'ERROR', reason: `terminated by signal ${report.signal}` };
  if (report.exit_code !== 0) {
    return { status: 'ERROR', reason: `${firstError(stderr) ?? `exited with code ${report.exit_code}`}${deniedPermission(stderr)}` };
  }
  return { status: 'OK' };
}

/** The line that names the thrown error in a Node crash report, e.g. "Error [ERR_ACCESS_DENIED]: ...". */
function firstError(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const named = lines.find((l) => /^(Uncaught )?([A-Z]\w*)?(Error|Exception)\b.*:/.test(l) || /^(FATAL ERROR|Fatal process)/.test(l));
  return (named ?? lines.find((l) => !l.startsWith('at ') && !/^\S+:\d+$/.test(l) && l !== '^'))?.slice(0, 300);
}

/** Node's permission errors carry the permission and resource on their own lines: name them. */
function deniedPermission(stderr: string): string {
  const permission = /permission: '(\w+)'/.exec(stderr)?.[1];
  if (!permission) return '';
  const resource = /resource: '([^']*)'/.exec(stderr)?.[1];
  return ` (${permission}${resource ? ` ${resource}` : ''} denied)`;
}

function tail(stderr: string): string {
  const last = stderr.trim().split('\n').slice(-1)[0];
  return last ? `: ${last.slice(0, 300)}` : '';
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
