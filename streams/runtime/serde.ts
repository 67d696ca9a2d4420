import { DecodeError } from './errors';

/**
 * Turns values into bytes and back. Methods (not function properties) on purpose: a
 * `Serde<Request>` must be usable where the runtime holds a `Serde<unknown>`.
 */
export interface Serde<T> {
  serialize(value: T): Buffer;
  /** Throws DecodeError when the bytes are not a valid T. */
  deserialize(bytes: Buffer): T;
  /**
   * Optional: what deserialize(serialize(value)) returns, without the bytes, for a value another
   * processor of a fused chain forwarded (see TaskChain), which this serde serialized; throws as
   * deserialize would. A serde defines it only where it can say exactly what decoding gives, so
   * that a fused reader decides as it would reading the topic. The value is shared, not copied:
   * a processor must not change a value after forwarding it, nor an input value it was given.
   */
  handOver?(value: T): T;
}

/** JSON with an optional validator; a failed parse or validation is a DecodeError. */
export function jsonSerde<T>(validate?: (value: unknown) => value is T): Serde<T> {
  return {
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    deserialize(bytes) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new DecodeError(`not JSON: ${(err as Error).message}`, { cause: err });
      }
      if (validate && !validate(parsed)) throw new DecodeError('JSON value failed validation');
      return parsed as T;
    },
  };
}

/** A 64-bit float, big-endian: compact state for counters and sums. */
export const numberSerde: Serde<number> = {
  serialize(value) {
    const buf = Buffer.alloc(8);
    buf.writeDoubleBE(value);
    return buf;
  },
  deserialize(bytes) {
    if (bytes.length !== 8) throw new DecodeError(`a number is 8 bytes, got ${bytes.length}`);
    return bytes.readDoubleBE(0);
  },
};
