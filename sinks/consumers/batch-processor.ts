import { BadRecordError } from '../../schemas/errors';
import type { DeadLetterSource } from '../../streams/dead-letters';
import type { TableBatch, WriteResult } from '../batch-writer';
import { isTransientDatabaseError } from '../errors';
import type { SinkRoute } from './routes';

/** One Kafka record as the sink sees it (kafkajs's message plus where it came from). */
export type SinkRecord = DeadLetterSource & { offset: string };

/** What a batch needs from the outside world; the Kafka consumer wires the real ones, tests fakes. */
export interface BatchSteps {
  /** Decodes and validates a value; throws a BadRecordError for a record that can never be read. */
  decode(topic: string, value: Buffer | null): Promise<unknown>;
  /** Writes rows durably (resolves after COMMIT), retrying while the database is down. */
  write(batches: readonly TableBatch[]): Promise<WriteResult>;
  /** Publishes a rejected record to the dead-letter topic. */
  deadLetter(record: SinkRecord, error: unknown): Promise<void>;
}

export interface BatchOutcome {
  records: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
  /** The offset to commit: one past the last record of the batch. */
  nextOffset: string;
}

/**
 * Sinks one partition's batch: decodes every record (bad ones go to the dead-letter topic and
 * the batch goes on), maps the rest to rows, and writes them in one transaction. Resolves only
 * when every record is either stored or dead-lettered, so the caller may then commit
 * `nextOffset`. A retriable failure (registry or database unreachable, shutdown) rejects and
 * the batch is tried again from its first record: the writes are idempotent.
 *
 * A row the database refuses for good (a value out of a column's range, say) would block the
 * partition forever; when a write fails that way the records are written one at a time and
 * only the refused ones are dead-lettered.
 */
export async function sinkBatch(route: SinkRoute, records: readonly SinkRecord[], steps: BatchSteps): Promise<BatchOutcome> {
  if (records.length === 0) throw new RangeError('sinkBatch needs at least one record');
  const rejected: Array<{ record: SinkRecord; error: unknown }> = [];
  const accepted: Array<{ record: SinkRecord; batches: TableBatch[] }> = [];
  for (const record of records) {
    let event: unknown;
    try {
      event = await steps.decode(record.topic, record.value);
    } catch (error) {
      if (!(error instanceof BadRecordError)) throw error;
      rejected.push({ record, error });
      continue;
    }
    try {
      accepted.push({ record, batches: route.toBatches([event as never]) });
    } catch (error) {
      rejected.push({ record, error });
    }
  }

  let written: WriteResult = { inserted: 0, duplicates: 0 };
  try {
    written = await steps.write(mergeByTable(accepted.flatMap((a) => a.batches)));
  } catch (error) {
    if (isTransientDatabaseError(error)) throw error;
    for (const { record, batches } of accepted) {
      try {
        const one = await steps.write(batches);
        written = { inserted: written.inserted + one.inserted, duplicates: written.duplicates + one.duplicates };
      } catch (recordError) {
        if (isTransientDatabaseError(recordError)) throw recordError;
        rejected.push({ record, error: recordError });
      }
    }
  }

  // In offset order, so a partition's dead letters read like its log.
  rejected.sort((a, b) => Number(BigInt(a.record.offset) - BigInt(b.record.offset)));
  for (const { record, error } of rejected) await steps.deadLetter(record, error);

  const last = records[records.length - 1] as SinkRecord;
  return {
    records: records.length,
    inserted: written.inserted,
    duplicates: written.duplicates,
    deadLettered: rejected.length,
    nextOffset: (BigInt(last.offset) + 1n).toString(),
  };
}

/** One batch per table, so a transaction carries one INSERT per table however many records fed it. */
export function mergeByTable(batches: readonly TableBatch[]): TableBatch[] {
  const byTable = new Map<string, { table: TableBatch['table']; rows: object[] }>();
  for (const batch of batches) {
    const merged = byTable.get(batch.table.name) ?? { table: batch.table, rows: [] };
    merged.rows.push(...batch.rows);
    byTable.set(batch.table.name, merged);
  }
  return [...byTable.values()];
}
