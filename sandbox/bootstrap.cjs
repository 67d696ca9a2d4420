'use strict';
// Runs inside the sandboxed process before the submitted program, so the program cannot undo
// what happens here before it exists. It (1) makes the environment unreadable, on top of the
// empty environment the meter already gives, so a program that reads it fails loudly instead of
// silently seeing nothing; (2) writes the start mark on fd 3, which tells the meter that user
// code starts now: accounting begins there and the runtime's start-up is left out, and waits for
// the meter's reply, sent once the counters are sampled; (3) loads the program. Nothing the program does afterwards can change what the meter measured.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

function denied(what) {
  const err = new Error(`Access to ${what} is denied in the sandbox`);
  err.code = 'ERR_ACCESS_DENIED';
  return err;
}

// Node reads the environment itself (colour detection in console, defaults in child_process);
// those internal reads get the empty object the meter exec'd us with. Any other caller throws.
const internalEnv = {};
Object.defineProperty(process, 'env', {
  get() {
    if (calledFromNodeInternals()) return internalEnv;
    throw denied('process.env');
  },
  set() { throw denied('process.env'); },
  configurable: false,
});

function readReply(fd) {
  const reply = Buffer.alloc(1);
  for (;;) {
    try {
      if (fs.readSync(fd, reply, 0, 1, null) !== 1) throw new Error('the sandbox meter closed the start mark without a reply');
      return;
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function calledFromNodeInternals() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  const frames = String(new Error().stack).split('\n');
  Error.stackTraceLimit = limit;
  // frames: [message, this function, the getter, its caller]
  return /\(node:|at node:/.test(frames[3] ?? '');
}

// The standard streams are created lazily on first use, at a cost of ~20 ms of CPU (net, stream
// and tty modules load): runtime cost, not the program's, so it is paid before the mark.
void process.stdout;
void process.stderr;

const entry = process.argv[2];
fs.writeSync(3, 'M');
// The meter replies once it has sampled the counters: user code must not start before that.
readReply(3);
fs.closeSync(3);
if (entry.endsWith('.mjs')) {
  // A rejected import is an unhandled rejection: Node prints it and exits 1, like a thrown error.
  void import(pathToFileURL(path.resolve(entry)).href);
} else {
  require(path.resolve(entry));
}
