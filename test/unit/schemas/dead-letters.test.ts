import { eventType } from '../../../schemas/events';
import { InvalidRecordError, NoMagicByteError } from '../../../schemas/errors';
import { validateEvent } from '../../../schemas/validation';
import { buildDeadLetter, deadLetterReason, maxDeadLetterKeyBytes, maxDeadLetterValueBytes } from '../../../streams/dead-letters';

const failedAt = Date.parse('2026-11-28T06:00:00Z');
const source = {
  topic: 'prm.requests', partition: 4, offset: '981', timestamp: String(failedAt - 500),
  key: Buffer.from('user-1'), value: Buffer.from('{"not":"avro"}'),
  headers: { trace: 'abc', hop: [Buffer.from('a'), 'b'], empty: undefined },
};

describe('dead letters', () => {
  it('keep where the record came from, why it failed and its raw bytes', () => {
    const letter = buildDeadLetter(source, new NoMagicByteError(0x7b), { failedAt, processor: 'predictor' });
    expect(letter).toEqual({
      sourceTopic: 'prm.requests', sourcePartition: 4, sourceOffset: 981, sourceTimestamp: new Date(failedAt - 500),
      processor: 'predictor', failedAt: new Date(failedAt), reason: 'NO_MAGIC_BYTE', errorClass: 'NoMagicByteError',
      errorMessage: 'first byte is 0x7b, expected magic byte 0x00', schemaId: null,
      key: source.key, value: source.value,
      headers: [
        { key: 'trace', value: Buffer.from('abc') }, { key: 'hop', value: Buffer.from('a') }, { key: 'hop', value: Buffer.from('b') },
        { key: 'empty', value: null },
      ],
    });
  });

  it('are valid DeadLetter events that survive Avro', () => {
    const letter = buildDeadLetter(source, new InvalidRecordError(['userId is empty'], 12), { failedAt });
    expect(letter).toMatchObject({ reason: 'INVALID_VALUE', schemaId: 12, processor: null });
    expect(validateEvent('DeadLetter', letter, { now: failedAt })).toEqual([]);
    const type = eventType('DeadLetter');
    expect(type.fromBuffer(type.toBuffer(letter))).toEqual(letter);
  });

  it('count any other error as a processing failure and keep tombstones as null', () => {
    expect(deadLetterReason(new TypeError('x is undefined'))).toBe('PROCESSING_FAILED');
    const letter = buildDeadLetter({ ...source, value: null, timestamp: null }, 'boom', { failedAt });
    expect(letter).toMatchObject({ reason: 'PROCESSING_FAILED', errorClass: 'Error', errorMessage: 'boom', value: null, sourceTimestamp: null });
  });

  it('cap very long error messages', () => {
    const letter = buildDeadLetter(source, new Error('x'.repeat(20_000)), { failedAt });
    expect(letter.errorMessage.length).toBeLessThan(8_300);
    expect(letter.errorMessage.endsWith('(truncated)')).toBe(true);
  });

  it('keep only the first bytes of a value or key so large that the dead letter would not fit the broker', () => {
    // A record just under the broker's 1 MiB limit: wrapped with its failure, it would be over it.
    const value = Buffer.alloc(1_048_400, 7);
    const key = Buffer.alloc(20_000, 1);
    const letter = buildDeadLetter({ ...source, key, value }, new InvalidRecordError(['code is 1048000 bytes, over the 262144-byte limit'], 3), { failedAt });
    // Buffer.equals: jest's deep equality walks half a megabyte byte by byte.
    expect(letter.value?.equals(value.subarray(0, maxDeadLetterValueBytes))).toBe(true);
    expect(letter.key?.equals(key.subarray(0, maxDeadLetterKeyBytes))).toBe(true);
    expect(letter.errorMessage).toBe(`code is 1048000 bytes, over the 262144-byte limit [key cut to its first ${maxDeadLetterKeyBytes} of 20000 bytes; value cut to its first ${maxDeadLetterValueBytes} of 1048400 bytes]`);
    expect(eventType('DeadLetter').toBuffer(letter).length).toBeLessThan(maxDeadLetterValueBytes + maxDeadLetterKeyBytes + 1024);
  });
});
