import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortFree } from '../../stack/ports';

// `prm stack` as a user runs it, on its own state folder and ports so the shared stack the
// other tests use is never touched. Bad input must end in one clear line, never a hang.

const cli = join(__dirname, '..', '..', 'cli', 'prm.cjs');
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function prm(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 400_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

/** Two consecutive free ports (client and controller) away from the shared stack's. */
/**
 * Each call hands out a pair no earlier test of this file had: a broker an earlier test killed
 * can leave its port in TIME_WAIT, which a probe bind (SO_REUSEADDR) passes but Kafka's does not.
 */
let nextPort = 39000 + Math.floor((process.pid % 50) * 20);
async function freePortPair(): Promise<[number, number]> {
  for (; nextPort < 40999; nextPort += 2) {
    const port = nextPort;
    if ((await isPortFree(port)) && (await isPortFree(port + 1))) {
      nextPort += 2;
      return [port, port + 1];
    }
  }
  throw new Error('no free port pair left in 39000-40999');
}

async function isolatedEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'prm-stack-test-'));
  scratch.push(dir);
  const [kafka, controller] = await freePortPair();
  return {
    ...process.env,
    DATABASE_URL: '',
    PRM_STACK_DIR: join(dir, 'stack'),
    PRM_KAFKA_PORT: String(kafka),
    PRM_KAFKA_CONTROLLER_PORT: String(controller),
    PRM_REGISTRY_PORT: String(controller + 2000),
    PRM_TIMESCALE_PORT: String(controller + 2001),
    ...extra,
  };
}

function errorLines(run: Run): string[] {
  // Progress lines ("kafka: starting", "kafka: storage formatted in 3 s") are not errors.
  return run.stderr.split('\n').filter((l) => l.startsWith('prm stack: ') && !/^prm stack: \w+: (starting|formatting|resolving|storage formatted|jars resolved|ready in|stopping)/.test(l));
}

/** No process left running with the isolated stack folder on its command line. */
function processesUsing(path: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('prm stack: bad input gives one clear line', () => {
  let holder: Server | undefined;
  afterEach(() => holder?.close());

  it('names a port that something else holds, and the variable that moves it', async () => {
    const env = await isolatedEnv();
    holder = createServer();
    await new Promise<void>((resolve) => holder?.listen(Number(env.PRM_KAFKA_PORT), '127.0.0.1', resolve));
    const run = await prm(['stack', 'up', '--only', 'kafka'], env);
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([`prm stack: kafka: port ${env.PRM_KAFKA_PORT} is already in use by pid ${process.pid} (node); stop it or set PRM_KAFKA_PORT to a free port`]);
  });

  it('says Java is missing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'prm-empty-bin-'));
    scratch.push(bin);
    const run = await prm(['stack', 'up', '--only', 'kafka'], await isolatedEnv({ PATH: bin }));
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringMatching(/^prm stack: 'java' not found on PATH\. Java 17 or newer is needed/)]);
  });

  it('says Maven is missing when the Kafka jars are not resolved yet', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'prm-java-only-bin-'));
    const cache = mkdtempSync(join(tmpdir(), 'prm-empty-cache-'));
    scratch.push(bin, cache);
    symlinkSync('/usr/bin/java', join(bin, 'java'));
    const run = await prm(['stack', 'up', '--only', 'kafka'], await isolatedEnv({ PATH: bin, PRM_CACHE_DIR: cache }));
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringMatching(/^prm stack: 'mvn' not found on PATH\. Maven \(mvn\) is needed/)]);
  });

  it('reports a broker that dies while starting with the cause from its log', async () => {
    const env = await isolatedEnv();
    const data = join(env.PRM_STACK_DIR ?? '', 'kafka', 'data');
    mkdirSync(data, { recursive: true });
    // Storage formatted for another node: Kafka refuses to start on it.
    writeFileSync(join(data, 'meta.properties'), 'version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=7\n');
    const run = await prm(['stack', 'up', '--only', 'kafka'], env);
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringMatching(/^prm stack: kafka exited while starting: .*Stored node id 7 doesn't match.* \(log .*kafka\.log\)$/)]);
    expect(processesUsing(env.PRM_STACK_DIR ?? '')).toEqual([]);
  });

  it('gives up on a broker that is not ready in time, and stops it', async () => {
    const env = await isolatedEnv({ PRM_STACK_READY_TIMEOUT_MS: '1500' });
    const run = await prm(['stack', 'up', '--only', 'kafka'], env);
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([expect.stringMatching(/^prm stack: kafka not ready after 1\.5 s: .* \(log .*kafka\.log\)$/)]);
    expect(processesUsing(env.PRM_STACK_DIR ?? '')).toEqual([]);
  });

  it('rejects a bad port setting before starting anything', async () => {
    const run = await prm(['stack', 'up'], await isolatedEnv({ PRM_REGISTRY_PORT: 'eighty' }));
    expect(run.code).toBe(1);
    expect(errorLines(run)).toEqual([`prm stack: PRM_REGISTRY_PORT must be a TCP port (1-65535), got 'eighty'`]);
  });
});

describe('prm stack: lifecycle', () => {
  // Two broker starts and a storage format: minutes on a loaded 2-core machine.
  it('starts cold, is idempotent, stops, and starts warm on the same storage', async () => {
    const env = await isolatedEnv({ PRM_STACK_READY_TIMEOUT_MS: '300000' });
    try {
      const cold = await prm(['stack', 'up', '--only', 'kafka'], env);
      expect(cold.stderr).not.toMatch(/exited|not ready/);
      expect(cold.stdout).toMatch(/^kafka\s+cold start in [\d.]+ s {2}pid \d+$/m);
      const endpoints = JSON.parse(readFileSync(join(env.PRM_STACK_DIR ?? '', 'endpoints.json'), 'utf8')) as { kafkaBrokers: string[] };
      expect(endpoints.kafkaBrokers).toEqual([`127.0.0.1:${env.PRM_KAFKA_PORT}`]);

      const again = await prm(['stack', 'up', '--only', 'kafka'], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^kafka\s+already up {2}pid \d+$/m);

      const status = await prm(['stack', 'status', '--json'], env);
      const statuses = JSON.parse(status.stdout) as { name: string; up: boolean }[];
      expect(statuses.find((s) => s.name === 'kafka')?.up).toBe(true);
      expect(statuses.find((s) => s.name === 'registry')?.up).toBe(false);
      expect(status.code).toBe(1);

      const down = await prm(['stack', 'down'], env);
      expect(down.code).toBe(0);
      expect(down.stdout).toMatch(/^kafka\s+stopped in [\d.]+ s {2}pid \d+$/m);
      expect(processesUsing(env.PRM_STACK_DIR ?? '')).toEqual([]);
      expect((await prm(['stack', 'down'], env)).stdout).toBe('nothing was running\n');

      const warm = await prm(['stack', 'up', '--only', 'kafka'], env);
      expect(warm.stdout).toMatch(/^kafka\s+warm start in [\d.]+ s {2}pid \d+$/m);
    } finally {
      await prm(['stack', 'down'], env);
    }
    expect(processesUsing(env.PRM_STACK_DIR ?? '')).toEqual([]);
  }, 900_000);
});
