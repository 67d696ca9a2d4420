import { Type } from 'avsc';
import { compatibilityProblems, type CompatibilityLevel } from '../../../stack/registry/compatibility';

const record = (fields: object[], extra: object = {}) => Type.forSchema({ type: 'record', name: 'Req', namespace: 'prm', fields, ...extra } as never);
const id = { name: 'id', type: 'string' };
const v1 = record([id]);
const check = (level: CompatibilityLevel, candidate: Type, ...prior: Type[]) =>
  compatibilityProblems(level, candidate, prior.map((type, i) => ({ version: i + 1, type })));

describe('compatibilityProblems', () => {
  it('accepts an optional field with a default under every level', () => {
    const v2 = record([id, { name: 'deadline', type: ['null', 'long'], default: null }]);
    for (const level of ['BACKWARD', 'FORWARD', 'FULL', 'BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE'] as const) {
      expect(check(level, v2, v1)).toEqual([]);
    }
  });

  it('rejects, under BACKWARD, a new field without a default and names it', () => {
    const v2 = record([id, { name: 'tier', type: 'int' }]);
    const problems = check('BACKWARD', v2, v1);
    expect(problems).toEqual(['the new schema cannot read data written with version 1: prm.Req.tier: the reader has this field, the writer does not, and it has no default']);
    expect(check('FORWARD', v2, v1)).toEqual([]);
  });

  it('accepts removing a field under BACKWARD but not under FORWARD or FULL when the old field has no default', () => {
    const v2 = record([id, { name: 'code', type: 'string' }]);
    const removed = record([id]);
    expect(check('BACKWARD', removed, v2)).toEqual([]);
    expect(check('FORWARD', removed, v2)).toEqual([
      'version 1 cannot read data written with the new schema: prm.Req.code: the reader has this field, the writer does not, and it has no default',
    ]);
    expect(check('FULL', removed, v2)).toHaveLength(1);
  });

  it('follows Avro promotion: int to long reads, long to int does not', () => {
    const asInt = record([{ name: 'cpu', type: 'int' }]);
    const asLong = record([{ name: 'cpu', type: 'long' }]);
    expect(check('BACKWARD', asLong, asInt)).toEqual([]);
    expect(check('BACKWARD', asInt, asLong)).toEqual([
      'the new schema cannot read data written with version 1: prm.Req.cpu: type changed from long to int, which Avro cannot promote',
    ]);
  });

  it('explains union and enum problems', () => {
    const nullableString = record([{ name: 'x', type: ['null', 'string'], default: null }]);
    const nullableInt = record([{ name: 'x', type: ['null', 'int'], default: null }]);
    expect(check('BACKWARD', nullableInt, nullableString)[0]).toMatch(/prm\.Req\.x<string>: the writer's string matches none of the reader's union branches \[null, int\]/);
    const enumOf = (symbols: string[], extra: object = {}) => record([{ name: 's', type: { type: 'enum', name: 'Status', symbols, ...extra } }]);
    expect(check('BACKWARD', enumOf(['OK']), enumOf(['OK', 'OOM']))[0]).toMatch(/symbols OOM of the writer are not in the reader's enum/);
    expect(check('BACKWARD', enumOf(['OK', 'UNKNOWN'], { default: 'UNKNOWN' }), enumOf(['OK', 'OOM']))).toEqual([]);
  });

  it('explains a renamed record and accepts it with an alias', () => {
    const renamed = Type.forSchema({ type: 'record', name: 'Request', namespace: 'prm', fields: [id] } as never);
    expect(check('BACKWARD', renamed, v1)[0]).toMatch(/name changed from prm\.Req to prm\.Request/);
    const aliased = Type.forSchema({ type: 'record', name: 'Request', namespace: 'prm', aliases: ['Req'], fields: [id] } as never);
    expect(check('BACKWARD', aliased, v1)).toEqual([]);
  });

  it('checks only the latest version unless transitive', () => {
    const v2 = record([id, { name: 'tier', type: 'int', default: 0 }]);
    const v3 = record([id, { name: 'tier', type: 'int' }]);
    expect(check('BACKWARD', v3, v1, v2)).toEqual([]);
    expect(check('BACKWARD_TRANSITIVE', v3, v1, v2)).toEqual([
      'the new schema cannot read data written with version 1: prm.Req.tier: the reader has this field, the writer does not, and it has no default',
    ]);
  });

  it('accepts anything under NONE and anything as a first version', () => {
    expect(check('NONE', Type.forSchema('string'), v1)).toEqual([]);
    expect(check('FULL_TRANSITIVE', v1)).toEqual([]);
  });

  it('handles recursive records without looping', () => {
    const node = (extra: object[]) =>
      Type.forSchema({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'], default: null }, ...extra] } as never);
    expect(check('BACKWARD', node([{ name: 'v', type: 'int' }]), node([]))[0]).toMatch(/Node\.v: the reader has this field/);
  });
});
