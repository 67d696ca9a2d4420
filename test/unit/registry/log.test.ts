import { LogFollower } from '../../../stack/registry/follower';
import { decodeRecord, encodeRecord, UnreadableFormat, type LogRecord } from '../../../stack/registry/records';

const schemaRecord: LogRecord = { kind: 'SCHEMA', subject: 's', schema: '"string"', version: 1 };

describe('log records', () => {
  it('round-trip every kind', () => {
    const records: LogRecord[] = [
      schemaRecord,
      { kind: 'DELETE_SUBJECT', subject: 's', permanent: true },
      { kind: 'CONFIG', subject: null, compatibility: 'FULL' },
      { kind: 'CONFIG', subject: 's', compatibility: null },
    ];
    for (const record of records) expect(decodeRecord(encodeRecord('p1', record).value)).toEqual({ proposal: 'p1', record });
  });

  it('key schema records uniquely, so compaction never removes one, and config records by subject', () => {
    const key = (proposal: string, record: LogRecord) => encodeRecord(proposal, record).key.toString();
    expect(key('p1', schemaRecord)).not.toBe(key('p2', schemaRecord));
    const config: LogRecord = { kind: 'CONFIG', subject: 's', compatibility: 'FULL' };
    expect(key('p1', config)).toBe(key('p2', { ...config, compatibility: 'NONE' }));
  });

  it.each([
    ['not JSON', '{'],
    ['a bad compatibility', JSON.stringify({ v: 2, proposal: 'p', kind: 'CONFIG', subject: null, compatibility: 'SOMETIMES' })],
    ['an empty subject', JSON.stringify({ v: 2, proposal: 'p', kind: 'SCHEMA', subject: '', schema: '"int"', version: 1 })],
    ['a schema without its version', JSON.stringify({ v: 2, proposal: 'p', kind: 'SCHEMA', subject: 's', schema: '"int"' })],
  ])('refuse %s', (_what, text) => {
    expect(decodeRecord(Buffer.from(text))).toBeInstanceOf(Error);
  });
});

describe('LogFollower', () => {
  it('hands the writer the outcome of its own record', async () => {
    const follower = new LogFollower();
    const mine = follower.outcomeOf('mine');
    follower.apply(0, encodeRecord('theirs', schemaRecord).value);
    follower.apply(1, encodeRecord('mine', schemaRecord).value);
    await expect(mine).resolves.toMatchObject({ ok: true, created: false, version: { id: 1, version: 1 } });
    expect(follower.position).toBe(2);
  });

  it('stops at a record format it does not read rather than shift later ids', () => {
    const follower = new LogFollower();
    const future = Buffer.from(JSON.stringify({ v: 3, proposal: 'p', kind: 'SCHEMA', subject: 's', schema: '"int"', version: 1 }));
    expect(() => follower.apply(0, future)).toThrow(UnreadableFormat);
    expect(() => follower.apply(0, future)).toThrow(/offset 0: record format 3 is not one this registry reads/);
    expect(follower.position).toBe(0);
  });

  it('reads format 1 schema records, which named no version, as the next version', () => {
    const follower = new LogFollower();
    const old = (schema: string) => Buffer.from(JSON.stringify({ v: 1, proposal: 'p', kind: 'SCHEMA', subject: 's', schema }));
    follower.apply(0, old('"int"'));
    follower.apply(1, old('"long"'));
    expect(follower.state.version('s', 'latest')).toEqual({ subject: 's', version: 2, id: 2, schema: '"long"' });
  });

  it('ignores a redelivered offset and skips malformed records with a warning', () => {
    const warnings: string[] = [];
    const follower = new LogFollower((line) => warnings.push(line));
    const value = encodeRecord('p', schemaRecord).value;
    follower.apply(0, value);
    follower.apply(0, value);
    follower.apply(1, Buffer.from('garbage'));
    follower.apply(2, null);
    expect(follower.state.versionNumbers('s')).toEqual([1]);
    expect(warnings).toEqual([expect.stringMatching(/offset 1: not JSON/)]);
    expect(follower.position).toBe(3);
  });
});
