import type * as avro from 'avsc';
import { avroStateSerde } from '../../../streams/runtime/avro-state-serde';
import { DecodeError } from '../../../streams/runtime/errors';
import { jsonSerde } from '../../../streams/runtime/serde';

interface Slot {
  name: string;
  size: number;
  note?: string;
  inner?: { at: number };
}

const serde = avroStateSerde<Slot>({
  type: 'record', name: 'Slot', namespace: 'test.state',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'size', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'inner', type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'at', type: 'double' }] }], default: null },
  ],
});

describe('avroStateSerde', () => {
  it('restores what it logged, an absent optional field absent (as JSON did), not null', () => {
    const full: Slot = { name: 'a', size: 1.5, note: 'n', inner: { at: 7 } };
    expect(serde.deserialize(serde.serialize(full))).toEqual(full);
    const bare = serde.deserialize(serde.serialize({ name: 'b', size: 2 }));
    expect(bare).toStrictEqual({ name: 'b', size: 2 });
    expect('note' in bare).toBe(false);
  });

  it('restores a value an older runtime logged as JSON, so a changelog switches in place', () => {
    const logged = jsonSerde<Slot>().serialize({ name: 'old', size: 3, inner: { at: 1 } });
    expect(serde.deserialize(logged)).toEqual({ name: 'old', size: 3, inner: { at: 1 } });
  });

  it('is smaller than JSON, and keeps NaN and infinities that JSON turned into null', () => {
    const value: Slot = { name: 'alibaba:6851/40556#0', size: 268435456, inner: { at: 1732924800123 } };
    expect(serde.serialize(value).length).toBeLessThan(jsonSerde<Slot>().serialize(value).length * 0.6);
    expect(serde.deserialize(serde.serialize({ name: 'x', size: -Infinity, inner: { at: NaN } }))).toEqual({ name: 'x', size: -Infinity, inner: { at: NaN } });
  });

  it('grows past its scratch buffer for a large value', () => {
    const big: Slot = { name: 'x'.repeat(100_000), size: 1 };
    expect(serde.deserialize(serde.serialize(big))).toEqual(big);
  });

  it('refuses bytes of neither format, and a cut-off value, as DecodeError', () => {
    expect(() => serde.deserialize(Buffer.from([9, 1, 2]))).toThrow(DecodeError);
    const cut = serde.serialize({ name: 'abcdef', size: 1 }).subarray(0, 4);
    expect(() => serde.deserialize(cut)).toThrow(DecodeError);
    expect(() => serde.deserialize(Buffer.from('{not json'))).toThrow(DecodeError);
  });

  describe('a state type that gained a field', () => {
    const v1Fields = [{ name: 'name', type: 'string' }, { name: 'size', type: 'double' }];
    const slot = (fields: { name: string; type: string | string[]; default?: null }[]): avro.Schema => ({ type: 'record', name: 'Slot', namespace: 'test.state', fields });
    const slotV1 = slot(v1Fields);
    interface SlotV2 { name: string; size: number; since?: number }
    const slotV2 = slot([...v1Fields, { name: 'since', type: ['null', 'double'], default: null }]);
    const before = avroStateSerde<Omit<SlotV2, 'since'>>(slotV1);
    const after = avroStateSerde<SlotV2>(slotV2, [slotV1]);

    it('restores what the older schema logged, the new field absent, and logs under the next version byte', () => {
      const logged = before.serialize({ name: 'old', size: 4 });
      expect(logged[0]).toBe(1);
      expect(after.deserialize(logged)).toStrictEqual({ name: 'old', size: 4 });
      const now = after.serialize({ name: 'new', size: 5, since: 9 });
      expect(now[0]).toBe(2);
      expect(after.deserialize(now)).toStrictEqual({ name: 'new', size: 5, since: 9 });
    });

    it('is refused by a runtime that knows only the older schema, with a DecodeError naming the versions it reads', () => {
      expect(() => before.deserialize(after.serialize({ name: 'new', size: 5 }))).toThrow(/byte 2: neither Avro state \(versions 1-1\)/);
    });

    it('refuses, when built, a new field without a default: old values could not be read', () => {
      const noDefault = slot([...v1Fields, { name: 'since', type: 'double' }]);
      expect(() => avroStateSerde(noDefault, [slotV1])).toThrow();
    });
  });
});
