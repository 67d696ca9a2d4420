#!/usr/bin/env node
// The `prm` entry point. TypeScript runs through tsx's loader so there is no build step to go
// stale between a `git pull` and `npx prm`.
require('tsx/cjs');
require('./main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`prm: ${err && err.message ? err.message : String(err)}\n`); process.exitCode = 1; },
);
