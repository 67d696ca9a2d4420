import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../config';
import type { ServiceSpec } from '../service';
import { nodeEntry, nodeLaunch } from './node-entry';

const entryPath = 'stack/timescale/main.ts';
const what = 'the embedded TimescaleDB';

const dataDir = (config: StackConfig) => join(config.stackDir, 'timescale', 'data');
const databaseUrl = (config: StackConfig) => `postgres://postgres@127.0.0.1:${config.timescalePort}/postgres`;

/** Embedded TimescaleDB (PGlite + timescaledb on the Postgres wire protocol, stack/timescale). */
export const timescaleService: ServiceSpec = {
  name: 'timescale',
  ports: (config) => [{ port: config.timescalePort, env: 'PRM_TIMESCALE_PORT' }],
  marker: (config) => dataDir(config),
  async prepare(config) {
    nodeEntry(entryPath, what);
    const dir = dataDir(config);
    const first = !existsSync(dir);
    mkdirSync(dir, { recursive: true });
    return first;
  },
  launch: (config) => nodeLaunch(nodeEntry(entryPath, what), ['--port', String(config.timescalePort), '--data-dir', dataDir(config)]),
  async probe(config) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: databaseUrl(config), connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      await client.end();
    }
  },
  endpoints: (config) => ({ databaseUrl: databaseUrl(config) }),
};
