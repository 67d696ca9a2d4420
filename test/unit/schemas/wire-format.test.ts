import { BadRecordError } from '../../../schemas/errors';
import { encodeFramed, frame, unframe } from '../../../schemas/wire-format';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BadRecordError) return `${err.reason}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('Confluent wire format', () => {
  it('frames with magic byte 0 and a big-endian schema id', () => {
    const framed = frame(258, Buffer.from([7, 8]));
    expect([...framed]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(unframe('t', framed)).toEqual({ schemaId: 258, body: Buffer.from([7, 8]) });
  });

  it('encodes a body behind the header in one buffer of its size, growing its scratch space for a large one', () => {
    // Writes `bytes` of `fill` as avsc's Type.encode does: the new offset, or minus what did not fit.
    const body = (bytes: number, fill: number) => (buffer: Buffer, offset: number) => {
      if (offset + bytes > buffer.length) return buffer.length - (offset + bytes);
      buffer.fill(fill, offset, offset + bytes);
      return offset + bytes;
    };
    const small = encodeFramed(258, body(2, 7));
    expect([...small]).toEqual([0, 0, 0, 1, 2, 7, 7]);
    const large = encodeFramed(3, body(200_000, 9));
    expect(large.length).toBe(200_005);
    expect(unframe('t', large)).toEqual({ schemaId: 3, body: Buffer.alloc(200_000, 9) });
    // Each result owns its bytes: a later encoding does not show through an earlier one.
    encodeFramed(4, body(2, 1));
    expect([...small]).toEqual([0, 0, 0, 1, 2, 7, 7]);
  });

  it('classifies framing failures before any schema lookup', () => {
    expect(reasonOf(() => unframe('prm.requests', null))).toBe('NULL_VALUE: record on prm.requests has no value (tombstone) where an event is required');
    expect(reasonOf(() => unframe('t', Buffer.alloc(0)))).toBe('TRUNCATED: record value is empty (0 bytes)');
    expect(reasonOf(() => unframe('t', Buffer.from('{"userId":"u"}')))).toBe('NO_MAGIC_BYTE: first byte is 0x7b, expected magic byte 0x00');
    expect(reasonOf(() => unframe('t', Buffer.from([0, 0, 1])))).toBe('TRUNCATED: record is 3 bytes, shorter than the 5-byte wire-format header');
  });

  it('marks bad records as not retriable', () => {
    try {
      unframe('t', Buffer.from([1]));
    } catch (err) {
      expect(err).toMatchObject({ name: 'NoMagicByteError', retriable: false, reason: 'NO_MAGIC_BYTE' });
    }
    expect.assertions(1);
  });
});
