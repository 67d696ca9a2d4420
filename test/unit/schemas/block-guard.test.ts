import { avroType } from '../../../schemas/avro';
import { blockGuard, MAX_EMPTY_ITEMS, OversizedBlockError } from '../../../schemas/block-guard';
import { eventNames, eventSchema } from '../../../schemas/events';
import { sampleEvents } from './samples';

/** Avro's zigzag varint of n. */
function varint(n: number): Buffer {
  let z = BigInt(n) * 2n * (n < 0 ? -1n : 1n) - (n < 0 ? 1n : 0n);
  const bytes: number[] = [];
  while (z >= 0x80n) {
    bytes.push(Number((z & 0x7fn) | 0x80n));
    z >>= 7n;
  }
  bytes.push(Number(z));
  return Buffer.from(bytes);
}

const codeFeatures = avroType(eventSchema('CodeFeatures'));
const guardOf = (type: ReturnType<typeof avroType>) => {
  const guard = blockGuard(type);
  if (!guard) throw new Error('expected a guard');
  return guard;
};

describe('blockGuard', () => {
  it('passes every sample event and random values of every schema, and needs no walk for a schema without arrays or maps', () => {
    const samples = sampleEvents(new Date('2026-11-28T12:00:00Z'));
    for (const name of eventNames) {
      const type = avroType(eventSchema(name));
      const guard = blockGuard(type);
      const json = JSON.stringify(eventSchema(name));
      expect([name, guard === undefined]).toEqual([name, !json.includes('"array"') && !json.includes('"map"')]);
      const values = [samples[name], ...Array.from({ length: 50 }, () => type.random())];
      for (const value of values) expect(() => guard?.(type.toBuffer(value))).not.toThrow();
    }
  });

  it('refuses a record of a few dozen bytes that declares 2^31 items, at once', () => {
    const valid = codeFeatures.toBuffer({ ...sampleEvents(new Date()).CodeFeatures, externalDependencies: ['zz'] });
    const block = Buffer.concat([varint(1), varint(2), Buffer.from('zz'), varint(0)]);
    const at = valid.indexOf(block);
    expect(at).toBeGreaterThan(0);
    const bomb = Buffer.concat([valid.subarray(0, at), varint(2 ** 31), valid.subarray(at + block.length)]);
    const started = process.hrtime.bigint();
    expect(() => guardOf(codeFeatures)(bomb)).toThrow(OversizedBlockError);
    expect(() => guardOf(codeFeatures)(bomb)).toThrow(/declares 2147483648 items of at least 1 byte\(s\) with \d+ bytes left/);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(100);
  });

  it('reads negative block counts (with their byte size) and maps, and checks each block', () => {
    const type = avroType({ type: 'record', name: 'M', fields: [{ name: 'm', type: { type: 'map', values: 'long' } }, { name: 'a', type: { type: 'array', items: 'double' } }] });
    const guard = guardOf(type);
    // a: one block of -2 items (16 bytes) then the end
    const good = Buffer.concat([varint(1), varint(1), Buffer.from('k'), varint(5), varint(0), varint(-2), varint(16), Buffer.alloc(16), varint(0)]);
    expect(type.fromBuffer(good)).toEqual({ m: { k: 5 }, a: [0, 0] });
    expect(() => guard(good)).not.toThrow();
    // two doubles need 16 bytes: a count of 3 with 17 bytes left is a lie
    const lying = Buffer.concat([varint(0), varint(3), Buffer.alloc(17)]);
    expect(() => guard(lying)).toThrow(/declares 3 items of at least 8 byte\(s\) with 17 bytes left/);
    const lyingMap = Buffer.concat([varint(1000), Buffer.from('k'), varint(5), varint(0), varint(0)]);
    expect(() => guard(lyingMap)).toThrow(/declares 1000 items of at least 2 byte\(s\)/);
  });

  it('bounds items that take no bytes by a count, not by the bytes left', () => {
    const type = avroType({ type: 'record', name: 'N', fields: [{ name: 'a', type: { type: 'array', items: 'null' } }] });
    const guard = guardOf(type);
    expect(() => guard(Buffer.concat([varint(MAX_EMPTY_ITEMS), varint(0)]))).not.toThrow();
    expect(() => guard(Buffer.concat([varint(MAX_EMPTY_ITEMS + 1), varint(0)]))).toThrow(/items of no bytes, over the 100000 allowed/);
  });

  it('leaves a truncated or garbled body to avsc: it never throws anything but its own refusal', () => {
    const valid = codeFeatures.toBuffer({ ...sampleEvents(new Date()).CodeFeatures, externalDependencies: ['lodash', 'react', 'zod'] });
    const guard = guardOf(codeFeatures);
    for (let end = 0; end < valid.length; end++) {
      try {
        guard(valid.subarray(0, end));
      } catch (err) {
        expect(err).toBeInstanceOf(OversizedBlockError);
      }
    }
  });

  it('walks recursive types', () => {
    const type = avroType({ type: 'record', name: 'Tree', fields: [{ name: 'kids', type: { type: 'array', items: 'Tree' } }] });
    const value = { kids: [{ kids: [] }, { kids: [{ kids: [] }] }] };
    expect(() => guardOf(type)(type.toBuffer(value))).not.toThrow();
  });
});
