import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { spawnEmbeddedTimescale, type EmbeddedTimescale } from '../../stack/timescale/spawn';
import { batchOf, connectDatabase, createBatchWriter, migrate, rows, tables, type Database } from '../../sinks';
import { hypertables as schemaHypertables, migrations } from '../../sinks/migrations/schema';

/**
 * The embedded TimescaleDB server (stack/timescale/main.ts) as a process of its own, on a
 * fresh data directory: the traps seen on this machine (large messages, reopening a data
 * directory, one connection at a time), clean shutdown, and bad input.
 */

const quiet = () => undefined;

describe('embedded TimescaleDB server', () => {
  let dir: string;
  let dataDir: string;
  let server: EmbeddedTimescale;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prm-timescale-'));
    dataDir = join(dir, 'data');
    server = await spawnEmbeddedTimescale({ dataDir, queueTimeoutMs: 3000 });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function client(): Promise<Client> {
    const c = new Client({ connectionString: server.url });
    c.on('error', quiet);
    await c.connect();
    return c;
  }

  it('serves PostgreSQL 17 with the timescaledb extension', async () => {
    const c = await client();
    try {
      const { rows } = await c.query<{ v: string; ts: string }>(
        `SELECT current_setting('server_version') AS v, (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS ts`,
      );
      expect(rows[0]?.v).toMatch(/^17\./);
      expect(rows[0]?.ts).toMatch(/^2\./);
    } finally {
      await c.end();
    }
  });

  it('takes a single parameter and a single statement over 60 KB', async () => {
    const c = await client();
    try {
      const big = 'é'.repeat(150_000); // 300 KB in UTF-8
      const asParameter = await c.query<{ n: number }>('SELECT octet_length($1::text) AS n', [big]);
      expect(asParameter.rows[0]?.n).toBe(300_000);
      const asStatement = await c.query<{ n: number }>(`SELECT octet_length('${big}') AS n`);
      expect(asStatement.rows[0]?.n).toBe(300_000);
    } finally {
      await c.end();
    }
  });

  it('queues a second client until the first leaves, and hands it a clean session', async () => {
    const first = await client();
    await first.query('CREATE TABLE IF NOT EXISTS leftovers (n integer)');
    await first.query('BEGIN');
    await first.query('INSERT INTO leftovers VALUES (1)');
    await first.query('PREPARE stale AS SELECT 1');

    const second = new Client({ connectionString: server.url });
    second.on('error', quiet);
    let connected = false;
    const connecting = second.connect().then(() => (connected = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(connected).toBe(false);

    await first.end(); // leaves its transaction open: the server must roll it back
    await connecting;
    try {
      const { rows } = await second.query<{ n: string }>('SELECT count(*) AS n FROM leftovers');
      expect(rows[0]?.n).toBe('0');
      await second.query('PREPARE stale AS SELECT 2'); // would fail if the old session's statement survived
      const path = await second.query<{ search_path: string }>('SHOW search_path');
      expect(path.rows[0]?.search_path).toBe('public');
    } finally {
      await second.end();
    }
  });

  it('refuses a client that waited past the queue timeout with a clear error, and keeps serving', async () => {
    const first = await client();
    const second = new Client({ connectionString: server.url });
    second.on('error', quiet);
    try {
      await expect(second.connect()).rejects.toThrow(/serves one connection at a time/);
    } finally {
      await first.end();
    }
    const third = await client();
    await third.end();
  });

  it('runs the migrations from scratch, twice, creating hypertables and continuous aggregates', async () => {
    const db = await connectDatabase({ url: server.url, log: quiet });
    try {
      expect(db.engine).toMatchObject({ kind: 'timescaledb', embedded: true });
      const first = await migrate(db, { log: quiet });
      expect(first.applied).toHaveLength(migrations.length);
      const second = await migrate(db, { log: quiet });
      expect(second.applied).toEqual([]);
      expect(second.alreadyApplied).toHaveLength(migrations.length);
      // The catalogue's time-series tables and the trainer's request features.
      const hypertables = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = 'prm'`);
      expect(hypertables.rows[0]?.n).toBe(schemaHypertables.length + 1);
      const aggregates = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'prm'`);
      expect(aggregates.rows[0]?.n).toBe(4);
      const jobs = await db.query<{ proc_name: string }>(`SELECT DISTINCT proc_name FROM timescaledb_information.jobs WHERE hypertable_schema = 'prm' ORDER BY 1`);
      expect(jobs.rows.map((r) => r.proc_name)).toEqual(['policy_compression', 'policy_refresh_continuous_aggregate', 'policy_retention']);
    } finally {
      await db.close();
    }
  });

  it('lets two processes\' pools take turns on the single connection, losing and doubling nothing', async () => {
    const [a, b] = await Promise.all([connectDatabase({ url: server.url, log: quiet }), connectDatabase({ url: server.url, log: quiet })]);
    try {
      const write = async (db: Database, pool: string) => {
        const writer = createBatchWriter(db, { log: quiet, retry: { initialDelayMs: 50, maxDelayMs: 500 } });
        for (let batch = 0; batch < 10; batch += 1) {
          const rowsOfBatch = Array.from({ length: 100 }, (_, i) =>
            rows.clusterMetricsRow({ pool, at: new Date(Date.UTC(2026, 2, 1) + (batch * 100 + i) * 60_000), instancesRunning: i, instancesBooting: 0, cpuCapacityMillicores: 1000, memoryCapacityBytes: 1, cpuUtilization: 0.5, memoryUtilization: 0.5, ioUtilization: 0, queueDepth: 0 }),
          );
          await writer.write([batchOf(tables.clusterMetrics, rowsOfBatch)]);
        }
      };
      await Promise.all([write(a, 'turns-a'), write(b, 'turns-b')]);
      const counts = await a.query<{ pool: string; n: number }>(`SELECT pool, count(*)::int AS n FROM prm.cluster_metrics WHERE pool LIKE 'turns-%' GROUP BY 1 ORDER BY 1`);
      expect(counts.rows).toEqual([
        { pool: 'turns-a', n: 1000 },
        { pool: 'turns-b', n: 1000 },
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  // A processor restarted next to a busy sink connects and migrates before it can start: each
  // connection it opens queues behind the sink's turn. It used to open two (the engine probe,
  // then the pool) behind 5 s turns, and took about 10 s to start.
  it('lets a process connect and migrate within about one turn while another keeps the engine busy', async () => {
    const busy = await connectDatabase({ url: server.url, log: quiet });
    let stop = false;
    // Back-to-back statements, never idle long enough to let go of the connection by itself.
    const load = (async () => {
      while (!stop) await busy.query('SELECT pg_sleep(0.05)');
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const began = Date.now();
      const newcomer = await connectDatabase({ url: server.url, log: quiet });
      try {
        await migrate(newcomer, { log: quiet });
        expect(Date.now() - began).toBeLessThan(4000);
      } finally {
        await newcomer.close();
      }
    } finally {
      stop = true;
      await load;
      await busy.close();
    }
  });

  it('refuses a second server on a taken port with one line naming the port', async () => {
    const other = join(dir, 'other');
    await expect(spawnEmbeddedTimescale({ dataDir: other, port: server.port, readyTimeoutMs: 30_000 })).rejects.toThrow(
      new RegExp(`port ${server.port} on 127.0.0.1 is already in use`),
    );
  });

  it('refuses a second server on a data directory in use', async () => {
    await expect(spawnEmbeddedTimescale({ dataDir, readyTimeoutMs: 30_000 })).rejects.toThrow(/is in use by process \d+/);
  });

  it('stops cleanly on SIGTERM, and after reopening the directory the first statement can be a hypertable insert', async () => {
    const c = await client();
    await c.query('CREATE TABLE reopen_metrics (at timestamptz NOT NULL, pool text NOT NULL, load double precision NOT NULL)');
    await c.query(`SELECT create_hypertable('reopen_metrics', by_range('at', INTERVAL '1 day'))`);
    await c.query(`INSERT INTO reopen_metrics VALUES ('2026-03-02T10:00:00Z', 'reopen', 0.5)`);
    await c.end();
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/stopped cleanly/);

    server = await spawnEmbeddedTimescale({ dataDir, queueTimeoutMs: 3000 });
    const again = await client();
    try {
      await again.query(`INSERT INTO reopen_metrics VALUES ('2026-03-05T10:05:00Z', 'reopen', 0.7)`);
      const { rows } = await again.query<{ n: number; chunks: number }>(
        `SELECT count(*)::int AS n, (SELECT count(*)::int FROM show_chunks('reopen_metrics')) AS chunks FROM reopen_metrics`,
      );
      expect(rows[0]).toEqual({ n: 2, chunks: 2 });
    } finally {
      await again.end();
    }
  }, 240_000);
});
