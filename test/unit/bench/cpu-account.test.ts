import { localBrokerPid, startCpuAccount } from '../../../streams/bench/cpu-account';

const linux = process.platform === 'linux';

/** Spins until this process has had `ms` of CPU, however busy the machine (wall time would not do on a loaded one). */
function burn(ms: number): number {
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const until = cpuMs() + ms;
  let x = 0;
  while (cpuMs() < until) x += Math.sqrt(x + 1);
  return x;
}

describe('CPU account', () => {
  (linux ? it : it.skip)('reads a process\' CPU from /proc as node itself counts it', () => {
    // This process stands in for the broker: /proc must agree with process.cpuUsage().
    const account = startCpuAccount(process.pid);
    burn(300);
    const span = account.end();
    expect(span.harnessSeconds).toBeGreaterThan(0.25);
    expect(span.brokerSeconds).not.toBeNull();
    // /proc counts in ticks (10 ms): within three of them.
    expect(Math.abs(span.brokerSeconds! - span.harnessSeconds)).toBeLessThan(0.03);
    // The machine ran at least this process.
    expect(span.machineBusySeconds!).toBeGreaterThan(span.harnessSeconds - 0.03);
    expect(span.stealSeconds).toBeGreaterThanOrEqual(0);
    // At least the main thread's share of the CPU burnt (helper threads count towards the 300 ms too).
    expect(span.wallSeconds).toBeGreaterThan(0.25);
  });

  it('reports no broker CPU once the process is gone', () => {
    const account = startCpuAccount(2 ** 22 + 7); // above pid_max's default: never a live process
    expect(account.end().brokerSeconds).toBeNull();
  });

  it('does not claim a remote broker as the local stack\'s', () => {
    expect(localBrokerPid(['kafka.example.com:9092'])).toBeNull();
    expect(localBrokerPid([])).toBeNull();
  });
});
