import { BadRecordError, RegistryUnavailableError } from '../../../schemas/errors';
import type { ExecutionTelemetry } from '../../../schemas/types.generated';
import type { TableBatch, WriteResult } from '../../../sinks/batch-writer';
import { sinkBatch, mergeByTable, type BatchSteps, type SinkRecord } from '../../../sinks/consumers/batch-processor';
import { selectRoutes, sinkRoutes } from '../../../sinks/consumers/routes';
import { executionTelemetry } from '../../../sinks/tables';
import { sampleEvents } from '../schemas/samples';

const now = new Date(Date.UTC(2026, 10, 28, 6, 0));
const telemetryRoute = selectRoutes(['prm.telemetry'])[0]!;
const usage = (id: string): ExecutionTelemetry => ({ ...sampleEvents(now).ExecutionTelemetry, requestId: id });

/** Records whose value is the request id as text; 'bad-…' ids fail to decode. */
function records(ids: string[], firstOffset = 40): SinkRecord[] {
  return ids.map((id, i) => ({ topic: 't.prm.telemetry', partition: 2, offset: String(firstOffset + i), key: null, value: Buffer.from(id) }));
}

/** Fake steps: an in-memory table keyed by request id (idempotent like the real one). */
function fakeSteps(overrides: Partial<BatchSteps> = {}) {
  const stored = new Map<string, object>();
  const deadLetters: Array<{ offset: string; error: unknown }> = [];
  const writes: TableBatch[][] = [];
  const steps: BatchSteps = {
    async decode(_topic, value) {
      const id = (value as Buffer).toString();
      if (id.startsWith('bad')) throw new BadRecordError('MALFORMED', `cannot read ${id}`);
      return usage(id);
    },
    async write(batches): Promise<WriteResult> {
      writes.push([...batches]);
      let inserted = 0;
      let duplicates = 0;
      for (const batch of batches) {
        for (const row of batch.rows as Array<{ request_id: string }>) {
          if (stored.has(row.request_id)) duplicates += 1;
          else {
            stored.set(row.request_id, row);
            inserted += 1;
          }
        }
      }
      return { inserted, duplicates };
    },
    async deadLetter(record, error) {
      deadLetters.push({ offset: record.offset, error });
    },
    ...overrides,
  };
  return { steps, stored, deadLetters, writes };
}

describe('sink routes', () => {
  it('cover every topic sinks/rows.ts maps, each once', () => {
    const topics = sinkRoutes.map((r) => r.topic);
    expect(new Set(topics).size).toBe(topics.length);
    expect(topics).toEqual(expect.arrayContaining(['prm.requests', 'prm.telemetry', 'prm.cluster-metrics', 'prm.demand-predictions',
      'prm.cluster-forecasts', 'prm.scale-commands', 'prm.dispatches']));
  });

  it('map every sample event to rows of the right table', () => {
    const samples = sampleEvents(now) as unknown as Record<string, unknown>;
    for (const route of sinkRoutes) {
      const batches = route.toBatches([samples[route.event] as never]);
      expect(batches).toHaveLength(1);
      expect(batches[0]!.rows.length).toBeGreaterThanOrEqual(1);
      const row = batches[0]!.rows[0] as Record<string, unknown>;
      expect(Object.keys(row).sort()).toEqual(Object.keys(batches[0]!.table.columns).sort());
    }
  });

  it('reject unknown topics and an empty selection', () => {
    expect(() => selectRoutes(['prm.user-profiles'])).toThrow(/prm.user-profiles has no sink: choose from prm.requests/);
    expect(() => selectRoutes([])).toThrow(/at least one/);
    expect(selectRoutes().length).toBe(sinkRoutes.length);
  });
});

describe('sinkBatch', () => {
  it('writes the good records in one write, dead-letters the bad ones in offset order, and commits past the batch', async () => {
    const { steps, stored, deadLetters, writes } = fakeSteps();
    const outcome = await sinkBatch(telemetryRoute, records(['a', 'bad-1', 'b', 'c', 'bad-2']), steps);
    expect(outcome).toEqual({ records: 5, inserted: 3, duplicates: 0, deadLettered: 2, nextOffset: '45' });
    expect([...stored.keys()]).toEqual(['a', 'b', 'c']);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(1);
    expect(writes[0]![0]!.table.name).toBe(executionTelemetry.name);
    expect(deadLetters.map((d) => d.offset)).toEqual(['41', '44']);
    expect((deadLetters[0]!.error as BadRecordError).reason).toBe('MALFORMED');
  });

  it('replaying a batch inserts nothing twice', async () => {
    const { steps, stored } = fakeSteps();
    await sinkBatch(telemetryRoute, records(['a', 'b']), steps);
    const again = await sinkBatch(telemetryRoute, records(['a', 'b']), steps);
    expect(again).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(stored.size).toBe(2);
  });

  it('handles offsets beyond 2^53', async () => {
    const { steps } = fakeSteps();
    const batch = records(['a']).map((r) => ({ ...r, offset: '9007199254740993' }));
    expect((await sinkBatch(telemetryRoute, batch, steps)).nextOffset).toBe('9007199254740994');
  });

  it('rejects on a retriable decode failure, before writing or dead-lettering anything', async () => {
    const { steps, writes, deadLetters } = fakeSteps({
      decode: async () => {
        throw new RegistryUnavailableError('registry down', new Error('ECONNREFUSED'));
      },
    });
    await expect(sinkBatch(telemetryRoute, records(['a', 'bad-1']), steps)).rejects.toThrow(/registry down/);
    expect(writes).toHaveLength(0);
    expect(deadLetters).toHaveLength(0);
  });

  it('rejects when the write gives up retrying (shutdown), without dead-lettering the good records', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { steps, deadLetters } = fakeSteps({ write: async () => Promise.reject(down) });
    await expect(sinkBatch(telemetryRoute, records(['a', 'b']), steps)).rejects.toBe(down);
    expect(deadLetters).toHaveLength(0);
  });

  it('isolates rows the database refuses for good: the rest are stored, the refused ones dead-lettered', async () => {
    const fake = fakeSteps();
    const realWrite = fake.steps.write;
    const refused = Object.assign(new Error('value "9e99" is out of range for type bigint'), { code: '22003' });
    fake.steps.write = async (batches) => {
      const ids = batches.flatMap((b) => (b.rows as Array<{ request_id: string }>).map((r) => r.request_id));
      if (ids.includes('poison')) throw refused;
      return realWrite(batches);
    };
    const outcome = await sinkBatch(telemetryRoute, records(['a', 'poison', 'b']), fake.steps);
    expect(outcome).toMatchObject({ inserted: 2, deadLettered: 1, nextOffset: '43' });
    expect([...fake.stored.keys()]).toEqual(['a', 'b']);
    expect(fake.deadLetters).toEqual([{ offset: '41', error: refused }]);
  });

  it('merges batches of the same table', () => {
    const rows = (n: number) => Array.from({ length: n }, () => ({}));
    const merged = mergeByTable([
      { table: executionTelemetry, rows: rows(2) },
      { table: { ...executionTelemetry, name: 'other' }, rows: rows(1) },
      { table: executionTelemetry, rows: rows(3) },
    ]);
    expect(merged.map((b) => [b.table.name, b.rows.length])).toEqual([[executionTelemetry.name, 5], ['other', 1]]);
  });
});
