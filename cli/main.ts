import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './command';
import { UsageError } from './command';

// Each subcommand is `cli/commands/<name>.ts` exporting `command`. Discovering them by file
// keeps this entry point free of edits when a command is added; command modules must stay
// cheap to import (heavy modules such as tfjs are imported inside `run`).
const commandsDir = join(__dirname, 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function load(name: string): Command | undefined {
  if (!commandNames().includes(name)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(commandsDir, name)) as { command?: Command };
  return mod.command;
}

function help(): string {
  const all = commandNames().map(load).filter((c): c is Command => c !== undefined);
  const width = Math.max(0, ...all.map((c) => c.name.length));
  const lines = all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: prm <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'prm <command> --help' for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = load(name);
  if (!command) {
    process.stderr.write(`prm: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage.trim()}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`prm ${name}: ${err.message}\n\n${command.usage.trim()}\n`);
      return 2;
    }
    // Named, so that a failure inside a script of several prm commands says which one failed.
    // Not instanceof Error: an error from another realm (a vm context) is one too.
    const message = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
    process.stderr.write(`prm ${name}: ${message}\n`);
    return 1;
  }
}
