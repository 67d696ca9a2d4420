/** Broker answers meaning another producer now holds this transactional id: we are a zombie. */
const FENCED = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** Looks through kafkajs' wrappers (retries exceeded, cause chains) for a fencing error. */
export function isFencingError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const e = err as { type?: unknown; cause?: unknown; originalError?: unknown; message?: unknown };
  if (typeof e.type === 'string' && FENCED.has(e.type)) return true;
  if (typeof e.message === 'string' && /fenced|epoch/i.test(e.message)) return true;
  return isFencingError(e.cause, depth + 1) || isFencingError(e.originalError, depth + 1);
}

/** kafkajs' consumer-group errors that mean "rejoin", which kafkajs handles itself. */
export function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}
