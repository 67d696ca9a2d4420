import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints } from './endpoints';
import type { ServiceName } from './service';

/** What the stack remembers about a service it started. */
export interface ServiceRecord {
  pid: number;
  ports: number[];
  log: string;
  /** ISO time the process was started. */
  startedAt: string;
}

export type StackState = Partial<Record<ServiceName, ServiceRecord>>;

const stateFile = (stackDir: string) => join(stackDir, 'state.json');
const endpointsPath = (stackDir: string) => join(stackDir, 'endpoints.json');

export function readState(stackDir: string): StackState {
  const file = stateFile(stackDir);
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

export function writeState(stackDir: string, state: StackState): void {
  writeAtomically(stateFile(stackDir), `${JSON.stringify(state, null, 2)}\n`);
}

/** endpoints.json holds only services that are up, so resolveEndpoints() names what is missing. */
export function writeEndpoints(stackDir: string, endpoints: Partial<Endpoints>): void {
  if (Object.keys(endpoints).length === 0) {
    rmSync(endpointsPath(stackDir), { force: true });
    return;
  }
  writeAtomically(endpointsPath(stackDir), `${JSON.stringify(endpoints, null, 2)}\n`);
}

// Readers (tests, other CLIs) must never see half a file.
function writeAtomically(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
