import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackConfig, type StackConfig } from '../../stack/config';
import type { Connection } from '../../stack/connection';
import { stackDown, stackUp } from '../../stack/orchestrator';
import type { ServiceName } from '../../stack/service';
import { readState } from '../../stack/state';

/**
 * Stops and starts one service of the local stack (`prm stack`) through the stack's own
 * orchestrator, so pid files, ports and logs stay the stack's. Other sessions read
 * .stack/endpoints.json while a service is down: the file is put back exactly as it was as soon
 * as the stack rewrites it, so a reader never learns that a service is missing, only that it
 * does not answer for a while (which is the fault).
 */
export interface StackControl {
  /** The services of the connection that are this machine's local stack (those a fault can restart). */
  readonly restartable: ReadonlySet<ServiceName>;
  stop(service: ServiceName): Promise<void>;
  start(service: ServiceName): Promise<void>;
  /**
   * Starts every restartable service that is no longer up (one that gave up while another was
   * away) and returns their names: the stack is left as the run found it, and the deaths reported.
   */
  restoreAll(): Promise<ServiceName[]>;
}

export function localStackControl(connection: Connection, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): StackControl {
  // DATABASE_URL is how the tests (and users) name the stack's own database too; the stack would
  // then call it external and refuse to start it. Whether it is ours is decided below, by port.
  const config: StackConfig = loadStackConfig({ ...env, DATABASE_URL: undefined });
  const state = readState(config.stackDir);
  const restartable = new Set<ServiceName>();
  const brokers = (connection.kafka.brokers as string[]).map((b) => b.trim());
  if (state.kafka && brokers.length === 1 && isLocal(brokers[0]!, config.kafkaPort)) restartable.add('kafka');
  if (state.registry && isLocal(new URL(connection.registry.url).host, config.registryPort)) restartable.add('registry');
  if (state.timescale && isLocal(new URL(connection.databaseUrl).host, config.timescalePort)) restartable.add('timescale');

  const endpointsPath = join(config.stackDir, 'endpoints.json');
  const original = existsSync(endpointsPath) ? readFileSync(endpointsPath, 'utf8') : undefined;
  const restoreEndpoints = () => {
    if (original === undefined) {
      rmSync(endpointsPath, { force: true });
      return;
    }
    const tmp = `${endpointsPath}.${process.pid}.tmp`;
    writeFileSync(tmp, original);
    renameSync(tmp, endpointsPath);
  };
  const check = (service: ServiceName) => {
    if (!restartable.has(service)) throw new Error(`${service} is not this machine's local stack: it cannot be restarted from here`);
  };
  return {
    restartable,
    async stop(service) {
      check(service);
      try {
        await stackDown(config, (line) => log(`stack: ${line}`), [service]);
      } finally {
        restoreEndpoints();
      }
    },
    async start(service) {
      check(service);
      try {
        await stackUp(config, (line) => log(`stack: ${line}`), [service]);
      } finally {
        restoreEndpoints();
      }
    },
    async restoreAll() {
      if (restartable.size === 0) return [];
      try {
        const reports = await stackUp(config, (line) => log(`stack: ${line}`), [...restartable]);
        return reports.filter((r) => r.outcome === 'cold start' || r.outcome === 'warm start').map((r) => r.name);
      } finally {
        restoreEndpoints();
      }
    },
  };
}

function isLocal(hostPort: string, port: number): boolean {
  const [host, p] = hostPort.split(':');
  return (host === '127.0.0.1' || host === 'localhost') && Number(p) === port;
}
