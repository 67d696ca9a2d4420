/**
 * One `prm` subcommand: `cli/commands/<name>.ts` exporting `command`, found by main.ts by file.
 * Load heavy project modules lazily with `require(...)` inside `run`, not `await import(...)`:
 * cli/prm.cjs registers tsx for CommonJS only, and an ESM import of a `.ts` file is not resolved.
 */
export interface Command {
  name: string;
  /** One line for `prm --help`. */
  summary: string;
  /** Full usage text for `prm <name> --help`. */
  usage: string;
  /** Returns the process exit code. Progress goes to stderr; results to stdout. */
  run(argv: string[]): Promise<number>;
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
