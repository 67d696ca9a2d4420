/**
 * Cuts a Postgres frontend byte stream into whole protocol messages.
 *
 * PGlite's `execProtocolRaw` must be handed complete messages: TCP delivers a large message
 * (a statement or parameter over ~60 KB) in several chunks, and a chunk that ends mid-message
 * crashes the WASM backend. The framer keeps the tail of an incomplete message until the rest
 * arrives. It also singles out the startup-phase requests PGlite does not understand (SSL and
 * GSS encryption negotiation, cancel), which the server answers itself.
 * Message layout: https://www.postgresql.org/docs/17/protocol-message-formats.html
 */

/** Codes carried in place of a protocol version by untyped startup-phase requests. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Postgres itself rejects messages over 1 GB; a bigger length can only be a corrupt stream. */
export const MAX_MESSAGE_BYTES = 1024 * 1024 * 1024;

export type Framed =
  /** One or more whole messages for the backend, concatenated. */
  | { kind: 'messages'; bytes: Buffer }
  /** SSLRequest or GSSENCRequest: the client expects a one-byte answer ('N': not supported). */
  | { kind: 'encryption-request' }
  /** CancelRequest: the connection exists only to carry it. */
  | { kind: 'cancel-request' };

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export class ProtocolFramer {
  private pending: Buffer = Buffer.alloc(0);
  /** Until the startup message, messages have no type byte (length, then payload). */
  private inStartup = true;

  /** Adds received bytes; returns what is now complete, in stream order. */
  push(chunk: Uint8Array): Framed[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Framed[] = [];
    let start = 0;
    let end = 0;
    for (;;) {
      const message = this.messageAt(end);
      if (message === undefined || end + message.size > this.pending.length) break;
      if (message.special) {
        if (end > start) out.push({ kind: 'messages', bytes: this.pending.subarray(start, end) });
        out.push({ kind: message.special });
        start = end + message.size;
      } else if (this.inStartup) {
        this.inStartup = false;
      }
      end += message.size;
    }
    if (end > start) out.push({ kind: 'messages', bytes: this.pending.subarray(start, end) });
    this.pending = this.pending.subarray(end);
    return out;
  }

  /** Bytes received that do not yet form a whole message. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** The message starting at `offset`, or undefined while its header is incomplete. */
  private messageAt(offset: number): { size: number; special?: 'encryption-request' | 'cancel-request' } | undefined {
    const available = this.pending.length - offset;
    if (this.inStartup) {
      if (available < 8) return undefined;
      const length = this.pending.readInt32BE(offset);
      if (length < 8 || length > MAX_MESSAGE_BYTES) throw new ProtocolError(`invalid startup message length ${length}`);
      const code = this.pending.readInt32BE(offset + 4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) return { size: length, special: 'encryption-request' };
      if (code === CANCEL_REQUEST) return { size: length, special: 'cancel-request' };
      return { size: length };
    }
    if (available < 5) return undefined;
    const length = this.pending.readInt32BE(offset + 1);
    if (length < 4 || length > MAX_MESSAGE_BYTES) {
      throw new ProtocolError(`invalid length ${length} for message type '${String.fromCharCode(this.pending[offset] ?? 0)}'`);
    }
    return { size: 1 + length };
  }
}
