import { RegistryUnavailableError } from './errors';

/** Confluent registry compatibility levels (a subject's rule for accepting a new version). */
export type Compatibility =
  | 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/** Where the registry is and how to authenticate. */
export interface RegistryConnection {
  url: string;
  auth?: { username: string; password: string };
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

/** A registry answer that is not 2xx: `errorCode` is Confluent's detailed code (e.g. 40901). */
export class RegistryResponseError extends Error {
  override name = 'RegistryResponseError';

  constructor(readonly status: number, readonly errorCode: number | undefined, message: string) {
    super(message);
  }
}

/**
 * The few registry calls the client library does not expose (subject config, versions,
 * deletes); all idempotent.
 * Network failures and 5xx become a retriable RegistryUnavailableError.
 */
export async function registryRequest<T>(conn: RegistryConnection, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/vnd.schemaregistry.v1+json';
  if (conn.auth) headers.Authorization = `Basic ${Buffer.from(`${conn.auth.username}:${conn.auth.password}`).toString('base64')}`;
  const url = `${conn.url.replace(/\/$/, '')}${path}`;
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  let res: Response | undefined;
  // One quick retry: a pooled keep-alive socket the server has just closed fails the first try
  // ("other side closed"). Every call here is idempotent, so trying again is safe.
  for (let attempt = 1; !res; attempt++) {
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(conn.timeoutMs ?? 10_000) });
    } catch (err) {
      if (attempt >= 2) throw new RegistryUnavailableError(`schema registry ${method} ${url} failed: ${(err as Error).message}`, err);
    }
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (res.status >= 500) throw new RegistryUnavailableError(`schema registry ${method} ${url} answered ${res.status}: ${text}`);
  if (!res.ok) {
    const detail = parsed as { error_code?: number; message?: string } | undefined;
    throw new RegistryResponseError(res.status, detail?.error_code, detail?.message ?? text);
  }
  return parsed as T;
}

/** Sets a subject's compatibility level (idempotent; allowed before the subject's first version). */
export async function setSubjectCompatibility(conn: RegistryConnection, subject: string, level: Compatibility): Promise<void> {
  await registryRequest(conn, 'PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
}

/** The subject's own compatibility level, or undefined when it only inherits the global one. */
export async function subjectCompatibility(conn: RegistryConnection, subject: string): Promise<Compatibility | undefined> {
  try {
    const res = await registryRequest<{ compatibilityLevel?: Compatibility; compatibility?: Compatibility }>(
      conn, 'GET', `/config/${encodeURIComponent(subject)}`);
    return res.compatibilityLevel ?? res.compatibility;
  } catch (err) {
    if (err instanceof RegistryResponseError && err.status === 404) return undefined;
    throw err;
  }
}

/** Deletes a subject (soft, then permanently): for tests and `topics` clean-up. */
export async function deleteSubject(conn: RegistryConnection, subject: string): Promise<void> {
  for (const suffix of ['', '?permanent=true']) {
    try {
      await registryRequest(conn, 'DELETE', `/subjects/${encodeURIComponent(subject)}${suffix}`);
    } catch (err) {
      if (!(err instanceof RegistryResponseError && err.status === 404)) throw err;
    }
  }
}
