import { createExecutor } from '../../sandbox/executor';

// The executor's figures come from the kernel; these programs know what they use, so the
// figures can be checked against them.
const executor = createExecutor();

test('a program that burns ~500 ms of CPU is measured within 20%', async () => {
  const code = `
    const start = process.cpuUsage();
    let x = 0;
    for (;;) {
      for (let i = 0; i < 1e5; i++) x += i % 7;
      const used = process.cpuUsage(start);
      if (used.user + used.system >= 500000) break;
    }
    console.log(x > 0);`;
  const r = await executor.run({ code, limits: { cpuMs: 5000, wallMs: 20_000 } });
  expect(r.status).toBe('OK');
  expect(r.cpu_ms).toBeGreaterThan(400);
  expect(r.cpu_ms).toBeLessThan(600);
  expect(r.cpu_user_ms + r.cpu_sys_ms).toBeCloseTo(r.cpu_ms, 0);
}, 30_000);

test('a program that allocates ~200 MB reports a peak within 20%', async () => {
  const code = `
    const keep = [];
    for (let i = 0; i < 200; i++) keep.push(new Uint8Array(1 << 20).fill(i));
    console.log(keep.length);`;
  const r = await executor.run({ code, limits: { memoryMb: 512, wallMs: 20_000 } });
  expect(r.status).toBe('OK');
  expect(r.peak_memory_mb).toBeGreaterThan(160);
  expect(r.peak_memory_mb).toBeLessThan(240);
}, 30_000);

test('a program that only waits uses wall time but little CPU', async () => {
  const r = await executor.run({ code: 'setTimeout(() => {}, 300);', limits: { wallMs: 10_000 } });
  expect(r.status).toBe('OK');
  expect(r.wall_ms).toBeGreaterThanOrEqual(300);
  expect(r.cpu_ms).toBeLessThan(r.wall_ms);
}, 30_000);

test('output bytes are counted from the kernel, also those written the moment user code starts', async () => {
  // User code waits for the meter's sample of the counters at its start mark: before it did, a
  // write in the first milliseconds on a loaded machine landed before the sample (CI measured 8 bytes).
  const r = await executor.run({ code: 'process.stdout.write("x".repeat(100000));' });
  expect(r.status).toBe('OK');
  expect(r.io_write_bytes).toBeGreaterThanOrEqual(100000);
  expect(r.stdout.length).toBe(65536);
}, 30_000);

test('limits are validated', async () => {
  await expect(executor.run({ code: '', limits: { cpuMs: -1 } })).rejects.toThrow(/cpuMs/);
});

test('a TypeScript program runs compiled, measured from its own start: the compile is not its usage', async () => {
  // ~250 KB of types erase to nothing: compiling them costs hundreds of ms of CPU, running them none.
  const types = Array.from({ length: 4000 }, (_, i) => `interface Shape${i} { id: ${i}; name: string; next?: Shape${i}[] }`).join('\n');
  const code = `${types}\nconst sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);\nconsole.log(sum([1, 2, 3]));`;
  const r = await executor.run({ code, typescript: true, limits: { wallMs: 20_000 } });
  expect(r).toMatchObject({ status: 'OK', stdout: '6\n' });
  expect(r.cpu_ms).toBeLessThan(100);
}, 30_000);

test('TypeScript that does not compile ends as an ERROR that used nothing, saying where', async () => {
  const r = await executor.run({ code: 'let x: = 5;', typescript: true });
  expect(r).toMatchObject({ status: 'ERROR', reason: 'does not compile: program.ts(1,8): TS1110: Type expected.', cpu_ms: 0, peak_memory_mb: 0, wall_ms: 0 });
}, 30_000);
