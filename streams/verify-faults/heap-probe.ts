/**
 * Preloaded (`node --require`) into the soak's `prm run` processes: one JSON line on stderr every
 * 5 s with the V8 heap in use, which /proc cannot tell apart from the rest of the resident memory.
 * The soak driver reads these lines off the child's stderr; unref'd, so it never keeps a process alive.
 */
setInterval(() => {
  process.stderr.write(`{"event":"heap","heapUsed":${process.memoryUsage().heapUsed}}\n`);
}, 5000).unref();
export {};
