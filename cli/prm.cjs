#!/usr/bin/env node
// The `prm` entry point. TypeScript runs through tsx's loader so there is no build step to go
// stale between a `git pull` and `npx prm`.
require('tsx/cjs');
require('./main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  // main() reports a failing command itself (`prm <command>: ...`); what reaches here failed
  // while loading the commands, so the stack says which module and where.
  (err) => { process.stderr.write(`prm: could not load its commands: ${err && err.stack ? err.stack : String(err)}\n`); process.exitCode = 1; },
);
