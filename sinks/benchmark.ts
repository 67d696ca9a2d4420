/**
 * Write throughput of the sinks, and the embedded server's start times. A command, not a test:
 *
 *   node --require tsx/cjs sinks/benchmark.ts [--url URL ...] [--embedded] [--rows 20000] [--batch 2000] [--json FILE]
 *
 * --url may be repeated (e.g. the system PostgreSQL and DATABASE_URL); --embedded also starts
 * a fresh embedded TimescaleDB (cold start), restarts it (warm start) and measures it too.
 * Rows go to prm.execution_telemetry under a unique user prefix and are deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batchOf, createBatchWriter } from './batch-writer';
import { connectDatabase, redact, type Database } from './database';
import { describeEngine } from './engine';
import { migrate } from './migrations/runner';
import { telemetryRow } from './rows';
import { executionTelemetry } from './tables';
import { spawnEmbeddedTimescale } from '../stack/timescale/spawn';

export interface WriteFigures {
  database: string;
  engine: string;
  rows: number;
  batchSize: number;
  /** Fresh rows inserted per second, batches committed one after another. */
  insertRowsPerSecond: number;
  /** Rows per second when the same batches are replayed (all duplicates, nothing inserted). */
  replayRowsPerSecond: number;
}

export async function measureWrites(db: Database, label: string, rows: number, batchSize: number, now: () => number = Date.now): Promise<WriteFigures> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const start = Date.UTC(2025, 0, 6);
  const all = Array.from({ length: rows }, (_, i) =>
    telemetryRow({
      requestId: `${prefix}-r${i}`,
      userId: `${prefix}-u${i % 100}`,
      instanceId: `vm-${i % 8}`,
      startedAt: new Date(start + i * 1000 - 700),
      endedAt: new Date(start + i * 1000),
      cpuMs: (i % 97) * 3,
      peakMemoryBytes: 50_000_000 + (i % 13) * 1_000_000,
      ioReadBytes: 4096 * (i % 7),
      ioWriteBytes: 1024 * (i % 5),
      exitStatus: 'OK',
      exitCode: 0,
      allocated: { cpuMillicores: 1000, memoryBytes: 2 ** 30, timeoutMs: 30_000 },
    }),
  );
  const writer = createBatchWriter(db, { log: () => undefined });
  const pass = async (): Promise<{ seconds: number; inserted: number }> => {
    const t0 = now();
    let inserted = 0;
    for (let at = 0; at < all.length; at += batchSize) {
      inserted += (await writer.write([batchOf(executionTelemetry, all.slice(at, at + batchSize))])).inserted;
    }
    return { seconds: (now() - t0) / 1000, inserted };
  };
  try {
    const insert = await pass();
    const replay = await pass();
    if (insert.inserted !== rows || replay.inserted !== 0) {
      throw new Error(`benchmark integrity: inserted ${insert.inserted} then ${replay.inserted} of ${rows} rows`);
    }
    return {
      database: label,
      engine: describeEngine(db.engine),
      rows,
      batchSize,
      insertRowsPerSecond: Math.round(rows / insert.seconds),
      replayRowsPerSecond: Math.round(rows / replay.seconds),
    };
  } finally {
    await db.query(`DELETE FROM ${executionTelemetry.name} WHERE user_id LIKE $1`, [`${prefix}-%`]);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', multiple: true },
      embedded: { type: 'boolean' },
      rows: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const rows = Number(values.rows ?? 20_000);
  const batchSize = Number(values.batch ?? 2000);
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(batchSize) && batchSize > 0)) throw new Error('--rows and --batch must be positive integers');
  const urls = values.url ?? [];
  if (urls.length === 0 && !values.embedded) throw new Error('give --url URL (repeatable) and/or --embedded');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const figures: WriteFigures[] = [];
  const starts: Array<{ start: 'cold' | 'warm'; readyMs: number }> = [];

  for (const url of urls) {
    const db = await connectDatabase({ url, log });
    try {
      await migrate(db, { log });
      figures.push(await measureWrites(db, redact(url), rows, batchSize));
    } finally {
      await db.close();
    }
  }

  if (values.embedded) {
    const dir = mkdtempSync(join(tmpdir(), 'prm-bench-timescale-'));
    try {
      for (const start of ['cold', 'warm'] as const) {
        const t0 = Date.now();
        const server = await spawnEmbeddedTimescale({ dataDir: join(dir, 'data') });
        starts.push({ start, readyMs: Date.now() - t0 });
        try {
          if (start === 'warm') {
            const db = await connectDatabase({ url: server.url, log });
            try {
              await migrate(db, { log });
              figures.push(await measureWrites(db, 'embedded (fresh data dir)', rows, batchSize));
            } finally {
              await db.close();
            }
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const table = [
    ['database', 'engine', 'rows', 'batch', 'insert rows/s', 'replay rows/s'],
    ...figures.map((f) => [f.database, f.engine, String(f.rows), String(f.batchSize), String(f.insertRowsPerSecond), String(f.replayRowsPerSecond)]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
  for (const s of starts) process.stdout.write(`embedded TimescaleDB ${s.start} start (spawn to SELECT 1): ${s.readyMs} ms\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ writes: figures, embeddedStarts: starts }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`sink benchmark: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
