import { homedir } from 'node:os';
import { join } from 'node:path';
import { stackDir } from './endpoints';
import { StackConfigError } from './errors';

/** Ports and limits of the local stack. Every field has an environment variable; see README. */
export interface StackConfig {
  /** Kafka's client listener (PRM_KAFKA_PORT, default 9092). */
  kafkaPort: number;
  /** Kafka's KRaft controller listener (PRM_KAFKA_CONTROLLER_PORT, default 9093). */
  kafkaControllerPort: number;
  /** The schema registry's HTTP port (PRM_REGISTRY_PORT, default 8081). */
  registryPort: number;
  /** The embedded TimescaleDB's Postgres wire port (PRM_TIMESCALE_PORT, default 5433: 5432 is the system PostgreSQL). */
  timescalePort: number;
  /** Broker JVM heap, as -Xmx (PRM_KAFKA_HEAP, default 512m). */
  kafkaHeap: string;
  /** How long one service may take to become ready, in ms (PRM_STACK_READY_TIMEOUT_MS, default 120000). */
  readyTimeoutMs: number;
  /** How long a service may take to exit after SIGTERM before SIGKILL, in ms (PRM_STACK_STOP_TIMEOUT_MS, default 30000). */
  stopTimeoutMs: number;
  /** An external database (DATABASE_URL): when set, the embedded TimescaleDB is not started. */
  externalDatabaseUrl: string | undefined;
  /** State folder: data, logs, pids, endpoints.json (PRM_STACK_DIR, default <repo>/.stack). */
  stackDir: string;
  /** Cache outside git for the resolved Maven classpath (PRM_CACHE_DIR, default ~/.cache/prm). */
  cacheDir: string;
}


export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const config: StackConfig = {
    kafkaPort: port(env, 'PRM_KAFKA_PORT', 9092),
    kafkaControllerPort: port(env, 'PRM_KAFKA_CONTROLLER_PORT', 9093),
    registryPort: port(env, 'PRM_REGISTRY_PORT', 8081),
    timescalePort: port(env, 'PRM_TIMESCALE_PORT', 5433),
    kafkaHeap: heap(env.PRM_KAFKA_HEAP ?? '512m'),
    readyTimeoutMs: positive(env, 'PRM_STACK_READY_TIMEOUT_MS', 120_000),
    stopTimeoutMs: positive(env, 'PRM_STACK_STOP_TIMEOUT_MS', 30_000),
    externalDatabaseUrl: env.DATABASE_URL || undefined,
    stackDir: env.PRM_STACK_DIR ?? stackDir,
    cacheDir: env.PRM_CACHE_DIR ?? join(homedir(), '.cache', 'prm'),
  };
  const ports = [config.kafkaPort, config.kafkaControllerPort, config.registryPort, config.timescalePort];
  if (new Set(ports).size !== ports.length) {
    throw new StackConfigError(`stack ports must differ, got kafka ${ports[0]}, controller ${ports[1]}, registry ${ports[2]}, timescale ${ports[3]}`);
  }
  return config;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new StackConfigError(`${name} must be a TCP port (1-65535), got '${raw}'`);
  return n;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new StackConfigError(`${name} must be a positive number of milliseconds, got '${raw}'`);
  return n;
}

function heap(raw: string): string {
  if (!/^\d+[mMgG]$/.test(raw)) throw new StackConfigError(`PRM_KAFKA_HEAP must look like 512m or 1g, got '${raw}'`);
  return raw;
}
