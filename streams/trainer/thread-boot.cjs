// Entry of the trainer's worker thread. A worker does not inherit its parent's TypeScript
// loader (tsx under `prm`, ts-jest under jest), so it registers tsx itself.
require('tsx/cjs');
require('./thread-main.ts');
