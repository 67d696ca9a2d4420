import { parseSchema } from '../../../stack/registry/canonical';
import { RegistryState, type Outcome } from '../../../stack/registry/state';
import type { LogRecord } from '../../../stack/registry/records';

const schema = (fields: object[]) => parseSchema(JSON.stringify({ type: 'record', name: 'Req', namespace: 'prm', fields })).canonical;
const id = { name: 'id', type: 'string' };
const v1 = schema([id]);
const v2 = schema([id, { name: 'tier', type: 'int', default: 0 }]);
const register = (subject: string, text: string): LogRecord => ({ kind: 'SCHEMA', subject, schema: text });

function applyAll(records: LogRecord[]): { state: RegistryState; outcomes: Outcome[] } {
  const state = new RegistryState();
  return { state, outcomes: records.map((r) => state.apply(r)) };
}

describe('RegistryState', () => {
  it('numbers versions per subject and ids globally, reusing an id for the same schema under another subject', () => {
    const { state, outcomes } = applyAll([register('a-value', v1), register('a-value', v2), register('b-value', v1)]);
    expect(outcomes.map((o) => o.ok && o.kind === 'registered' && [o.version.subject, o.version.version, o.version.id])).toEqual([
      ['a-value', 1, 1],
      ['a-value', 2, 2],
      ['b-value', 1, 1],
    ]);
    expect(state.subjectNames()).toEqual(['a-value', 'b-value']);
    expect(state.version('a-value', 'latest')).toEqual({ subject: 'a-value', version: 2, id: 2, schema: v2 });
    expect(state.schemaById(2)).toBe(v2);
    expect(state.usesOf(1)).toEqual([{ subject: 'a-value', version: 1 }, { subject: 'b-value', version: 1 }]);
  });

  it('dedupes concurrent registrations of one schema to the first in the log', () => {
    const { state, outcomes } = applyAll([register('a-value', v1), register('a-value', v1)]);
    expect(outcomes[1]).toMatchObject({ ok: true, created: false, version: { version: 1, id: 1 } });
    expect(state.versionNumbers('a-value')).toEqual([1]);
  });

  it('lets only the first of two racing, mutually incompatible schemas in', () => {
    // Each is compatible with v1 (so both instances let it through), but not with the other.
    const asInt = schema([id, { name: 'tier', type: 'int', default: 0 }]);
    const asString = schema([id, { name: 'tier', type: 'string', default: '' }]);
    const { state, outcomes } = applyAll([register('a-value', v1), register('a-value', asInt), register('a-value', asString)]);
    expect(outcomes[2]).toMatchObject({ ok: false, error: { status: 409, errorCode: 409 } });
    expect(outcomes[2]!.ok === false && outcomes[2]!.error.message).toMatch(/prm\.Req\.tier: type changed from int to string/);
    // A refused schema takes no id.
    expect(state.schemaCount).toBe(2);
  });

  it('gives every instance the same ids for the same log', () => {
    const records = [register('x', v2), register('y', v1), register('x', v1), register('y', v2), register('z', v2)];
    const a = applyAll(records).state;
    const b = applyAll(records).state;
    for (const subject of ['x', 'y', 'z']) expect(a.version(subject, 'latest')).toEqual(b.version(subject, 'latest'));
  });

  it('soft-deletes a subject, then numbers a re-registration after the old versions with the same id', () => {
    const { state, outcomes } = applyAll([
      register('a', v1),
      register('a', v2),
      { kind: 'DELETE_SUBJECT', subject: 'a', permanent: false },
      register('a', v1),
    ]);
    expect(outcomes[2]).toEqual({ ok: true, kind: 'deleted', versions: [1, 2] });
    expect(outcomes[3]).toMatchObject({ ok: true, created: true, version: { version: 3, id: 1 } });
    expect(state.versionNumbers('a')).toEqual([3]);
    expect(state.versionNumbers('a', true)).toEqual([1, 2, 3]);
  });

  it('permanently deletes only what was soft-deleted first', () => {
    const state = new RegistryState();
    state.apply(register('a', v1));
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: true })).toMatchObject({ ok: false, error: { errorCode: 40405 } });
    state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: false });
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: false })).toMatchObject({ ok: false, error: { errorCode: 40401 } });
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: true })).toEqual({ ok: true, kind: 'deleted', versions: [1] });
    expect(state.subjectNames(true)).toEqual([]);
    // The schema text stays readable by id: records already written with it must still decode.
    expect(state.schemaById(1)).toBe(v1);
  });

  it('applies subject and global compatibility, the subject level winning', () => {
    const breaking = schema([id, { name: 'tier', type: 'int' }]);
    const state = new RegistryState();
    state.apply(register('a', v1));
    state.apply(register('b', v1));
    expect(state.apply({ kind: 'CONFIG', subject: null, compatibility: 'NONE' })).toEqual({ ok: true, kind: 'config', compatibility: 'NONE' });
    state.apply({ kind: 'CONFIG', subject: 'a', compatibility: 'BACKWARD' });
    expect(state.apply(register('a', breaking)).ok).toBe(false);
    expect(state.apply(register('b', breaking)).ok).toBe(true);
    state.apply({ kind: 'CONFIG', subject: 'a', compatibility: null });
    expect(state.compatibility('a')).toBe('NONE');
  });

  it('answers lookups and missing things with Confluent error codes', () => {
    const { state } = applyAll([register('a', v1)]);
    expect(state.lookup('a', v1)).toEqual({ subject: 'a', version: 1, id: 1, schema: v1 });
    expect(() => state.lookup('a', v2)).toThrow(expect.objectContaining({ errorCode: 40403 }));
    expect(() => state.lookup('nope', v1)).toThrow(expect.objectContaining({ errorCode: 40401 }));
    expect(() => state.version('a', 7)).toThrow(expect.objectContaining({ errorCode: 40402 }));
    expect(() => state.schemaById(9)).toThrow(expect.objectContaining({ errorCode: 40403 }));
  });
});
