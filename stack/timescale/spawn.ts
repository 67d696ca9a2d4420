import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** An embedded TimescaleDB server running as a child process of this one. */
export interface EmbeddedTimescale {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM, then the exit code (0 after a clean close). */
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  dataDir: string;
  /** 0 (default): a free port, read back from the server's log. */
  port?: number;
  /** How long to wait for `SELECT 1` (a cold start creates the cluster). Default 180 s. */
  readyTimeoutMs?: number;
  /** How long a second client may wait for the single connection. Default: the server's (30 s). */
  queueTimeoutMs?: number;
}

const entry = join(__dirname, 'main.ts');

/** Starts stack/timescale/main.ts and resolves once `SELECT 1` answers; rejects with the server's own error line if it exits. */
export async function spawnEmbeddedTimescale({ dataDir, port = 0, readyTimeoutMs = 180_000, queueTimeoutMs }: SpawnOptions): Promise<EmbeddedTimescale> {
  const args = ['--require', 'tsx/cjs', entry, '--port', String(port), '--data-dir', dataDir];
  if (queueTimeoutMs !== undefined) args.push('--queue-timeout-ms', String(queueTimeoutMs));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': it comes after the last of the output has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  const failure = exited.then((code) => {
    throw new Error(`embedded TimescaleDB exited with code ${code} before it was ready: ${output.trim().split('\n').pop() ?? ''}`);
  });
  failure.catch(() => undefined);

  try {
    const bound = await Promise.race([waitFor(() => /listening on [\d.]+:(\d+)/.exec(output)?.[1], readyTimeoutMs), failure]);
    const url = `postgres://postgres@127.0.0.1:${bound}/postgres`;
    await Promise.race([waitForSelect(url, readyTimeoutMs), failure]);
    return { url, port: Number(bound), child, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`embedded TimescaleDB did not start listening within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitForSelect(url: string, timeoutMs: number): Promise<void> {
  const { Client } = await import('pg');
  // The server accepts connections while it opens the database and serves them once it is
  // open, so one connection attempt with a long timeout is the readiness wait.
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}
