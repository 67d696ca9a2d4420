import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StackConfigError } from '../errors';
import type { Launch } from '../service';

const repoRoot = join(__dirname, '..', '..');

/** Resolves a TypeScript service entry in the repo, failing with one line when it is absent. */
export function nodeEntry(relative: string, what: string): string {
  const entry = join(repoRoot, relative);
  if (!existsSync(entry)) throw new StackConfigError(`${what} entry ${relative} does not exist in this checkout`);
  return entry;
}

/** A TypeScript service run by this Node with tsx, the same way in every checkout. */
export function nodeLaunch(entry: string, args: string[]): Launch {
  return { command: process.execPath, args: ['--require', 'tsx/cjs', entry, ...args], cwd: repoRoot };
}
