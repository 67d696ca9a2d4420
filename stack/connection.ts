import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { RegistryConnection } from '../schemas/registry-http';
import { resolveEndpoints } from './endpoints';

/** How to reach a deployment's Kafka, schema registry and database, security included. */
export interface Connection {
  /** kafkajs settings: brokers, and TLS and SASL when configured. */
  kafka: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;
  registry: RegistryConnection;
  databaseUrl: string;
}

const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * The connection from the environment, over the local stack's endpoints:
 *
 *   KAFKA_BROKERS             host:port,host:port
 *   KAFKA_SSL                 'true' for TLS with the system CAs
 *   KAFKA_SSL_CA_FILE         a PEM bundle to trust instead (implies TLS)
 *   KAFKA_SASL_MECHANISM      plain | scram-sha-256 | scram-sha-512
 *   KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
 *   SCHEMA_REGISTRY_URL       http(s)://host:port
 *   SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD   basic auth (Confluent Cloud: API key and secret)
 *   DATABASE_URL              postgres://user:password@host:port/db?sslmode=require
 *
 * A half-given setting (a mechanism without a password, say) is an error naming the variable,
 * not a connection that fails later with a broker's terse reply.
 */
export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): Connection {
  const endpoints = resolveEndpoints(env);
  const kafka: Connection['kafka'] = { brokers: endpoints.kafkaBrokers };
  if (env.KAFKA_SSL_CA_FILE) kafka.ssl = { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] };
  else if (env.KAFKA_SSL !== undefined) kafka.ssl = parseBoolean('KAFKA_SSL', env.KAFKA_SSL);
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism !== undefined) {
    if (!(saslMechanisms as readonly string[]).includes(mechanism)) {
      throw new Error(`KAFKA_SASL_MECHANISM must be one of ${saslMechanisms.join(', ')}, got '${env.KAFKA_SASL_MECHANISM}'`);
    }
    const username = required(env, 'KAFKA_SASL_USERNAME');
    const password = required(env, 'KAFKA_SASL_PASSWORD');
    kafka.sasl = { mechanism, username, password } as SASLOptions;
  } else if (env.KAFKA_SASL_USERNAME || env.KAFKA_SASL_PASSWORD) {
    throw new Error('KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not');
  }
  const registry: RegistryConnection = { url: endpoints.schemaRegistryUrl };
  if (env.SCHEMA_REGISTRY_USERNAME !== undefined || env.SCHEMA_REGISTRY_PASSWORD !== undefined) {
    registry.auth = { username: required(env, 'SCHEMA_REGISTRY_USERNAME'), password: required(env, 'SCHEMA_REGISTRY_PASSWORD') };
  }
  return { kafka, registry, databaseUrl: endpoints.databaseUrl };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new Error(`${name} must be true or false, got '${value}'`);
}
