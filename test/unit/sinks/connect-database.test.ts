import type { EngineRow } from '../../../sinks/engine';

/** A stand-in for pg's Pool: records how each pool was made and which of them served queries. */
interface FakePool {
  options: { max?: number; maxLifetimeSeconds?: number };
  connects: number;
  queries: string[];
  ended: boolean;
}

const pools: FakePool[] = [];
let engineRow: EngineRow;
/** Connects still to refuse, as a database that is away would. */
let refusals = 0;

jest.mock('pg', () => ({
  Pool: class {
    private readonly state: FakePool;
    constructor(options: FakePool['options']) {
      this.state = { options, connects: 0, queries: [], ended: false };
      pools.push(this.state);
    }
    on(): this {
      return this;
    }
    async connect() {
      this.state.connects++;
      if (refusals > 0) {
        refusals--;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
      }
      return {
        on: () => undefined,
        off: () => undefined,
        release: () => undefined,
        query: async (sql: string) => {
          this.state.queries.push(sql);
          return { rows: [engineRow], rowCount: 1 };
        },
      };
    }
    async query(sql: string) {
      this.state.queries.push(sql);
      return { rows: [], rowCount: 0 };
    }
    async end() {
      this.state.ended = true;
    }
  },
}));

// Imported after the mock: connectDatabase loads pg when called.
import { connectDatabase, connectOnFirstUse } from '../../../sinks/database';

const quiet = () => undefined;

describe('connectDatabase', () => {
  beforeEach(() => {
    pools.length = 0;
    refusals = 0;
  });

  it('keeps the connection the engine probe was granted on the embedded engine, so what follows needs no second turn', async () => {
    engineRow = { server_version: '17.5', version: 'PostgreSQL 17.5 on x86_64-pc-linux-gnu, compiled by emcc', timescale_version: '2.23.0', timescale_available: true };
    const db = await connectDatabase({ url: 'postgres://postgres@127.0.0.1:5433/postgres', log: quiet });
    await db.query('SELECT 1');
    expect(db.engine).toMatchObject({ kind: 'timescaledb', embedded: true });
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({ options: { max: 1, maxLifetimeSeconds: 1 }, connects: 1, ended: false });
    expect(pools[0]!.queries.at(-1)).toBe('SELECT 1');
  });

  it('gives a server PostgreSQL a pool of maxConnections and lets the probe go', async () => {
    engineRow = { server_version: '15.8', version: 'PostgreSQL 15.8 (Debian 15.8-0+deb12u1) on x86_64-pc-linux-gnu', timescale_version: null, timescale_available: false };
    const db = await connectDatabase({ url: 'postgres://postgres@127.0.0.1:5432/test', maxConnections: 6, log: quiet });
    await db.query('SELECT 1');
    expect(db.engine).toMatchObject({ kind: 'postgresql', embedded: false });
    expect(pools).toHaveLength(2);
    expect(pools[0]).toMatchObject({ connects: 1, ended: true });
    expect(pools[1]).toMatchObject({ options: { max: 6 }, ended: false, queries: ['SELECT 1'] });
  });
});

describe('connectOnFirstUse', () => {
  const embedded: EngineRow = { server_version: '17.5', version: 'PostgreSQL 17.5, compiled by emcc', timescale_version: '2.23.0', timescale_available: true };

  beforeEach(() => {
    pools.length = 0;
    refusals = 0;
    engineRow = embedded;
  });

  it('touches nothing until the first query, then connects once for every query after it', async () => {
    const db = connectOnFirstUse({ url: 'postgres://postgres@127.0.0.1:5433/postgres', log: quiet });
    expect(pools).toHaveLength(0);
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    expect(pools).toHaveLength(1);
    expect(pools[0]!.queries.slice(-2)).toEqual(['SELECT 1', 'SELECT 2']);
    await db.close();
    expect(pools[0]!.ended).toBe(true);
  });

  it('fails a query at once while the database is away, and connects at a later one once it is back', async () => {
    const db = connectOnFirstUse({ url: 'postgres://postgres@127.0.0.1:5433/postgres', log: quiet });
    refusals = 1;
    await expect(db.query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    expect(pools[0]).toMatchObject({ connects: 1, ended: true });
    await db.query('SELECT 1');
    expect(pools).toHaveLength(2);
    expect(pools[1]).toMatchObject({ ended: false, queries: [expect.any(String), 'SELECT 1'] });
    await db.close();
  });
});
