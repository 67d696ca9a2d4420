import { NoMagicByteError, NullValueError, TruncatedRecordError } from './errors';

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, the Avro body.
const magicByte = 0;
const headerBytes = 5;

/** Prefixes an Avro body with the wire-format header for a schema id. */
export function frame(schemaId: number, body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(headerBytes + body.length);
  writeHeader(framed, schemaId);
  body.copy(framed, headerBytes);
  return framed;
}

/** Writes an Avro body at an offset of a buffer: the new offset, or minus the bytes that did not fit (avsc's Type.encode). */
export type BodyWriter = (buffer: Buffer, offset: number) => number;

/** Scratch space the framed encoding is written to before it is copied out at its exact size; grows as needed. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The wire-format record written by `writeBody`, in one buffer of its exact size: the body is
 * encoded right behind the header, where encoding it on its own and then framing it copied it
 * twice (every output of every processor goes through here).
 */
export function encodeFramed(schemaId: number, writeBody: BodyWriter): Buffer {
  for (;;) {
    writeHeader(scratch, schemaId);
    const end = writeBody(scratch, headerBytes);
    if (end >= 0) return Buffer.from(scratch.subarray(0, end));
    scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, scratch.length - end));
  }
}

function writeHeader(buffer: Buffer, schemaId: number): void {
  buffer.writeUInt8(magicByte, 0);
  buffer.writeInt32BE(schemaId, 1);
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
