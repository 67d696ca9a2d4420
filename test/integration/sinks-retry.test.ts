import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { batchOf, connectDatabase, createBatchWriter, migrate, rows, tables, type Database } from '../../sinks';

/**
 * The database goes away and comes back: a sink stalls and retries, never drops, and only
 * acknowledges after COMMIT. The "database" is the system PostgreSQL behind a TCP relay this
 * test switches off and on (refused connections while off, live connections cut).
 */

const quiet = () => undefined;
const adminUrl = process.env.PLAIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const target = new URL(adminUrl);
const name = `prm_retry_${randomUUID().slice(0, 8)}`;
const fastRetry = { initialDelayMs: 50, maxDelayMs: 300 };

/** A relay on a fixed port that can be switched off (refusing, cutting) and on again. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  async on(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = connect(Number(target.port || 5432), target.hostname);
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async off(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sinks when the database is down', () => {
  let relay: Relay;
  let url: string;
  let db: Database | undefined;

  beforeAll(async () => {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    relay = new Relay(await freePort());
    const viaRelay = new URL(adminUrl);
    viaRelay.hostname = '127.0.0.1';
    viaRelay.port = String(relay.port);
    viaRelay.pathname = `/${name}`;
    url = viaRelay.toString();
  });

  afterAll(async () => {
    await db?.close();
    await relay?.off();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('waits at connect for a database that starts late', async () => {
    const retries: string[] = [];
    const connecting = connectDatabase({ url, retry: fastRetry, log: (line) => retries.push(line) });
    await sleep(800);
    const upAt = Date.now();
    await relay.on();
    db = await connecting;
    expect(Date.now()).toBeGreaterThanOrEqual(upAt);
    expect(retries.some((line) => /not reachable .*ECONNREFUSED|not reachable/.test(line))).toBe(true);
    expect(db.engine.kind).toBe('postgresql');
    await migrate(db, { log: quiet });
  });

  it('retries a batch while the database is down and acknowledges only after it committed, once', async () => {
    if (!db) throw new Error('needs the connected database of the previous test');
    const logs: string[] = [];
    const writer = createBatchWriter(db, { retry: fastRetry, log: (line) => logs.push(line) });
    const batch = Array.from({ length: 500 }, (_, i) =>
      rows.clusterMetricsRow({ pool: 'retry', at: new Date(Date.UTC(2024, 4, 1) + i * 60_000), instancesRunning: i, instancesBooting: 0, cpuCapacityMillicores: 4000, memoryCapacityBytes: 2 ** 33, cpuUtilization: 0.5, memoryUtilization: 0.5, ioUtilization: 0.1, queueDepth: 0 }),
    );

    await relay.off(); // refuses new connections and cuts the pool's idle one
    let acknowledgedAt: number | undefined;
    const writing = writer.write([batchOf(tables.clusterMetrics, batch)]).then((result) => {
      acknowledgedAt = Date.now();
      return result;
    });
    await sleep(1000);
    expect(acknowledgedAt).toBeUndefined();
    const upAt = Date.now();
    await relay.on();
    const result = await writing;
    expect(acknowledgedAt).toBeGreaterThanOrEqual(upAt);
    expect(result).toEqual({ inserted: 500, duplicates: 0 });
    expect(logs.length).toBeGreaterThan(0);
    expect(logs[0]).toMatch(/writing 500 rows failed .*; retry 1 in \d+ ms/);

    // The producer did not see the acknowledgement (say it crashed) and sends the batch again.
    expect(await writer.write([batchOf(tables.clusterMetrics, batch)])).toEqual({ inserted: 0, duplicates: 500 });
    const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM prm.cluster_metrics WHERE pool = 'retry'`);
    expect(stored.rows[0]?.n).toBe(500);
  });

  it('gives up after the configured attempts with the connection error', async () => {
    if (!db) throw new Error('needs the connected database of the first test');
    const writer = createBatchWriter(db, { retry: { ...fastRetry, maxAttempts: 3 }, log: quiet });
    await relay.off();
    try {
      const row = rows.clusterMetricsRow({ pool: 'retry-gives-up', at: new Date(Date.UTC(2024, 4, 2)), instancesRunning: 1, instancesBooting: 0, cpuCapacityMillicores: 1, memoryCapacityBytes: 1, cpuUtilization: 0, memoryUtilization: 0, ioUtilization: 0, queueDepth: 0 });
      await expect(writer.write([batchOf(tables.clusterMetrics, [row])])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await relay.on();
    }
  });
});
