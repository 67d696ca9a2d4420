import { usageOf, verdictOf, type MeterReport } from '../../../sandbox/verdict';

const limits = { cpuMs: 1000, memoryMb: 100, wallMs: 5000 };
const report = (over: Partial<MeterReport>): MeterReport => ({
  marked: true, killed_by: '', exit_code: 0, signal: 0,
  ru_utime_us: 540_000, ru_stime_us: 60_000, ru_maxrss_kb: 140 * 1024,
  mark_utime_us: 30_000, mark_stime_us: 10_000, mark_cpu_us: 40_000, mark_rss_kb: 40 * 1024, peak_sampled_kb: 0,
  io_read_bytes: 10, io_write_bytes: 20, startup_us: 50_000, wall_us: 700_000, ...over,
});

test('usage is the kernel totals minus the runtime at the start mark', () => {
  const u = usageOf(report({}));
  expect(u.cpu_ms).toBeCloseTo(560);
  expect(u.cpu_user_ms + u.cpu_sys_ms).toBeCloseTo(560);
  expect(u.peak_memory_mb).toBeCloseTo(100);
  expect(u.wall_ms).toBe(700);
});

test.each([
  [{ killed_by: 'cpu' as const, signal: 9 }, 'TIMEOUT', /CPU time limit of 1000 ms/],
  [{ killed_by: 'wall' as const, signal: 9 }, 'TIMEOUT', /wall time limit of 5000 ms/],
  [{ killed_by: 'memory' as const, signal: 9 }, 'OOM', /memory limit of 100 MB/],
  [{ signal: 24 }, 'TIMEOUT', /rlimit/],
  [{ exit_code: 1 }, 'ERROR', /Error: boom/],
])('%o is %s', (over, status, reason) => {
  const v = verdictOf(report(over), limits, 'file.js:1\nthrow new Error("boom")\n^\n\nError: boom\n    at x (file.js:1:7)\n');
  expect(v.status).toBe(status);
  expect(v.reason).toMatch(reason);
});

test('V8 heap exhaustion is OOM; a permission error names what was denied', () => {
  expect(verdictOf(report({ signal: 6 }), limits, 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory').status).toBe('OOM');
  const denied = verdictOf(report({ exit_code: 1 }), limits, "Error: Access to this API has been restricted\n    at x\n{\n  code: 'ERR_ACCESS_DENIED',\n  permission: 'FileSystemRead',\n  resource: '/etc/passwd'\n}");
  expect(denied).toEqual({ status: 'ERROR', reason: 'Error: Access to this API has been restricted (FileSystemRead /etc/passwd denied)' });
});

test('a runtime that never reached user code is an ERROR, with no usage charged', () => {
  const r = report({ marked: false, exit_code: 125 });
  expect(verdictOf(r, limits, 'prm-meter: cannot isolate the network').reason).toMatch(/failed to start: prm-meter: cannot isolate/);
  expect(usageOf(r).peak_memory_mb).toBe(0);
});

test('a clean exit is OK', () => {
  expect(verdictOf(report({}), limits, '')).toEqual({ status: 'OK' });
});
