/** What the database behind DATABASE_URL can do; migrations and readers branch on it, nothing else. */
export interface Engine {
  /** 'timescaledb' when the extension is installed in the database, else 'postgresql'. */
  kind: 'timescaledb' | 'postgresql';
  /** server_version, e.g. "17.5". */
  serverVersion: string;
  /** Installed timescaledb version, if any. */
  timescaleVersion?: string;
  /**
   * PGlite (PostgreSQL compiled to WASM), e.g. the embedded TimescaleDB of the local stack: a
   * single backend serving one connection at a time, and no background workers, so
   * TimescaleDB's policies are registered but only run when called.
   */
  embedded: boolean;
}

/** One round trip: versions, whether TimescaleDB is installed or could be. */
export const ENGINE_QUERY = `
  SELECT current_setting('server_version') AS server_version,
         version() AS version,
         (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescale_version,
         EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS timescale_available`;

export interface EngineRow {
  server_version: string;
  version: string;
  timescale_version: string | null;
  timescale_available: boolean;
}

export function engineFrom(row: EngineRow): Engine {
  const embedded = /emscripten|emcc|wasm/i.test(row.version);
  return row.timescale_version
    ? { kind: 'timescaledb', serverVersion: row.server_version, timescaleVersion: row.timescale_version, embedded }
    : { kind: 'postgresql', serverVersion: row.server_version, embedded };
}

export function describeEngine(engine: Engine): string {
  const base = engine.kind === 'timescaledb' ? `TimescaleDB ${engine.timescaleVersion} on PostgreSQL ${engine.serverVersion}` : `PostgreSQL ${engine.serverVersion} (no TimescaleDB)`;
  return engine.embedded ? `${base}, embedded (PGlite)` : base;
}
