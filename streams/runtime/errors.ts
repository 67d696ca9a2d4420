/**
 * One error base for the stream runtime. `retriable` tells the retrier whether trying again can
 * help (a broker timeout can, a bug cannot); `cause` keeps the original error for the log.
 */
export class StreamError extends Error {
  override name = 'StreamError';
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable ?? false;
  }
}

/** The topology is malformed or a processor touched something it did not declare. Never retried. */
export class TopologyError extends StreamError {
  override name = 'TopologyError';
}

/** Bad configuration of the runtime itself, rejected at construction. Never retried. */
export class ConfigError extends StreamError {
  override name = 'ConfigError';
}

/** A record's bytes could not be turned into a value (framing, schema, validation). */
export class DecodeError extends StreamError {
  override name = 'DecodeError';
}

/** The task's partition moved to another instance while its chunk waited or retried: it is the new owner's to process. */
export class TaskRevokedError extends StreamError {
  override name = 'TaskRevokedError';
}

/** A processor threw while handling a record; carries where, so the log points at the record. */
export class ProcessingError extends StreamError {
  override name = 'ProcessingError';
  constructor(
    message: string,
    readonly where: { processor: string; topic: string; partition: number; offset: string },
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * kafkajs errors it raises as final once its own retries are spent, though the cause is a broker
 * that is away (restarting, electing a coordinator): a transaction's commit during a broker
 * restart fails with "Failed to find group coordinator". Retried from a reopened task, the
 * work is not done twice and the processor outlives the restart.
 */
const BROKER_AWAY_ERRORS = new Set(['KafkaJSGroupCoordinatorNotFound']);

/**
 * True for errors that declare themselves retriable (kafkajs errors carry the same flag) and
 * for kafkajs' final errors of a broker that is away, above, also when kafkajs' retrier has
 * wrapped one as the cause of a KafkaJSNonRetriableError (how a transaction's AddPartitionsToTxn
 * reports it during a broker restart).
 */
export function isRetriable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { retriable } = err as { retriable?: unknown };
  if (retriable === true) return true;
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { name } = e as { name?: unknown };
    if (typeof name === 'string' && BROKER_AWAY_ERRORS.has(name)) return true;
  }
  return false;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
