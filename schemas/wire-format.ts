import { NoMagicByteError, NullValueError, TruncatedRecordError } from './errors';

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, the Avro body.
const magicByte = 0;
const headerBytes = 5;

/** Prefixes an Avro body with the wire-format header for a schema id. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.writeUInt8(magicByte, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/**
 * Splits a record value into schema id and Avro body, checking the framing first so a value
 * that was never wire-format (JSON, a tombstone, a cut-off header) fails with its own reason.
 */
export function unframe(topic: string, value: Buffer | null): { schemaId: number; body: Buffer } {
  if (value === null) throw new NullValueError(topic);
  if (value.length === 0) throw new TruncatedRecordError('record value is empty (0 bytes)');
  if (value[0] !== magicByte) throw new NoMagicByteError(value[0] as number);
  if (value.length < headerBytes) {
    throw new TruncatedRecordError(`record is ${value.length} bytes, shorter than the ${headerBytes}-byte wire-format header`);
  }
  return { schemaId: value.readInt32BE(1), body: value.subarray(headerBytes) };
}
