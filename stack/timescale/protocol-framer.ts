/**
 * Cuts a Postgres frontend byte stream into whole protocol messages.
 *
 * PGlite's `execProtocolRaw` must be handed complete messages: TCP delivers a large message
 * (a statement or parameter over ~60 KB) in several chunks, and a chunk that ends mid-message
 * crashes the WASM backend. The framer keeps the tail of an incomplete message until the rest
 * arrives, and hands over one message at a time: given several, PGlite now and then stops
 * reading after a large one and leaves the rest unanswered (seen: Bind and Describe answered,
 * Execute and Sync never, so the client waited forever). It also singles out the startup-phase
 * requests PGlite does not understand (SSL and GSS encryption negotiation, cancel), which the
 * server answers itself.
 * Message layout: https://www.postgresql.org/docs/17/protocol-message-formats.html
 */

/** Codes carried in place of a protocol version by untyped startup-phase requests. */
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/** Postgres itself rejects messages over 1 GB; a bigger length can only be a corrupt stream. */
export const MAX_MESSAGE_BYTES = 1024 * 1024 * 1024;

export type Framed =
  /** One whole message for the backend. */
  | { kind: 'message'; bytes: Buffer }
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

  /** Adds received bytes; returns the messages now complete, in stream order. */
  push(chunk: Uint8Array): Framed[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Framed[] = [];
    let end = 0;
    for (;;) {
      const message = this.messageAt(end);
      if (message === undefined || end + message.size > this.pending.length) break;
      if (message.special) {
        out.push({ kind: message.special });
      } else {
        this.inStartup = false;
        out.push({ kind: 'message', bytes: this.pending.subarray(end, end + message.size) });
      }
      end += message.size;
    }
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

/** Frontend messages the backend must answer with a reply ending in ReadyForQuery: Sync, Query, FunctionCall. */
const OWES_READY_FOR_QUERY = new Set(['S', 'Q', 'F']);
/**
 * How such a reply may end: ReadyForQuery, or CopyInResponse / CopyBothResponse when the
 * statement was a COPY FROM STDIN and the server now waits for the client's data.
 */
const ENDS_REPLY = new Set(['Z', 'G', 'W']);

/**
 * Whether `reply` fails to answer a frontend message as the protocol requires: a Sync, Query or
 * FunctionCall must be answered by a reply ending in ReadyForQuery. The client waits for that
 * message and would otherwise wait forever.
 */
export function replyIsIncomplete(request: Uint8Array, reply: Uint8Array): boolean {
  // The framer hands over one whole message at a time, so its type is the first byte (a startup
  // message's first byte is its length's high byte, 0, which owes nothing).
  if (!OWES_READY_FOR_QUERY.has(String.fromCharCode(request[0] ?? 0))) return false;
  if (endsWithReadyForQuery(reply)) return false;
  // Only a COPY's reply, or a broken one, gets the walk over every message header.
  const last = lastMessageType(reply);
  return last === undefined || !ENDS_REPLY.has(last);
}

/** The fixed 6-byte ReadyForQuery ('Z', length 5, status) at the end: the common case, checked without a walk. */
function endsWithReadyForQuery(reply: Uint8Array): boolean {
  const at = reply.length - 6;
  return at >= 0 && reply[at] === 0x5a && reply[at + 1] === 0 && reply[at + 2] === 0 && reply[at + 3] === 0 && reply[at + 4] === 5;
}

/** The type of the last of a run of whole typed messages, or undefined if the bytes are not one. */
function lastMessageType(bytes: Uint8Array): string | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let offset = 0;
  let type: string | undefined;
  while (offset + 5 <= view.length) {
    type = String.fromCharCode(view[offset]!);
    const length = view.readInt32BE(offset + 1);
    if (length < 4) return undefined;
    offset += 1 + length;
  }
  return offset === view.length ? type : undefined;
}
