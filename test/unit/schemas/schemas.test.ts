import { avroType } from '../../../schemas/avro';
import { eventNames, eventSchema, eventType } from '../../../schemas/events';
import type { AvroComplexSchema, AvroField, AvroSchemaJson } from '../../../schemas/schema-files';
import { validateEvent } from '../../../schemas/validation';
import { sampleEvents } from './samples';

const now = new Date('2026-11-28T06:00:00.000Z');

/** Every record reachable from a schema, with the path to it. */
function records(schema: AvroSchemaJson, path: string, out: Array<{ path: string; record: AvroComplexSchema }> = []) {
  if (typeof schema === 'string') return out;
  if (Array.isArray(schema)) {
    schema.forEach((s) => records(s, path, out));
    return out;
  }
  if (typeof schema.type !== 'string') return records(schema.type, path, out);
  if (schema.type === 'record') {
    out.push({ path, record: schema });
    (schema.fields ?? []).forEach((f) => records(f.type, `${path}.${f.name}`, out));
  }
  if (schema.items) records(schema.items, `${path}[]`, out);
  if (schema.values) records(schema.values, `${path}{}`, out);
  return out;
}

function fields(name: (typeof eventNames)[number]): Array<{ path: string; field: AvroField }> {
  return records(eventSchema(name), name).flatMap(({ path, record }) =>
    (record.fields ?? []).map((field) => ({ path: `${path}.${field.name}`, field })));
}

describe('event schemas', () => {
  it('cover every event the issue lists', () => {
    expect(eventNames).toEqual([
      'ClusterLoadForecast', 'ClusterMetrics', 'CodeFeatures', 'DeadLetter', 'ExecutionRequest', 'ExecutionTelemetry',
      'FleetShare', 'JobDispatch', 'ModelUpdated', 'PoolClock', 'PredictedDemand', 'ScaleCommand', 'SchedulerBacklog', 'UserProfile',
    ]);
  });

  it.each(eventNames)('%s: namespaced, every record and field documented', (name) => {
    expect(eventSchema(name).namespace).toBe('io.prm.events');
    for (const { path, record } of records(eventSchema(name), name)) expect({ path, doc: typeof record.doc }).toEqual({ path, doc: 'string' });
    for (const { path, field } of fields(name)) expect({ path, doc: typeof field.doc }).toEqual({ path, doc: 'string' });
  });

  it.each(eventNames)('%s: optional fields are ["null", T] with default null; times are timestamp-millis', (name) => {
    for (const { path, field } of fields(name)) {
      if (Array.isArray(field.type)) {
        expect({ path, first: field.type[0], default: field.default }).toEqual({ path, first: 'null', default: null });
      }
      const inner = Array.isArray(field.type) ? field.type[field.type.length - 1] : field.type;
      if (/(At|deadline|windowStart|windowEnd|effectiveBy|Timestamp)$/.test(field.name) || field.name === 'at') {
        expect({ path, type: inner }).toEqual({ path, type: { type: 'long', logicalType: 'timestamp-millis' } });
      }
    }
  });

  it.each(eventNames)('%s: builds with unwrapped unions (none ambiguous)', (name) => {
    expect(() => eventType(name)).not.toThrow();
  });

  it.each(eventNames)('%s: a full sample round-trips through Avro keeping every field, Dates as Dates', (name) => {
    const sample = sampleEvents(now)[name];
    const type = eventType(name);
    const decoded = type.fromBuffer(type.toBuffer(sample)) as Record<string, unknown>;
    expect(decoded).toEqual(sample);
    for (const [key, value] of Object.entries(sample)) {
      if (value instanceof Date) expect(decoded[key]).toBeInstanceOf(Date);
    }
  });

  it.each(eventNames)('%s: the sample is valid', (name) => {
    expect(validateEvent(name, sampleEvents(now)[name], { now: now.getTime() })).toEqual([]);
  });

  it('encodes optional fields left out as null and plain numbers in unions without wrapping', () => {
    const { deadline: _d, resourceHints: _h, ...required } = sampleEvents(now).ExecutionRequest;
    const type = eventType('ExecutionRequest');
    expect(type.fromBuffer(type.toBuffer(required))).toMatchObject({ deadline: null, resourceHints: null });
    const withHint = { ...required, resourceHints: { cpuMs: 1.25 } };
    expect(type.fromBuffer(type.toBuffer(withHint))).toMatchObject({ resourceHints: { cpuMs: 1.25, memoryBytes: null } });
  });

  it('refuses an Invalid Date and a number where a time belongs', () => {
    const type = eventType('ClusterMetrics');
    const metrics = sampleEvents(now).ClusterMetrics;
    expect(type.isValid({ ...metrics, at: new Date(Number.NaN) })).toBe(false);
    expect(type.isValid({ ...metrics, at: now.getTime() })).toBe(false);
  });
});

describe('avroType', () => {
  it('refuses unions it could not tell apart by value, instead of guessing a branch', () => {
    expect(() => avroType({ type: 'record', name: 'A', fields: [{ name: 'n', type: ['null', 'int', 'double'] }] })).toThrow('ambiguous unwrapped union');
    expect(() => avroType({ type: 'record', name: 'B', fields: [{ name: 'm', type: ['null', { type: 'map', values: 'int' },
      { type: 'record', name: 'R', fields: [] }] }] })).toThrow('ambiguous unwrapped union');
  });

  it('reads old long times into Dates when a field becomes timestamp-millis', () => {
    const old = avroType({ type: 'record', name: 'T', fields: [{ name: 'at', type: 'long' }] });
    const current = avroType({ type: 'record', name: 'T', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] });
    expect(current.fromBuffer(old.toBuffer({ at: 1_764_309_600_000 }), current.createResolver(old))).toEqual({ at: new Date(1_764_309_600_000) });
  });
});
