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
 * lets go of it when idle for a moment, and a busy one recycles it every few seconds, so a
 * steady writer cannot starve the others (they would be refused after the server's queue timeout).
 */
const EMBEDDED_IDLE_MS = 500;
const EMBEDDED_TURN_SECONDS = 5;

export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  const { url, maxConnections = 4, enableTimescale = true, connectAttempts = 30, log = (line) => process.stderr.write(`${line}\n`) } = options;
  checkUrl(url);
  if (!(Number.isInteger(maxConnections) && maxConnections >= 1)) throw new DatabaseConfigError(`maxConnections must be a positive integer, got ${maxConnections}`);
  const { Client, Pool: PgPool } = await import('pg');
  const where = redact(url);

  // Detect the engine on a single connection first: the pool's size depends on it.
  const engine = await retry(
    async () => {
      const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      client.on('error', () => undefined); // a dying connection also rejects the query in flight
      await client.connect();
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
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    {
      maxAttempts: connectAttempts,
      onRetry: (error, attempt, delayMs) => log(`database: ${where} not reachable (${(error as Error).message}); retry ${attempt} in ${delayMs} ms`),
      ...options.retry,
    },
  );

  const pool: Pool = new PgPool({
    connectionString: url,
    max: engine.embedded ? 1 : maxConnections,
    idleTimeoutMillis: engine.embedded ? EMBEDDED_IDLE_MS : 10_000,
    maxLifetimeSeconds: engine.embedded ? EMBEDDED_TURN_SECONDS : 0,
    connectionTimeoutMillis: 60_000,
  });
  // An idle client whose server went away emits here; without a listener it would crash the process.
  pool.on('error', (error) => log(`database: idle connection lost (${error.message})`));
  log(`database: ${where} is ${describeEngine(engine)}`);
  return new PooledDatabase(pool, engine);
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
