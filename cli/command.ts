/** One `prm` subcommand. Each lives in its own file under cli/commands and is listed in main.ts. */
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
