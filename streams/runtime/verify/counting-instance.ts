// Entry point of one instance of the exactly-once check, run as a child process (so it can be
// SIGKILLed): `node --require tsx/cjs counting-instance.ts '<json config>'`.
import { jsonDeadLetterSink } from '../dead-letter-sink';
import { StreamApp } from '../kafka/stream-app';
import { jsonLogger } from '../logger';
import { countingTopology, RELAY_CHAIN } from './counting-topology';

export interface InstanceConfig {
  brokers: string[];
  app: string;
  input: string;
  output: string;
  /** Run relay+counter fused through this topic (see CountingTopics.relay). */
  relay?: string;
  deadLetterTopic: string;
  instance: number;
  sessionTimeoutMs: number;
  /** StreamAppOptions.instanceId; absent: random per start. */
  instanceId?: string;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as InstanceConfig;
  const logger = jsonLogger({ fields: { instance: config.instance, pid: process.pid } });
  const app = new StreamApp({
    topology: countingTopology(config.app, { input: config.input, output: config.output, relay: config.relay }),
    fuse: config.relay === undefined ? [] : [RELAY_CHAIN],
    kafka: { brokers: config.brokers, clientId: `${config.app}-${config.instance}` },
    deadLetters: jsonDeadLetterSink(config.deadLetterTopic),
    logger,
    sessionTimeoutMs: config.sessionTimeoutMs,
    instanceId: config.instanceId,
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void app.stop().then(() => process.exit(0));
  });
  await app.start();
  logger.info('instance ready', { event: 'ready' });
  await app.stopped.catch(() => process.exit(1));
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', message: 'instance failed to start', event: 'fatal', err: String(err) })}\n`);
  process.exit(1);
});
