import type { Database, Queryable } from '../database';
import { describeEngine } from '../engine';
import { SCHEMA } from '../tables';
import { migrations as prmMigrations, type Migration } from './schema';

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  skipped: string[];
}

/** Any fixed number: the advisory lock that keeps two processes from migrating at once. */
const MIGRATION_LOCK = 7_242_025_001;

/**
 * Brings the database up to date. Idempotent: the migrations table records what ran, so a
 * second run does nothing; several processes starting together wait for one another.
 */
export async function migrate(
  db: Database,
  { migrations = prmMigrations, log = (line: string) => process.stderr.write(`${line}\n`) }: { migrations?: Migration[]; log?: (line: string) => void } = {},
): Promise<MigrationReport> {
  const report: MigrationReport = { applied: [], alreadyApplied: [], skipped: [] };
  const engine = db.engine;
  // One connection throughout: the session-level advisory lock lives on it, and the
  // embedded engine has only one anyway.
  await db.session(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (
        id integer PRIMARY KEY, name text NOT NULL, engine text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = await client.query<{ id: number; engine: string }>(`SELECT id, engine FROM ${SCHEMA}.schema_migrations`);
      const mismatch = done.rows.find((row) => row.engine !== engine.kind);
      if (mismatch) {
        throw new Error(
          `the database was migrated as ${mismatch.engine} but is now ${engine.kind}: ` +
            `TimescaleDB was added or removed after PRM created its tables; migrate a fresh database and copy the data`,
        );
      }
      const appliedIds = new Set(done.rows.map((row) => row.id));
      for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
        const label = `${String(migration.id).padStart(3, '0')} ${migration.name}`;
        if (appliedIds.has(migration.id)) {
          report.alreadyApplied.push(label);
          continue;
        }
        const plan = migration.plan(engine);
        if (migration.transactional) {
          await inTransaction(client, async () => {
            for (const sql of plan.statements) await client.query(sql);
            await record(client, migration, engine.kind);
          });
        } else {
          for (const sql of plan.statements) await client.query(sql);
          await record(client, migration, engine.kind);
        }
        report.applied.push(label);
        log(`migration ${label}: applied on ${describeEngine(engine)}`);
        if (plan.skipped) {
          report.skipped.push(`${label}: ${plan.skipped}`);
          log(`migration ${label}: ${plan.skipped}`);
        }
      }
    } finally {
      // If the connection died, the server already dropped the lock with it.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
  return report;
}

async function record(client: Queryable, migration: Migration, engine: string): Promise<void> {
  await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (id, name, engine) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    migration.id,
    migration.name,
    engine,
  ]);
}

async function inTransaction(client: Queryable, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
