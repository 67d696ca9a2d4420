import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs with unknown flags and bad values reported as a UsageError. A `--json FILE`
 * is checked here, before the work that fills it: a 30-minute soak or a bench must not end by
 * failing to write its results.
 */
export function parseFlags<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const json: unknown = (parsed.values as Record<string, unknown>).json;
  if (options.json?.type === 'string' && typeof json === 'string' && json !== '-') checkWritableFile('--json', json);
  return parsed;
}

/**
 * A UsageError unless `file` can be created or replaced: its directory exists and is writable,
 * and it is not a directory. `label` names the argument as the user wrote it (`--json`, `OUT`).
 */
export function checkWritableFile(label: string, file: string): void {
  const dir = dirname(resolve(file));
  const problem = (() => {
    try {
      if (!statSync(dir).isDirectory()) return `'${dir}' is not a directory`;
    } catch {
      return `its directory '${dir}' does not exist`;
    }
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      return `its directory '${dir}' is not writable`;
    }
    const existing = statSync(file, { throwIfNoEntry: false });
    return existing?.isDirectory() ? 'it is a directory' : undefined;
  })();
  if (problem) throw new UsageError(`${label} ${file}: cannot be written: ${problem}`);
}
/** A numeric flag: undefined stays undefined, anything else must be a finite number. */
export function numberFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got '${value}'`);
  return n;
}
