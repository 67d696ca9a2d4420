import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { stackDir } from '../../stack/endpoints';
import { readState } from '../../stack/state';

/**
 * Where a span's CPU went on this machine, so a throughput ratio can be told apart from the
 * machine it ran on: the bench's processes share the cores with the broker, and on a virtual
 * machine the host can take some of them (steal). Linux only: elsewhere the machine and broker
 * figures are null.
 */
export interface CpuSpan {
  wallSeconds: number;
  cpus: number;
  /** CPU seconds all cores ran anything (user, system, interrupts), over the span. */
  machineBusySeconds: number | null;
  /** CPU seconds the hypervisor ran something else while this machine wanted to run. */
  stealSeconds: number | null;
  /** CPU seconds of the local stack's broker process; null if the broker is not the local stack's. */
  brokerSeconds: number | null;
  /** CPU seconds of this process (it publishes the requests and reads the outputs). */
  harnessSeconds: number;
}

export interface CpuAccount {
  end(): CpuSpan;
}

/** Ticks per second of /proc's CPU times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** Starts measuring now; `brokerPid` is the broker's process when it runs on this machine. */
export function startCpuAccount(brokerPid: number | null): CpuAccount {
  const began = Date.now();
  const machine = readMachineTicks();
  const broker = brokerPid === null ? null : readProcessTicks(brokerPid);
  const harness = process.cpuUsage();
  return {
    end(): CpuSpan {
      const machineNow = readMachineTicks();
      const brokerNow = brokerPid === null ? null : readProcessTicks(brokerPid);
      const own = process.cpuUsage(harness);
      return {
        wallSeconds: (Date.now() - began) / 1000,
        cpus: cpus().length,
        machineBusySeconds: machine && machineNow ? (machineNow.busy - machine.busy) / USER_HZ : null,
        stealSeconds: machine && machineNow ? (machineNow.steal - machine.steal) / USER_HZ : null,
        brokerSeconds: broker !== null && brokerNow !== null ? (brokerNow - broker) / USER_HZ : null,
        harnessSeconds: (own.user + own.system) / 1e6,
      };
    },
  };
}

/**
 * The broker's process if the brokers are the local stack's (`prm stack up`): its recorded pid,
 * listening on the first broker's port, still a Java process. Otherwise null: a remote broker's
 * CPU cannot be read from here.
 */
export function localBrokerPid(brokers: readonly string[]): number | null {
  const first = brokers[0];
  if (first === undefined) return null;
  const [host, port] = first.split(':');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host ?? '')) return null;
  const kafka = readState(stackDir).kafka;
  if (!kafka || !kafka.ports.includes(Number(port))) return null;
  const cmdline = `/proc/${kafka.pid}/cmdline`;
  if (!existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes('kafka')) return null;
  return kafka.pid;
}

/** /proc/stat's first line: ticks of all cores, busy (everything but idle and I/O wait) and steal. */
function readMachineTicks(): { busy: number; steal: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user! + nice! + system! + irq! + softirq!, steal: steal ?? 0 };
}

/** utime + stime of a process, in ticks; null once it is gone. */
function readProcessTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}
