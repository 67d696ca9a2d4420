import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A schema registry in front of the real one that a test can make answer 503, as one that is away. */
export interface RegistryProxy {
  url: string;
  setAway(away: boolean): void;
  /** Requests answered 503 so far. */
  refused(): number;
  close(): Promise<void>;
}

/**
 * Forwards every request to `targetUrl` unchanged; while away, answers 503 instead. Stopping
 * the shared registry would break every other test file running on the stack at the time.
 */
export async function startRegistryProxy(targetUrl: string): Promise<RegistryProxy> {
  const target = new URL(targetUrl);
  let away = false;
  let refused = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    if (away) {
      refused++;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error_code: 50301, message: 'registry away (test proxy)' }));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(upstream);
  };
  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setAway: (value) => void (away = value),
    refused: () => refused,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
