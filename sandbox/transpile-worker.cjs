'use strict';
// Runs in a worker thread of the executor (sandbox/transpile.ts): the compiler is trusted, the
// source is not, so a huge or pathological program costs this thread's time and heap, which
// the executor bounds, and never the event loop that drives its Kafka consumers.
const { parentPort } = require('node:worker_threads');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  // Types are erased only: a type error does not stop a program from running, as with tsc's emit.
  isolatedModules: true,
  sourceMap: false,
};

// The compiler's first compile sets up much of its state lazily, taking several times a warm
// one's time: done here, on a program of ours, so the first user's program is not charged it.
ts.transpileModule('export const warm: number = 1;', { compilerOptions, reportDiagnostics: true, fileName: 'warm.ts' });

// The parent times each compile from here on: loading the compiler is not the program's time.
parentPort.postMessage({ ready: true });

parentPort.on('message', ({ id, code }) => {
  try {
    const out = ts.transpileModule(code, { compilerOptions, reportDiagnostics: true, fileName: 'program.ts' });
    const errors = (out.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
      parentPort.postMessage({ id, ok: false, reason: errors.slice(0, 5).map(describe).join('; ') + (errors.length > 5 ? `; and ${errors.length - 5} more` : '') });
    } else {
      parentPort.postMessage({ id, ok: true, js: out.outputText });
    }
  } catch (err) {
    // A stack overflow on deeply nested code, or the compiler's own failure: the program's fault.
    parentPort.postMessage({ id, ok: false, reason: `the TypeScript compiler gave up: ${err && err.message ? err.message : String(err)}` });
  }
});

function describe(d) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return `TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `program.ts(${line + 1},${character + 1}): TS${d.code}: ${text}`;
}
