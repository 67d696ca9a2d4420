import { eventType } from '../../../schemas/events';
import { InvalidRecordError, NoMagicByteError } from '../../../schemas/errors';
import { validateEvent } from '../../../schemas/validation';
import { buildDeadLetter, deadLetterReason } from '../../../streams/dead-letters';

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
});
