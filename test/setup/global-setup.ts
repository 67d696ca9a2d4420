import { existsSync, readFileSync } from 'node:fs';
import { endpointsFile, type Endpoints } from '../../stack/endpoints';
import { dockerEngineAnswers } from './docker';
import type { TestStackHandle } from './handle';

const defaultPlainDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Gets the services for the integration tests, once per run, and publishes them as environment
 * variables the test workers inherit: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL (the
 * TimescaleDB) and PLAIN_DATABASE_URL (the system PostgreSQL). With a Docker engine it starts
 * containers; without one, the local stack (reusing whatever of it is already up).
 */
export default async function globalSetup(): Promise<void> {
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);
  process.env.PLAIN_DATABASE_URL ??= defaultPlainDatabaseUrl;
  const handle: TestStackHandle = { localStarted: [] };
  (globalThis as { prmTestStack?: TestStackHandle }).prmTestStack = handle;

  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL && process.env.DATABASE_URL) {
    log('using the services named by KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL');
    return;
  }
  if (dockerEngineAnswers()) {
    const { startContainerStack } = await import('./containers');
    const stack = await startContainerStack(log);
    handle.containers = stack;
    process.env.KAFKA_BROKERS = stack.kafkaBrokers;
    process.env.SCHEMA_REGISTRY_URL = stack.schemaRegistryUrl;
    process.env.DATABASE_URL = stack.databaseUrl;
    return;
  }

  const { loadStackConfig } = await import('../../stack/config');
  const { selectServices, stackUp } = await import('../../stack/orchestrator');
  const { StackError } = await import('../../stack/errors');
  const config = loadStackConfig();
  handle.config = config;
  log('no Docker engine: using the local stack (prm stack up)');
  // One service at a time, so a service that cannot start (its log is named in the error) fails
  // only the tests that need it, with resolveEndpoints' message, and not the whole run.
  for (const { name } of selectServices(config)) {
    try {
      const [report] = await stackUp(config, log, [name]);
      if (report?.outcome === 'cold start' || report?.outcome === 'warm start') handle.localStarted.push(name);
    } catch (err) {
      if (!(err instanceof StackError)) throw err;
      log(`${name} is not available: ${err.message}`);
    }
  }
  const local = readLocalEndpoints();
  if (local.kafkaBrokers) process.env.KAFKA_BROKERS = local.kafkaBrokers.join(',');
  if (local.schemaRegistryUrl) process.env.SCHEMA_REGISTRY_URL = local.schemaRegistryUrl;
  process.env.DATABASE_URL = config.externalDatabaseUrl ?? local.databaseUrl;
}

function readLocalEndpoints(): Partial<Endpoints> {
  return existsSync(endpointsFile) ? (JSON.parse(readFileSync(endpointsFile, 'utf8')) as Partial<Endpoints>) : {};
}
