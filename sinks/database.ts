import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DatabaseConfigError } from './errors';
import { ENGINE_QUERY, describeEngine, engineFrom, type Engine, type EngineRow } from './engine';
import { retry, type RetryOptions } from './retry';

/** Runs statements; a pool or one client of it inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * The database port: owns its connections. Stages and writers see this, never a pg.Pool.
 * `query` runs one autocommit statement; `transaction` commits or rolls back as a whole and
 * resolves only after COMMIT returned; `session` lends one connection (for statements that
 * must share it, such as an advisory lock held across several transactions).
 */
export interface Database extends Queryable {
  readonly engine: Engine;
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  session<T>(work: (client: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://user[:password]@host:port/database (DATABASE_URL). */
  url: string;
  /**
   * Pool size for a server PostgreSQL. Default 4. The embedded engine is always 1: it has one
   * backend and serves one connection at a time.
   */
  maxConnections?: number;
  /** Create the timescaledb extension when the server offers it but the database lacks it. Default true. */
  enableTimescale?: boolean;
  /** Waiting for the server at connect time. Default: retry for up to `connectAttempts`. */
  retry?: RetryOptions;
  /** Attempts to reach the server before giving up. Default 30 (about two minutes at the default backoff). */
  connectAttempts?: number;
  /** Progress and warnings. Default: stderr. */
  log?: (line: string) => void;
}

/**
 * The embedded engine serves one connection at a time, FIFO: processes take turns. A process
 * lets go of it when idle for a moment, and a busy one recycles it every second, so a steady
 * writer cannot starve the others (they would be refused after the server's queue timeout). A
 * turn is also how long a processor starting next to a busy sink waits before it can start:
 * with 5 s turns a restarted predictor was held 5 to 10 s.
 */
const EMBEDDED_IDLE_MS = 500;
const EMBEDDED_TURN_SECONDS = 1;

/** How long a query may wait for a connection: the pool's turn, and on the embedded engine the server's queue. */
const CONNECTION_WAIT_MS = 60_000;

export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  const { url, maxConnections = 4, enableTimescale = true, connectAttempts = 30, log = (line) => process.stderr.write(`${line}\n`) } = options;
  checkUrl(url);
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1)) throw new DatabaseConfigError(`maxConnections must be a positive integer, got ${maxConnections}`);
  const { Pool: PgPool } = await import('pg');
  const where = redact(url);

  // The engine is detected through a pool of one connection, the embedded engine's size: there
  // that pool is kept, so what follows (a migration) runs on the connection already granted
  // instead of queueing for a second turn. A restarted processor waited for two turns.
  const first: Pool = new PgPool({
    connectionString: url,
    max: 1,
    idleTimeoutMillis: EMBEDDED_IDLE_MS,
    maxLifetimeSeconds: EMBEDDED_TURN_SECONDS,
    connectionTimeoutMillis: CONNECTION_WAIT_MS,
  });
  // An idle client whose server went away emits here; without a listener it would crash the process.
  const onIdleError = (error: Error) => log(`database: idle connection lost (${error.message})`);
  first.on('error', onIdleError);
  const engine = await retry(
    async () => {
      const client = await first.connect();
      let broken: Error | undefined;
      // A dying connection also rejects the query in flight; unheard, its 'error' would kill the process.
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        let row = (await client.query<EngineRow>(ENGINE_QUERY)).rows[0];
        if (row && !row.timescale_version && row.timescale_available && enableTimescale) {
          try {
            await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
            row = (await client.query<EngineRow>(ENGINE_QUERY)).rows[0];
          } catch (error) {
            log(`database: timescaledb is available but could not be created (${(error as Error).message}); using plain PostgreSQL`);
          }
        }
        if (!row) throw new DatabaseConfigError(`database at ${where} answered the engine query with no row`);
        return engineFrom(row);
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    {
      maxAttempts: connectAttempts,
      onRetry: (error, attempt, delayMs) => log(`database: ${where} not reachable (${(error as Error).message}); retry ${attempt} in ${delayMs} ms`),
      ...options.retry,
    },
  ).catch(async (error: unknown) => {
    await first.end().catch(() => undefined);
    throw error;
  });

  let pool = first;
  if (!engine.embedded) {
    await first.end();
    pool = new PgPool({ connectionString: url, max: maxConnections, idleTimeoutMillis: 10_000, connectionTimeoutMillis: CONNECTION_WAIT_MS });
    pool.on('error', onIdleError);
  }
  log(`database: ${where} is ${describeEngine(engine)}`);
  return new PooledDatabase(pool, engine);
}

/** A Queryable that opens its database at the first query (see connectOnFirstUse). */
export interface DeferredDatabase extends Queryable {
  close(): Promise<void>;
}

/**
 * The database, opened when first queried rather than now: for a process that only reads from
 * it now and then (a processor loading a newly trained model's artifact), so that it starts,
 * and keeps deciding, while the history database is away. Each query makes one attempt to
 * connect when not connected yet; a failed attempt is forgotten, and the caller's retry decides.
 */
export function connectOnFirstUse(options: DatabaseOptions): DeferredDatabase {
  checkUrl(options.url);
  let opened: Promise<Database> | undefined;
  let closed = false;
  const open = (): Promise<Database> => {
    if (closed) return Promise.reject(new DatabaseConfigError('the database was closed'));
    opened ??= connectDatabase({ connectAttempts: 1, ...options }).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    return opened;
  };
  return {
    async query(sql, params) {
      return (await open()).query(sql, params);
    },
    async close() {
      closed = true;
      const db = await opened?.catch(() => undefined);
      await db?.close();
    },
  };
}

class PooledDatabase implements Database {
  constructor(
    private readonly pool: Pool,
    readonly engine: Engine,
  ) {}

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]) {
    const result = await this.pool.query<R>(sql, params);
    return { rows: result.rows, rowCount: result.rowCount };
  }

  async session<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A checked-out client whose server goes away emits 'error'; unheard, it kills the process.
    // The query in flight fails too, and the client is discarded below.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      return await work(wrap(client));
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      // A client that failed may hold a dead socket or an aborted transaction: discard it.
      client.off('error', onError);
      client.release(broken);
    }
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.session(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

function wrap(client: PoolClient): Queryable {
  return {
    async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]) {
      const result = await client.query<R>(sql, params);
      return { rows: result.rows, rowCount: result.rowCount };
    },
  };
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConfigError(`DATABASE_URL is not a URL: '${redact(url)}' (expected postgres://user@host:port/database)`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got '${parsed.protocol}//'`);
  }
}

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
