/**
 * Which database failures are worth retrying. A retriable failure is one where the same
 * statement may succeed later without any change: the server is down, restarting, shutting
 * down, out of connections, or the transaction lost a serialization race. Everything else
 * (syntax, constraint, type errors) is a programmer or data error and is never retried.
 */

/** Socket-level failures: the server is not reachable right now. */
const RETRIABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** SQLSTATEs that describe the server's state, not the statement. */
const RETRIABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections (also the embedded server's queue refusal)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** Messages node-pg raises without a code when the connection dies under it. */
const RETRIABLE_MESSAGES = [/connection terminated/i, /connection timeout/i, /timeout exceeded when trying to connect/i, /client has encountered a connection error/i];

export function isTransientDatabaseError(error: unknown): boolean {
  // Duck-typed, not instanceof: errors raised by node's net module come from another realm
  // under test runners such as jest, and an AggregateError carries the per-address failures.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (RETRIABLE_SOCKET_CODES.has(code) || RETRIABLE_SQLSTATES.has(code)) return true;
    if (code.startsWith('08')) return true; // class 08: connection exception
  }
  if (Array.isArray(errors) && errors.some(isTransientDatabaseError)) return true;
  return typeof message === 'string' && RETRIABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** Bad database configuration or an unusable server: reported once, never retried. */
export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';
}
