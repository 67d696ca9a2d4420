import { join } from 'node:path';
import type { StackConfig } from './config';
import { StackConfigError, StackStartError } from './errors';
import type { Endpoints } from './endpoints';
import { kafkaService } from './kafka/service';
import { withStackLock } from './lock';
import { describePortHolder, isAccepting, isPortFree } from './ports';
import { causeFromLog, isOurs, logSize, sleep, startDetached, stopProcess } from './process';
import type { ServiceName, ServiceSpec } from './service';
import { registryService } from './services/registry';
import { timescaleService } from './services/timescale';
import { readState, writeEndpoints, writeState, type StackState } from './state';

/** In start order: the registry keeps its schemas in Kafka. `down` goes in reverse. */
export const allServices: readonly ServiceSpec[] = [kafkaService, timescaleService, registryService];

export interface ServiceReport {
  name: ServiceName;
  /** cold: first start (jars, storage format); warm: a restart on existing state. */
  outcome: 'cold start' | 'warm start' | 'already up' | 'external' | 'failed' | 'stopped' | 'killed' | 'not running';
  /** Wall time of prepare + launch + readiness for a start; of the shutdown for a stop. */
  seconds?: number;
  pid?: number;
  log?: string;
  detail?: string;
}

export interface StackStatus {
  name: ServiceName;
  up: boolean;
  pid?: number;
  ports: number[];
  log?: string;
  detail?: string;
}

type Log = (line: string) => void;

/** The services this configuration runs: an external DATABASE_URL replaces the embedded TimescaleDB. */
export function selectServices(config: StackConfig, only?: readonly ServiceName[]): ServiceSpec[] {
  return allServices.filter((s) => (!only || only.includes(s.name)) && !(s.name === 'timescale' && config.externalDatabaseUrl));
}

export const logFileOf = (config: StackConfig, name: ServiceName) => join(config.stackDir, 'logs', `${name}.log`);

/**
 * Starts every selected service that is not already up, in order, and writes endpoints.json.
 * Stops at the first service that fails (the later ones depend on it), leaving what is up
 * running; the failure is in the returned reports and in the thrown StackStartError.
 */
export async function stackUp(config: StackConfig, log: Log, only?: readonly ServiceName[]): Promise<ServiceReport[]> {
  return withStackLock(config.stackDir, config.readyTimeoutMs * allServices.length, async () => {
    const reports: ServiceReport[] = [];
    const state = readState(config.stackDir);
    try {
      for (const spec of selectServices(config, only)) {
        const report = await ensureUp(spec, config, state, log);
        reports.push(report);
      }
    } finally {
      writeState(config.stackDir, state);
      writeEndpoints(config.stackDir, await endpointsOfRunning(config, state));
    }
    if (config.externalDatabaseUrl && (!only || only.includes('timescale'))) {
      reports.push({ name: 'timescale', outcome: 'external', detail: 'DATABASE_URL is set' });
    }
    return reports;
  });
}

async function ensureUp(spec: ServiceSpec, config: StackConfig, state: StackState, log: Log): Promise<ServiceReport> {
  const logFile = logFileOf(config, spec.name);
  const known = state[spec.name];
  if (known && safeIsOurs(spec, config, known.pid)) {
    // Ours and running: ready now, or still starting under an earlier `up` that was interrupted.
    await waitReady(spec, config, known.pid, undefined, logFile, 'quick');
    return { name: spec.name, outcome: 'already up', pid: known.pid, log: logFile };
  }
  delete state[spec.name];
  for (const { port, env } of spec.ports(config)) {
    if (!(await isPortFree(port))) {
      const holder = describePortHolder(port);
      throw new StackStartError(`${spec.name}: port ${port} is already in use${holder ? ` by ${holder}` : ''}; stop it or set ${env} to a free port`);
    }
  }
  const began = Date.now();
  const cold = await spec.prepare(config, (line) => log(`${spec.name}: ${line}`));
  const launch = spec.launch(config);
  log(`${spec.name}: starting (log ${logFile})`);
  const logStart = logSize(logFile);
  const child = startDetached(launch.command, launch.args, logFile, launch.cwd, { ...process.env, ...launch.env });
  state[spec.name] = { pid: child.pid, ports: spec.ports(config).map((p) => p.port), log: logFile, startedAt: new Date(began).toISOString() };
  writeState(config.stackDir, state);
  try {
    await waitReady(spec, config, child.pid, child.exited, logFile, 'full', logStart);
  } catch (err) {
    await stopProcess(child.pid, 5000);
    delete state[spec.name];
    throw err;
  }
  const seconds = (Date.now() - began) / 1000;
  log(`${spec.name}: ready in ${seconds.toFixed(1)} s (${cold ? 'cold' : 'warm'} start)`);
  return { name: spec.name, outcome: cold ? 'cold start' : 'warm start', seconds, pid: child.pid, log: logFile };
}

/**
 * Probes until ready; fails as soon as the process dies, or at the readiness timeout. A probe
 * runs only once the service accepts connections, and never past the deadline, so a dead or
 * hung service is reported within a second or so of it happening.
 */
async function waitReady(
  spec: ServiceSpec,
  config: StackConfig,
  pid: number,
  exited: Promise<number | null> | undefined,
  logFile: string,
  depth: 'full' | 'quick' = 'full',
  logStart = 0,
): Promise<void> {
  const deadline = Date.now() + config.readyTimeoutMs;
  const died = new Promise<'died'>((resolve) => {
    void exited?.then(() => resolve('died'));
  });
  const firstPort = spec.ports(config)[0]?.port;
  let lastError = 'no probe finished';
  for (;;) {
    if (!isOurs(pid, spec.marker(config))) {
      throw new StackStartError(`${spec.name} exited while starting: ${causeFromLog(logFile, logStart) || 'no output'} (log ${logFile})`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new StackStartError(`${spec.name} not ready after ${config.readyTimeoutMs / 1000} s: ${lastError} (log ${logFile})`);
    }
    const attempt = (async () => {
      if (firstPort !== undefined && !(await isAccepting(firstPort))) throw new Error(`nothing accepts connections on port ${firstPort} yet`);
      await spec.probe(config, depth);
    })().then(
      () => 'ready' as const,
      (err: unknown) => {
        lastError = err instanceof Error ? err.message : String(err);
        return 'not ready' as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remaining)));
    const outcome = await Promise.race([attempt, died, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') return;
    if (outcome === 'not ready') await Promise.race([sleep(500), died]);
  }
}

async function endpointsOfRunning(config: StackConfig, state: StackState): Promise<Partial<Endpoints>> {
  let endpoints: Partial<Endpoints> = config.externalDatabaseUrl ? { databaseUrl: config.externalDatabaseUrl } : {};
  for (const spec of allServices) {
    const record = state[spec.name];
    if (record && isOurs(record.pid, spec.marker(config))) endpoints = { ...endpoints, ...spec.endpoints(config) };
  }
  return endpoints;
}

/**
 * Stops the services this stack started (or only those named), in reverse start order:
 * SIGTERM, then SIGKILL after the stop timeout.
 */
export async function stackDown(config: StackConfig, log: Log, only?: readonly ServiceName[]): Promise<ServiceReport[]> {
  return withStackLock(config.stackDir, config.stopTimeoutMs * allServices.length, async () => {
    const state = readState(config.stackDir);
    const reports: ServiceReport[] = [];
    for (const spec of [...allServices].reverse()) {
      const record = state[spec.name];
      if (!record || (only && !only.includes(spec.name))) continue;
      const ours = safeIsOurs(spec, config, record.pid);
      const began = Date.now();
      if (ours) log(`${spec.name}: stopping pid ${record.pid} (SIGTERM, SIGKILL after ${config.stopTimeoutMs / 1000} s)`);
      const outcome = ours ? await stopProcess(record.pid, config.stopTimeoutMs) : 'not running';
      const seconds = (Date.now() - began) / 1000;
      delete state[spec.name];
      writeState(config.stackDir, state);
      reports.push({ name: spec.name, outcome, pid: record.pid, log: record.log, ...(ours ? { seconds } : {}) });
    }
    writeEndpoints(config.stackDir, await endpointsOfRunning(config, state));
    return reports;
  });
}

/** What is running now, probed once per service. */
export async function stackStatus(config: StackConfig): Promise<StackStatus[]> {
  const state = readState(config.stackDir);
  const statuses: StackStatus[] = [];
  for (const spec of selectServices(config)) {
    const record = state[spec.name];
    const ports = spec.ports(config).map((p) => p.port);
    if (!record || !safeIsOurs(spec, config, record.pid)) {
      statuses.push({ name: spec.name, up: false, ports, detail: 'not running' });
      continue;
    }
    try {
      await spec.probe(config, 'quick');
      statuses.push({ name: spec.name, up: true, pid: record.pid, ports: record.ports, log: record.log });
    } catch (err) {
      statuses.push({ name: spec.name, up: false, pid: record.pid, ports: record.ports, log: record.log, detail: `running but not ready: ${(err as Error).message}` });
    }
  }
  return statuses;
}

// A service whose entry file vanished (for example after a checkout) cannot name its marker;
// its process is then not treated as ours.
function safeIsOurs(spec: ServiceSpec, config: StackConfig, pid: number): boolean {
  try {
    return isOurs(pid, spec.marker(config));
  } catch (err) {
    if (err instanceof StackConfigError) return false;
    throw err;
  }
}
