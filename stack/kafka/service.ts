import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../config';
import { StackConfigError } from '../errors';
import type { ServiceSpec } from '../service';
import { requireJava17, resolveKafkaClasspath } from './classpath';
import { probeKafka } from './readiness';
import { serverProperties } from './server-properties';

const log4jConfig = join(__dirname, 'log4j2.properties');

function paths(config: StackConfig) {
  const home = join(config.stackDir, 'kafka');
  return { home, data: join(home, 'data'), properties: join(home, 'server.properties') };
}

// Resolved once per CLI run: prepare() fills it, launch() reads it.
let classpath: string | undefined;

/** Apache Kafka 4.1.1 (pinned in stack/kafka/pom.xml), one KRaft node that is broker and controller. */
export const kafkaService: ServiceSpec = {
  name: 'kafka',
  ports: (config) => [
    { port: config.kafkaPort, env: 'PRM_KAFKA_PORT' },
    { port: config.kafkaControllerPort, env: 'PRM_KAFKA_CONTROLLER_PORT' },
  ],
  marker: (config) => paths(config).properties,
  async prepare(config, log) {
    requireJava17();
    const { home, data, properties } = paths(config);
    mkdirSync(data, { recursive: true });
    classpath = resolveKafkaClasspath(config.cacheDir, log);
    writeFileSync(properties, serverProperties({ port: config.kafkaPort, controllerPort: config.kafkaControllerPort, logDir: data }));
    if (existsSync(join(data, 'meta.properties'))) return false;
    log(`formatting Kafka storage in ${data}`);
    const began = Date.now();
    const result = spawnSync(
      'java',
      ['-Xmx256m', `-Dlog4j2.configurationFile=${log4jConfig}`, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', properties],
      { cwd: home, encoding: 'utf8' },
    );
    if (result.status !== 0) {
      const why = `${result.stdout}${result.stderr}`.trim().split('\n').at(-1) ?? `exit ${result.status}`;
      throw new StackConfigError(`formatting Kafka storage in ${data} failed: ${why}`);
    }
    log(`storage formatted in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    return true;
  },
  launch(config) {
    if (!classpath) throw new Error('kafka: prepare() must run before launch()');
    const { home, properties } = paths(config);
    return {
      command: 'java',
      args: [
        `-Xmx${config.kafkaHeap}`,
        '-Xms128m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${log4jConfig}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
      cwd: home,
    };
  },
  async probe(config, depth) {
    const { Kafka, logLevel } = await import('kafkajs');
    const kafka = new Kafka({
      clientId: 'prm-stack-probe',
      brokers: [`127.0.0.1:${config.kafkaPort}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 3, initialRetryTime: 300 },
    });
    await probeKafka(kafka, String(process.pid), depth);
  },
  endpoints: (config) => ({ kafkaBrokers: [`127.0.0.1:${config.kafkaPort}`] }),
};

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what kafka-storage
 * random-uuid prints). One in 64 such ids starts with '-', which the storage tool's argument
 * parser takes for an option ("argument --cluster-id/-t: expected one argument"); Kafka's own
 * Uuid.randomUuid draws again in that case, and so does this.
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
