import { ProtocolFramer, replyIsIncomplete, type Framed } from '../../../stack/timescale/protocol-framer';

/** The embedded TimescaleDB's wire framing: what PGlite is handed, and which replies are whole. */

function message(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + payload.length, 1);
  return Buffer.concat([header, payload]);
}

function startup(): Buffer {
  const payload = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from('user\0postgres\0\0', 'latin1')]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(4 + payload.length);
  return Buffer.concat([length, payload]);
}

const bytesOf = (framed: Framed[]) =>
  Buffer.concat(framed.flatMap((f) => (f.kind === 'message' ? [f.bytes] : [])));

describe('protocol framer', () => {
  it('holds a message split across chunks until it is whole', () => {
    const query = message('Q', Buffer.from(`SELECT '${'x'.repeat(100_000)}'\0`));
    const stream = Buffer.concat([startup(), query]);
    const framer = new ProtocolFramer();
    const out: Framed[] = [];
    for (let at = 0; at < stream.length; at += 65_536) out.push(...framer.push(stream.subarray(at, at + 65_536)));
    expect(bytesOf(out).equals(stream)).toBe(true);
    expect(framer.bufferedBytes).toBe(0);
    // Whole messages only: the first chunk yields the startup message and none of the query.
    const first = new ProtocolFramer().push(stream.subarray(0, 65_536));
    expect(bytesOf(first).equals(startup())).toBe(true);
  });

  it('survives one-byte chunks and passes pipelined messages through in order', () => {
    const stream = Buffer.concat([startup(), message('P', Buffer.from('\0SELECT 1\0\0\0')), message('S', Buffer.alloc(0))]);
    const framer = new ProtocolFramer();
    const out: Framed[] = [];
    for (const byte of stream) out.push(...framer.push(Buffer.from([byte])));
    expect(bytesOf(out).equals(stream)).toBe(true);
  });

  it('singles out an SSL request so the server can decline it, then frames the startup message', () => {
    const ssl = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const out = new ProtocolFramer().push(Buffer.concat([ssl, startup()]));
    expect(out.map((f) => f.kind)).toEqual(['encryption-request', 'message']);
  });

  it('rejects a stream whose length field is impossible', () => {
    const framer = new ProtocolFramer();
    framer.push(startup());
    expect(() => framer.push(Buffer.from([0x51, 0, 0, 0, 1]))).toThrow(/invalid length 1/);
  });
});

describe('protocol framer: one message at a time', () => {
  const parse = message('P', Buffer.from('\0INSERT INTO t SELECT * FROM unnest($1::text[])\0\0\0'));
  const bind = message('B', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 1]), Buffer.alloc(200_000, 0x78)]));
  const describeMessage = message('D', Buffer.from('P\0'));
  const execute = message('E', Buffer.from('\0\0\0\0\0'));
  const sync = message('S', Buffer.alloc(0));

  it('hands each message of a pipeline over alone and whole, however the chunks cut them', () => {
    // Handed several at once, PGlite was seen to answer Bind and Describe and never Execute and Sync.
    const pipeline = [parse, bind, describeMessage, execute, sync];
    const stream = Buffer.concat(pipeline);
    const framer = new ProtocolFramer();
    framer.push(startup());
    const out: Framed[] = [];
    for (let at = 0; at < stream.length; at += 65_536) out.push(...framer.push(stream.subarray(at, at + 65_536)));
    expect(out.map((f) => (f.kind === 'message' ? f.bytes.toString('latin1') : f.kind))).toEqual(pipeline.map((m) => m.toString('latin1')));
    expect(framer.bufferedBytes).toBe(0);
    // A chunk holding several whole messages still yields them one by one.
    expect(new ProtocolFramer().push(Buffer.concat([startup(), parse, execute, sync])).map((f) => f.kind)).toEqual(['message', 'message', 'message', 'message']);
  });
});

describe('replies the backend owes', () => {
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
  const commandComplete = message('C', Buffer.from('INSERT 0 1\0'));

  it('finds a reply to a Sync or a Query incomplete without its closing ReadyForQuery', () => {
    const sync = message('S', Buffer.alloc(0));
    expect(replyIsIncomplete(sync, Buffer.concat([commandComplete, ready]))).toBe(false);
    expect(replyIsIncomplete(sync, Buffer.alloc(0))).toBe(true);
    expect(replyIsIncomplete(sync, commandComplete)).toBe(true);
    expect(replyIsIncomplete(message('Q', Buffer.from('SELECT 1\0')), Buffer.alloc(0))).toBe(true);
  });

  it('accepts a COPY FROM STDIN answered by CopyInResponse: the server now waits for the data', () => {
    const copyIn = message('G', Buffer.from([0, 0, 1, 0, 0]));
    expect(replyIsIncomplete(message('Q', Buffer.from('COPY t FROM STDIN\0')), copyIn)).toBe(false);
  });

  it('asks nothing of a batch that owes no ReadyForQuery (Flush, Terminate, a startup message)', () => {
    expect(replyIsIncomplete(message('H', Buffer.alloc(0)), Buffer.alloc(0))).toBe(false);
    expect(replyIsIncomplete(message('X', Buffer.alloc(0)), Buffer.alloc(0))).toBe(false);
    expect(replyIsIncomplete(startup(), Buffer.alloc(0))).toBe(false);
  });
});
