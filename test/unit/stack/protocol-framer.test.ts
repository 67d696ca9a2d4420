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
  Buffer.concat(framed.flatMap((f) => (f.kind === 'messages' ? [f.bytes] : [])));

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
    expect(out.map((f) => f.kind)).toEqual(['encryption-request', 'messages']);
  });

  it('rejects a stream whose length field is impossible', () => {
    const framer = new ProtocolFramer();
    framer.push(startup());
    expect(() => framer.push(Buffer.from([0x51, 0, 0, 0, 1]))).toThrow(/invalid length 1/);
  });
});

describe('protocol framer: extended-query groups', () => {
  const parse = message('P', Buffer.from('\0INSERT INTO t SELECT * FROM unnest($1::text[])\0\0\0'));
  const bind = message('B', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 1]), Buffer.alloc(200_000, 0x78)]));
  const execute = message('E', Buffer.from('\0\0\0\0\0'));
  const sync = message('S', Buffer.alloc(0));

  it('hands over Parse … Sync as one piece even when the Bind arrives in many chunks', () => {
    const group = Buffer.concat([parse, bind, execute, sync]);
    const framer = new ProtocolFramer();
    const out: Framed[] = [...framer.push(startup())];
    for (let at = 0; at < group.length; at += 65_536) out.push(...framer.push(group.subarray(at, at + 65_536)));
    expect(out).toHaveLength(2);
    expect(bytesOf(out.slice(1)).equals(group)).toBe(true);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('holds whole messages of an unfinished group, and ends a group at a Flush, a Query or CopyData', () => {
    const framer = new ProtocolFramer();
    framer.push(startup());
    expect(framer.push(Buffer.concat([parse, bind]))).toEqual([]);
    expect(framer.bufferedBytes).toBe(parse.length + bind.length);
    const flush = message('H', Buffer.alloc(0));
    expect(bytesOf(framer.push(flush)).equals(Buffer.concat([parse, bind, flush]))).toBe(true);
    const query = message('Q', Buffer.from('SELECT 1\0'));
    const copyData = message('d', Buffer.from('1\tx\n'));
    const out = framer.push(Buffer.concat([query, copyData]));
    expect(out.map((f) => (f.kind === 'messages' ? f.bytes.toString('latin1') : f.kind))).toEqual([query.toString('latin1'), copyData.toString('latin1')]);
  });
});

describe('replies the backend owes', () => {
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
  const commandComplete = message('C', Buffer.from('INSERT 0 1\0'));
  const group = Buffer.concat([message('B', Buffer.alloc(8)), message('E', Buffer.alloc(5)), message('S', Buffer.alloc(0))]);

  it('finds a reply to a Sync or a Query incomplete without its closing ReadyForQuery', () => {
    expect(replyIsIncomplete(group, Buffer.concat([message('2', Buffer.alloc(0)), commandComplete, ready]))).toBe(false);
    expect(replyIsIncomplete(group, message('2', Buffer.alloc(0)))).toBe(true);
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
