import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where PRM's services are. Everything that talks to Kafka, the registry or the database asks here. */
export interface Endpoints {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** TimescaleDB (or any PostgreSQL) holding PRM's history. */
  databaseUrl: string;
}

/** The folder the local stack keeps its state in (ports, pids, logs, data). Outside git. */
export const stackDir = process.env.PRM_STACK_DIR ?? join(__dirname, '..', '.stack');
export const endpointsFile = join(stackDir, 'endpoints.json');

/**
 * Environment variables win (a real deployment, docker-compose, Testcontainers); otherwise the
 * endpoints the local stack wrote when it came up.
 */
export function resolveEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const local = readLocal();
  const kafka = env.KAFKA_BROKERS ?? local?.kafkaBrokers.join(',');
  const registry = env.SCHEMA_REGISTRY_URL ?? local?.schemaRegistryUrl;
  const database = env.DATABASE_URL ?? local?.databaseUrl;
  const missing = [
    kafka ? undefined : 'KAFKA_BROKERS',
    registry ? undefined : 'SCHEMA_REGISTRY_URL',
    database ? undefined : 'DATABASE_URL',
  ].filter(Boolean);
  if (missing.length > 0 || !kafka || !registry || !database) {
    throw new Error(`no ${missing.join(', ')} set and no local stack is up: run 'npx prm stack up' or set them`);
  }
  return { kafkaBrokers: kafka.split(',').map((b) => b.trim()).filter(Boolean), schemaRegistryUrl: registry, databaseUrl: database };
}

function readLocal(): Endpoints | undefined {
  if (!existsSync(endpointsFile)) return undefined;
  return JSON.parse(readFileSync(endpointsFile, 'utf8')) as Endpoints;
}
