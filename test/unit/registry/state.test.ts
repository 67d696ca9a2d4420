import { parseSchema } from '../../../stack/registry/canonical';
import type { LogRecord, SchemaRecord } from '../../../stack/registry/records';
import { RegistryState, type Outcome } from '../../../stack/registry/state';

const schema = (fields: object[]) => parseSchema(JSON.stringify({ type: 'record', name: 'Req', namespace: 'prm', fields })).canonical;
const id = { name: 'id', type: 'string' };
const v1 = schema([id]);
const v2 = schema([id, { name: 'tier', type: 'int', default: 0 }]);

/** The record a writer would produce now (the schema must not be live under the subject yet). */
function proposal(state: RegistryState, subject: string, text: string): SchemaRecord {
  const plan = state.plan(subject, text);
  if (plan.kind !== 'propose') throw new Error(`${subject} already has this schema`);
  return plan.record;
}

/** One writer, no race: plan and apply at once, as a lone instance does. */
function registerNow(state: RegistryState, subject: string, text: string): Outcome {
  return state.apply(proposal(state, subject, text));
}

const registered = (o: Outcome | undefined) => (o?.ok && o.kind === 'registered' ? [o.version.subject, o.version.version, o.version.id] : o);

describe('RegistryState', () => {
  it('numbers versions per subject and ids globally, reusing an id for the same schema under another subject', () => {
    const state = new RegistryState();
    expect([registerNow(state, 'a-value', v1), registerNow(state, 'a-value', v2), registerNow(state, 'b-value', v1)].map(registered)).toEqual([
      ['a-value', 1, 1],
      ['a-value', 2, 2],
      ['b-value', 1, 1],
    ]);
    expect(state.subjectNames()).toEqual(['a-value', 'b-value']);
    expect(state.version('a-value', 'latest')).toEqual({ subject: 'a-value', version: 2, id: 2, schema: v2 });
    expect(state.schemaById(2)).toBe(v2);
    expect(state.usesOf(1)).toEqual([{ subject: 'a-value', version: 1 }, { subject: 'b-value', version: 1 }]);
    expect(state.plan('a-value', v1)).toEqual({ kind: 'exists', version: { subject: 'a-value', version: 1, id: 1, schema: v1 } });
  });

  it('dedupes concurrent registrations of one schema to the first in the log', () => {
    const state = new RegistryState();
    const [first, second] = [proposal(state, 'a', v1), proposal(state, 'a', v1)];
    expect(registered(state.apply(first))).toEqual(['a', 1, 1]);
    expect(state.apply(second)).toMatchObject({ ok: true, created: false, version: { version: 1, id: 1 } });
    expect(state.versionNumbers('a')).toEqual([1]);
  });

  it('refuses as stale a proposal the log moved past; planned again, an incompatible one is refused', () => {
    // Each is compatible with v1 (so two instances would both let it through), but not with the other.
    const asInt = schema([id, { name: 'tier', type: 'int', default: 0 }]);
    const asString = schema([id, { name: 'tier', type: 'string', default: '' }]);
    const state = new RegistryState();
    registerNow(state, 'a', v1);
    const [intRecord, stringRecord] = [proposal(state, 'a', asInt), proposal(state, 'a', asString)];
    expect(registered(state.apply(intRecord))).toEqual(['a', 2, 2]);
    expect(state.apply(stringRecord)).toMatchObject({ ok: false, stale: true, error: { errorCode: 40901 } });
    expect(() => state.plan('a', asString)).toThrow(expect.objectContaining({ status: 409, message: expect.stringMatching(/prm\.Req\.tier: type changed from int to string/) }));
    expect(state.schemaCount).toBe(2);
  });

  it('gives racing new schemas on different subjects consecutive ids in log order, with no re-plan', () => {
    const state = new RegistryState();
    const [x, y] = [proposal(state, 'x', v1), proposal(state, 'y', v2)];
    expect([registered(state.apply(y)), registered(state.apply(x))]).toEqual([['y', 1, 1], ['x', 1, 2]]);
    // The same new text racing under two subjects gets one id.
    const text = schema([id, { name: 'p', type: 'int', default: 1 }]);
    const [p, q] = [proposal(state, 'p', text), proposal(state, 'q', text)];
    expect([registered(state.apply(p)), registered(state.apply(q))]).toEqual([['p', 1, 3], ['q', 1, 3]]);
  });

  it('replays a log to the same state without judging compatibility again', () => {
    const writer = new RegistryState();
    const log: LogRecord[] = [];
    const write = (record: LogRecord) => {
      log.push(record);
      return writer.apply(record);
    };
    write(proposal(writer, 'x', v2));
    write(proposal(writer, 'y', v1));
    write({ kind: 'CONFIG', subject: 'x', compatibility: 'NONE' });
    // Accepted under NONE, then the subject goes back to BACKWARD: the log keeps what was decided.
    const breaking = schema([id, { name: 'must', type: 'long' }]);
    write(proposal(writer, 'x', breaking));
    write({ kind: 'CONFIG', subject: 'x', compatibility: 'BACKWARD' });
    write(proposal(writer, 'y', v2));
    const replayed = new RegistryState();
    const outcomes = log.map((r) => replayed.apply(r));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    for (const subject of ['x', 'y']) expect(replayed.version(subject, 'latest')).toEqual(writer.version(subject, 'latest'));
    expect(replayed.version('x', 'latest')).toMatchObject({ version: 2, id: 3, schema: breaking });
  });

  it('soft-deletes a subject, then numbers a re-registration after the old versions with the same id', () => {
    const state = new RegistryState();
    registerNow(state, 'a', v1);
    registerNow(state, 'a', v2);
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: false })).toEqual({ ok: true, kind: 'deleted', versions: [1, 2] });
    expect(registerNow(state, 'a', v1)).toMatchObject({ ok: true, created: true, version: { version: 3, id: 1 } });
    expect(state.versionNumbers('a')).toEqual([3]);
    expect(state.versionNumbers('a', true)).toEqual([1, 2, 3]);
  });

  it('permanently deletes only what was soft-deleted first', () => {
    const state = new RegistryState();
    registerNow(state, 'a', v1);
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: true })).toMatchObject({ ok: false, error: { errorCode: 40405 } });
    state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: false });
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: false })).toMatchObject({ ok: false, error: { errorCode: 40401 } });
    expect(state.apply({ kind: 'DELETE_SUBJECT', subject: 'a', permanent: true })).toEqual({ ok: true, kind: 'deleted', versions: [1] });
    expect(state.subjectNames(true)).toEqual([]);
    // The schema text stays readable by id: records already written with it must still decode.
    expect(state.schemaById(1)).toBe(v1);
    expect(registered(registerNow(state, 'a', v2))).toEqual(['a', 1, 2]);
  });

  it('applies subject and global compatibility, the subject level winning', () => {
    const breaking = schema([id, { name: 'tier', type: 'int' }]);
    const state = new RegistryState();
    registerNow(state, 'a', v1);
    registerNow(state, 'b', v1);
    expect(state.apply({ kind: 'CONFIG', subject: null, compatibility: 'NONE' })).toEqual({ ok: true, kind: 'config', compatibility: 'NONE' });
    state.apply({ kind: 'CONFIG', subject: 'a', compatibility: 'BACKWARD' });
    expect(() => state.plan('a', breaking)).toThrow(expect.objectContaining({ status: 409, message: expect.stringMatching(/under BACKWARD/) }));
    expect(registerNow(state, 'b', breaking).ok).toBe(true);
    state.apply({ kind: 'CONFIG', subject: 'a', compatibility: null });
    expect(state.compatibility('a')).toBe('NONE');
  });

  it('answers lookups and missing things with Confluent error codes', () => {
    const state = new RegistryState();
    registerNow(state, 'a', v1);
    expect(state.lookup('a', v1)).toEqual({ subject: 'a', version: 1, id: 1, schema: v1 });
    expect(() => state.lookup('a', v2)).toThrow(expect.objectContaining({ errorCode: 40403 }));
    expect(() => state.lookup('nope', v1)).toThrow(expect.objectContaining({ errorCode: 40401 }));
    expect(() => state.version('a', 7)).toThrow(expect.objectContaining({ errorCode: 40402 }));
    expect(() => state.schemaById(9)).toThrow(expect.objectContaining({ errorCode: 40403 }));
  });
});
