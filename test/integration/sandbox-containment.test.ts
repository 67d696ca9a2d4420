import { createExecutor, type ExecutionResult } from '../../sandbox/executor';

// Hostile programs, each in its own sandboxed process. They run concurrently with a benign job
// to show that one job's fate does not touch another's or the executor's.
const executor = createExecutor();
const limits = { cpuMs: 1000, memoryMb: 128, wallMs: 4000 };
const bombLimits = { cpuMs: 20_000, memoryMb: 128, wallMs: 30_000 };

const hostile: Record<string, string> = {
  infiniteLoop: 'for (;;) {}',
  memoryBomb: 'const keep = []; for (;;) keep.push(new Float64Array(1 << 20).fill(1));',
  readPasswd: 'console.log(require("fs").readFileSync("/etc/passwd", "utf8"));',
  writeFile: 'require("fs").writeFileSync(require("os").tmpdir() + "/prm-sandbox-escape", "x");',
  socket: 'require("net").connect(9, "127.0.0.1").on("connect", () => console.log("connected"));',
  readEnv: 'console.log(JSON.stringify(process.env));',
  spawnProcess: 'console.log(require("child_process").execSync("id").toString());',
  startWorker: 'new (require("worker_threads").Worker)("1", { eval: true });',
  killParent: 'process.kill(process.ppid, "SIGKILL");',
};

let results: Record<string, ExecutionResult>;
let benign: ExecutionResult;

beforeAll(async () => {
  const names = Object.keys(hostile);
  const [ok, ...rest] = await Promise.all([
    executor.run({ code: 'setTimeout(() => console.log([3, 1, 2].sort().join(",")), 200);', limits }),
    // The bomb gets CPU and time to spare, so that memory is the limit it meets.
    ...names.map((name) => executor.run({ code: hostile[name]!, limits: name === 'memoryBomb' ? bombLimits : limits })),
  ]);
  benign = ok!;
  results = Object.fromEntries(names.map((name, i) => [name, rest[i]!]));
}, 90_000);

test('an infinite loop is stopped as TIMEOUT within its limits', () => {
  const r = results.infiniteLoop!;
  expect(r.status).toBe('TIMEOUT');
  expect(r.reason).toMatch(/time limit/);
  expect(r.cpu_ms).toBeLessThanOrEqual(limits.cpuMs + 100);
  expect(r.wall_ms).toBeLessThanOrEqual(limits.wallMs + 200);
});

test('a memory bomb is stopped as OOM near its memory limit', () => {
  const r = results.memoryBomb!;
  expect(r.status).toBe('OOM');
  expect(r.peak_memory_mb).toBeLessThanOrEqual(limits.memoryMb * 1.2);
});

test.each([
  ['readPasswd', /restricted|denied/],
  ['writeFile', /restricted|denied/],
  ['socket', /ENETUNREACH|ECONNREFUSED|EACCES/],
  ['readEnv', /process\.env is denied/],
  ['spawnProcess', /restricted|denied/],
  ['startWorker', /restricted|denied/],
  ['killParent', /EPERM/],
])('%s is denied and reported as ERROR with the reason', (name, reason) => {
  const r = results[name]!;
  expect(r.status).toBe('ERROR');
  expect(r.reason).toMatch(reason);
  expect(r.stdout).toBe('');
});

test('nothing escaped to the file system', async () => {
  const { tmpdir } = await import('node:os');
  const { existsSync } = await import('node:fs');
  expect(existsSync(`${tmpdir()}/prm-sandbox-escape`)).toBe(false);
});

test('a benign job running beside them is unaffected', () => {
  expect(benign.status).toBe('OK');
  expect(benign.stdout).toBe('1,2,3\n');
  expect(benign.wall_ms).toBeGreaterThanOrEqual(200);
});

test('the executor still runs jobs afterwards', async () => {
  const r = await executor.run({ code: 'console.log(6 * 7)', limits });
  expect(r).toMatchObject({ status: 'OK', stdout: '42\n', exit_code: 0 });
});
