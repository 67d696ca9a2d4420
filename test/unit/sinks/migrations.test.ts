import type { Engine } from '../../../sinks/engine';
import { engineFrom } from '../../../sinks/engine';
import { aggregates, hypertables, migrations } from '../../../sinks/migrations/schema';
import * as tables from '../../../sinks/tables';

const timescale: Engine = { kind: 'timescaledb', serverVersion: '17.5', timescaleVersion: '2.23.0', embedded: false };
const plain: Engine = { kind: 'postgresql', serverVersion: '15.20', embedded: false };
const plan = (engine: Engine) => migrations.flatMap((m) => m.plan(engine).statements).join(';\n');

describe('engine detection', () => {
  it('tells TimescaleDB, plain PostgreSQL and the embedded PGlite apart', () => {
    const wasm = 'PostgreSQL 17.5 on aarch64-unknown-linux-gnu, compiled by emcc (Emscripten gcc/clang-like replacement) 3.1.74, 32-bit';
    expect(engineFrom({ server_version: '17.5', version: wasm, timescale_version: '2.23.0-dev', timescale_available: true })).toEqual({
      kind: 'timescaledb',
      serverVersion: '17.5',
      timescaleVersion: '2.23.0-dev',
      embedded: true,
    });
    expect(engineFrom({ server_version: '15.20', version: 'PostgreSQL 15.20 (Debian) on x86_64-pc-linux-gnu, compiled by gcc', timescale_version: null, timescale_available: false })).toEqual({
      kind: 'postgresql',
      serverVersion: '15.20',
      embedded: false,
    });
  });
});

describe('migrations', () => {
  it('are numbered uniquely in order', () => {
    const ids = migrations.map((m) => m.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
  });

  it('make hypertables on TimescaleDB and range-partitioned tables with a time_bucket shim on plain PostgreSQL', () => {
    const ts = plan(timescale);
    const pg = plan(plain);
    for (const table of hypertables) {
      expect(ts).toContain(`create_hypertable('${table.name}', by_range('${table.timeColumn}'`);
      expect(pg).toContain(`${table.name} (`);
      expect(pg).toContain(`PARTITION BY RANGE (${table.timeColumn})`);
      expect(pg).toContain(`${table.name}_default PARTITION OF ${table.name} DEFAULT`);
    }
    expect(ts).not.toContain('PARTITION BY');
    expect(ts).not.toContain('date_bin');
    expect(pg).toContain('date_bin(bucket_width, ts, TIMESTAMPTZ \'2000-01-03 00:00:00+00\')');
    expect(pg).not.toContain('create_hypertable');
  });

  it('keep every unique key on a time-series table including its time column', () => {
    for (const table of hypertables) {
      const keys = [...table.body.matchAll(/UNIQUE \(([^)]*)\)/g)].map((m) => m[1] ?? '');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.split(',').map((c) => c.trim())).toContain(table.timeColumn);
    }
  });

  it('use the same aggregate query on both engines: continuous aggregates there, materialized views here', () => {
    const ts = plan(timescale);
    const pg = plan(plain);
    for (const aggregate of aggregates) {
      expect(ts).toContain(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${aggregate.name} WITH (timescaledb.continuous`);
      expect(ts).toContain(aggregate.query);
      expect(pg).toContain(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${aggregate.name} AS ${aggregate.query}`);
    }
  });

  it('add policies only on TimescaleDB and say why not on plain PostgreSQL', () => {
    const policies = migrations.find((m) => m.name.includes('policies'));
    expect(policies?.plan(timescale).statements.some((s) => s.includes('add_retention_policy'))).toBe(true);
    expect(policies?.plan(timescale).statements.some((s) => s.includes('add_compression_policy'))).toBe(true);
    expect(policies?.plan(plain).statements).toEqual([]);
    expect(policies?.plan(plain).skipped).toMatch(/plain PostgreSQL/);
  });

  it('create every column the writer inserts', () => {
    const specs = [
      tables.executionRequests,
      tables.executionTelemetry,
      tables.clusterMetrics,
      tables.demandPredictions,
      tables.clusterLoadForecasts,
      tables.scaleCommands,
      tables.jobDispatches,
      tables.predictionErrors,
      tables.codeFeatures,
    ];
    for (const spec of specs) {
      const table = hypertables.find((t) => t.name === spec.name);
      expect(table?.timeColumn).toBe(spec.timeColumn);
      const declared = [...(table?.body ?? '').matchAll(/(?:^|,)\s*([a-z_0-9]+) (?:timestamptz|text|integer|bigint|double precision|jsonb|boolean)/g)].map((m) => m[1]);
      // Columns added by later migrations, on either engine.
      for (const engine of [timescale, plain]) {
        const added = new RegExp(`ALTER TABLE ${spec.name.replace('.', '\\.')} ADD COLUMN IF NOT EXISTS ([a-z_0-9]+)`, 'g');
        for (const m of plan(engine).matchAll(added)) if (!declared.includes(m[1])) declared.push(m[1]);
      }
      expect(declared.sort()).toEqual(Object.keys(spec.columns).sort());
    }
  });
});
