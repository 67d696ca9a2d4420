/** Structured logging: one JSON object per line, so logs can be filtered and counted by field. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** Lowest level written. Default 'info'. */
  level?: LogLevel;
  /** Where lines go. Default process.stderr (stdout is for command results). */
  write?: (line: string) => void;
  /** Wall clock for the `time` field. */
  now?: () => number;
  fields?: Record<string, unknown>;
}

export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const { level = 'info', write = (line) => process.stderr.write(line), now = Date.now, fields = {} } = options;
  const log = (lvl: LogLevel) => (message: string, extra: Record<string, unknown> = {}) => {
    if (rank[lvl] < rank[level]) return;
    write(`${JSON.stringify({ time: new Date(now()).toISOString(), level: lvl, message, ...fields, ...serializable(extra) })}\n`);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => jsonLogger({ level, write, now, fields: { ...fields, ...more } }),
  };
}

/** A logger that drops everything, for tests that assert on behaviour rather than logs. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/** Errors do not survive JSON.stringify; keep their name, message, cause and stack. */
function serializable(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? describeError(v) : v;
  return out;
}

function describeError(err: Error): Record<string, unknown> {
  const cause = (err as { cause?: unknown }).cause;
  return {
    name: err.name,
    message: err.message,
    ...('retriable' in err ? { retriable: (err as { retriable: unknown }).retriable } : {}),
    ...(cause instanceof Error ? { cause: describeError(cause) } : {}),
    stack: err.stack?.split('\n').slice(1, 6).map((l) => l.trim()),
  };
}
