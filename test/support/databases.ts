import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { connectDatabase, type Database } from '../../sinks';
import { spawnEmbeddedTimescale } from '../../stack/timescale/spawn';

/** A database a test file has to itself, and how to leave nothing of it behind. */
export interface EngineUnderTest {
  db: Database;
  cleanup(): Promise<void>;
}

const quiet = () => undefined;

/**
 * A fresh database on the plain PostgreSQL server (PLAIN_DATABASE_URL, default the machine's
 * 127.0.0.1:5432), dropped on cleanup. `name` must be a valid unquoted identifier, unique per run.
 */
export async function freshPlainDatabase(name: string): Promise<EngineUnderTest> {
  const adminUrl = process.env.PLAIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await connectDatabase({ url: url.toString(), log: quiet });
  return {
    db,
    async cleanup() {
      await db.close();
      await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * An embedded TimescaleDB server of the caller's own in a temporary directory, for a test that
 * needs an empty database rather than the shared one; stopped and removed on cleanup.
 */
export async function ownEmbeddedTimescale(prefix: string): Promise<EngineUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const server = await spawnEmbeddedTimescale({ dataDir: join(dir, 'data') });
  const db = await connectDatabase({ url: server.url, log: quiet });
  return {
    db,
    async cleanup() {
      await db.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
