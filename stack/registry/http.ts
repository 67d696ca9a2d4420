import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidVersion, RegistryError, schemaNotFound } from './errors';
import type { RegistryService, SchemaRequest } from './service';

export const contentType = 'application/vnd.schemaregistry.v1+json';
const maxBodyBytes = 8 * 1024 * 1024;

type Json = unknown;
type Params = { segments: string[]; query: URLSearchParams; body: () => Promise<Record<string, unknown>> };
type Route = { method: string; pattern: string[]; handle: (p: Params) => Json | Promise<Json> };

/**
 * Confluent's Schema Registry REST API (the part PRM's clients use) over a RegistryService.
 * Path patterns use ':x' for one URL-decoded segment, read back in order from `segments`.
 */
export function createHandler(service: RegistryService, log: (line: string) => void = () => undefined) {
  const routes = registryRoutes(service);
  return (req: IncomingMessage, res: ServerResponse): void => {
    void respond(routes, req, res, log);
  };
}

function registryRoutes(service: RegistryService): Route[] {
  const route = (method: string, path: string, handle: Route['handle']): Route => ({ method, pattern: path.split('/').filter(Boolean), handle });
  const flag = (q: URLSearchParams, name: string) => q.get(name) === 'true';
  return [
    route('GET', '/', () => ({})),
    route('GET', '/subjects', ({ query }) => service.subjects(flag(query, 'deleted'))),
    route('GET', '/subjects/:s/versions', ({ segments: [s], query }) => service.versions(s!, flag(query, 'deleted'))),
    route('POST', '/subjects/:s/versions', async ({ segments: [s], body }) => ({ id: await service.register(s!, (await body()) as SchemaRequest) })),
    route('GET', '/subjects/:s/versions/:v', ({ segments: [s, v] }) => service.version(s!, parseVersion(v!))),
    route('GET', '/subjects/:s/versions/:v/schema', ({ segments: [s, v] }) => raw(service.version(s!, parseVersion(v!)).schema)),
    route('POST', '/subjects/:s', async ({ segments: [s], body }) => service.lookup(s!, (await body()) as SchemaRequest)),
    route('DELETE', '/subjects/:s', ({ segments: [s], query }) => service.deleteSubject(s!, flag(query, 'permanent'))),
    route('GET', '/schemas/types', () => ['AVRO']),
    route('GET', '/schemas/ids/:id', ({ segments: [id] }) => ({ schema: service.schemaById(parseId(id!)) })),
    route('GET', '/schemas/ids/:id/schema', ({ segments: [id] }) => raw(service.schemaById(parseId(id!)))),
    route('GET', '/schemas/ids/:id/versions', ({ segments: [id] }) => service.usesOf(parseId(id!))),
    route('GET', '/config', () => ({ compatibilityLevel: service.compatibility(null, true) })),
    route('PUT', '/config', async ({ body }) => ({ compatibility: await service.setCompatibility(null, await body()) })),
    route('GET', '/config/:s', ({ segments: [s], query }) => ({ compatibilityLevel: service.compatibility(s!, flag(query, 'defaultToGlobal')) })),
    route('PUT', '/config/:s', async ({ segments: [s], body }) => ({ compatibility: await service.setCompatibility(s!, await body()) })),
    route('DELETE', '/config/:s', async ({ segments: [s] }) => ({ compatibilityLevel: await service.clearCompatibility(s!) })),
    route('POST', '/compatibility/subjects/:s/versions/:v', async ({ segments: [s, v], query, body }) =>
      verdict(service.compatibilityProblems(s!, parseVersion(v!), (await body()) as SchemaRequest), flag(query, 'verbose')),
    ),
    route('POST', '/compatibility/subjects/:s/versions', async ({ segments: [s], query, body }) =>
      verdict(service.compatibilityProblems(s!, undefined, (await body()) as SchemaRequest), flag(query, 'verbose')),
    ),
  ];
}

/** A schema served as itself rather than wrapped in an object (the `/schema` endpoints). */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

function verdict(problems: string[], verbose: boolean) {
  return verbose ? { is_compatible: problems.length === 0, messages: problems } : { is_compatible: problems.length === 0 };
}

function parseVersion(text: string): number | 'latest' {
  if (text === 'latest' || text === '-1') return 'latest';
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 2 ** 31 - 1) throw invalidVersion(text);
  return n;
}

function parseId(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) throw schemaNotFound(`with id ${text}`);
  return n;
}

function match(pattern: string[], segments: string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i]!;
    if (part.startsWith(':')) params.push(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}

async function respond(routes: Route[], req: IncomingMessage, res: ServerResponse, log: (line: string) => void): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://registry');
  let status = 200;
  let payload: Json;
  try {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeSegment);
    const candidates = routes.map((r) => ({ r, params: match(r.pattern, segments) })).filter((c) => c.params);
    const found = candidates.find((c) => c.r.method === method);
    if (!found) {
      throw candidates.length > 0
        ? new RegistryError(405, 405, `${method} is not allowed on ${url.pathname}`)
        : new RegistryError(404, 404, `no such endpoint: ${method} ${url.pathname}`);
    }
    payload = await found.r.handle({ segments: found.params!, query: url.searchParams, body: () => readJson(req) });
  } catch (err) {
    const error = err instanceof RegistryError ? err : new RegistryError(500, 50001, `internal error: ${(err as Error).message}`);
    status = error.status;
    payload = { error_code: error.errorCode, message: error.message };
  }
  // Writes and server errors; a 404 on a read is ordinary flow (first registrations probe /config), a 503 is start-up.
  if (method !== 'GET' || (status >= 500 && status !== 503)) log(`${method} ${url.pathname}${url.search} -> ${status}${status >= 400 ? ` ${(payload as { message: string }).message}` : ''}`);
  const text = payload instanceof Raw ? payload.text : JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RegistryError(400, 400, `bad URL encoding in '${segment}'`);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new RegistryError(413, 413, `request body over ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(400, 400, `request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RegistryError(400, 400, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}
