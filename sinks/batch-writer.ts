import type { Database, Queryable } from './database';
import { retry, type RetryOptions } from './retry';
import { SCHEMA, type ColumnType, type TableSpec } from './tables';

/** Rows for one table, with the row type erased so batches for several tables travel together. */
export interface TableBatch {
  readonly table: { readonly name: string; readonly timeColumn?: string; readonly columns: Readonly<Record<string, ColumnType>> };
  readonly rows: readonly object[];
}

export function batchOf<Row extends object>(table: TableSpec<Row>, rows: readonly Row[]): TableBatch {
  return { table, rows };
}

export interface WriteResult {
  /** Rows the database did not have. */
  inserted: number;
  /** Rows already there (a replayed batch): skipped by their unique key. */
  duplicates: number;
}

export interface BatchWriterOptions {
  /** Rows per INSERT statement; larger batches are split within the same transaction. Default 5000. */
  maxRowsPerStatement?: number;
  /** Retrying while the database is down. Default: forever with backoff up to 5 s (stall, never drop). */
  retry?: RetryOptions;
  log?: (line: string) => void;
}

export interface BatchWriter {
  /**
   * Writes every batch in one transaction and resolves only after COMMIT: the caller may then
   * acknowledge its input (commit Kafka offsets). Rows already stored are skipped, so writing
   * the same batches again after a crash inserts nothing twice. Retriable failures (server
   * down, connection reset, shutdown) are retried with backoff; others reject at once.
   */
  write(batches: readonly TableBatch[]): Promise<WriteResult>;
}

export function createBatchWriter(db: Database, options: BatchWriterOptions = {}): BatchWriter {
  const { maxRowsPerStatement = 5000, log = (line: string) => process.stderr.write(`${line}\n`) } = options;
  if (!(Number.isInteger(maxRowsPerStatement) && maxRowsPerStatement >= 1)) {
    throw new RangeError(`maxRowsPerStatement must be a positive integer, got ${maxRowsPerStatement}`);
  }
  const partitions = db.engine.kind === 'postgresql' ? partitionKeeper(db) : undefined;

  return {
    async write(batches) {
      const nonEmpty = batches.filter((b) => b.rows.length > 0);
      const total = nonEmpty.reduce((sum, b) => sum + b.rows.length, 0);
      if (total === 0) return { inserted: 0, duplicates: 0 };
      const inserted = await retry(
        async () => {
          if (partitions) for (const batch of nonEmpty) await partitions.ensure(batch);
          return db.transaction(async (tx) => {
            let count = 0;
            for (const batch of nonEmpty) {
              for (let start = 0; start < batch.rows.length; start += maxRowsPerStatement) {
                count += await insertRows(tx, batch.table, batch.rows.slice(start, start + maxRowsPerStatement));
              }
            }
            return count;
          });
        },
        {
          onRetry: (error, attempt, delayMs) =>
            log(`sink: writing ${total} rows failed (${(error as Error).message}); retry ${attempt} in ${delayMs} ms`),
          ...options.retry,
        },
      );
      return { inserted, duplicates: total - inserted };
    },
  };
}

/**
 * One INSERT per batch slice, whatever its size: each column travels as one array parameter
 * and unnest turns the arrays back into rows, so the statement text and parameter count stay
 * fixed. ON CONFLICT DO NOTHING skips rows whose unique key (which includes the time column)
 * is already stored.
 */
async function insertRows(tx: Queryable, table: TableBatch['table'], rows: readonly object[]): Promise<number> {
  const columns = Object.entries(table.columns);
  const arrays = columns.map(([name, type]) => rows.map((row) => toParameter((row as Record<string, unknown>)[name], type)));
  const sql =
    `INSERT INTO ${table.name} (${columns.map(([name]) => name).join(', ')}) ` +
    `SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) ON CONFLICT DO NOTHING`;
  const result = await tx.query(sql, arrays);
  return result.rowCount ?? 0;
}

function toParameter(value: unknown, type: ColumnType): unknown {
  if (value === undefined || value === null) return null;
  // Serialised here: node-pg would turn a JSON array inside an array parameter into a sub-array.
  if (type === 'jsonb') return JSON.stringify(value);
  return value;
}

/** Plain PostgreSQL: creates the monthly partitions a batch needs, once per process and month. */
function partitionKeeper(db: Database) {
  const ensured = new Set<string>();
  return {
    async ensure(batch: TableBatch): Promise<void> {
      const timeColumn = batch.table.timeColumn;
      if (!timeColumn) return;
      const months = new Map<string, Date>();
      for (const row of batch.rows) {
        const at = (row as Record<string, unknown>)[timeColumn];
        if (!(at instanceof Date)) continue;
        const key = `${batch.table.name}:${at.getUTCFullYear()}-${at.getUTCMonth()}`;
        if (!ensured.has(key) && !months.has(key)) months.set(key, at);
      }
      // Each month the batch has rows in, not the range between them: one row from years ago
      // among today's would otherwise make a partition for every month in between.
      for (const [key, at] of months) {
        await db.query(`SELECT ${SCHEMA}.ensure_partitions($1::regclass, $2, $2)`, [batch.table.name, at]);
        ensured.add(key);
      }
    },
  };
}
