import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { containerPorts, images, kafkaContainerEnv, schemaRegistryContainerEnv, timescaleContainerEnv } from '../../stack/docker-config';
import { probeKafka } from '../../stack/kafka/readiness';
import { isPortFree } from '../../stack/ports';

/** The services as containers, for machines with a Docker engine. */
export interface ContainerStack {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startContainerStack(log: (line: string) => void): Promise<ContainerStack> {
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  const stop = async () => {
    for (const c of started.reverse()) await c.stop();
    await network.stop();
  };
  try {
    // Kafka advertises the host port to clients, so the host port must be known before start.
    const kafkaPort = await freePort();
    log(`starting ${images.kafka}`);
    const kafka = await new GenericContainer(images.kafka)
      .withNetwork(network)
      .withNetworkAliases('kafka')
      .withEnvironment(kafkaContainerEnv(kafkaPort, 'kafka'))
      .withExposedPorts({ container: containerPorts.kafka, host: kafkaPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(180_000)
      .start();
    started.push(kafka);
    const kafkaBrokers = `127.0.0.1:${kafkaPort}`;
    const { Kafka, logLevel } = await import('kafkajs');
    await probeKafka(new Kafka({ brokers: [kafkaBrokers], clientId: 'prm-test-setup', logLevel: logLevel.NOTHING }), String(process.pid));

    log(`starting ${images.schemaRegistry} and ${images.timescale}`);
    const [registry, timescale] = await Promise.all([
      new GenericContainer(images.schemaRegistry)
        .withNetwork(network)
        .withEnvironment(schemaRegistryContainerEnv('kafka'))
        .withExposedPorts(containerPorts.schemaRegistry)
        .withWaitStrategy(Wait.forHttp('/subjects', containerPorts.schemaRegistry))
        .withStartupTimeout(180_000)
        .start(),
      new GenericContainer(images.timescale)
        .withEnvironment(timescaleContainerEnv)
        .withExposedPorts(containerPorts.timescale)
        // The image's entrypoint runs a temporary server first; the second message is the real one.
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .withStartupTimeout(180_000)
        .start(),
    ]);
    started.push(registry, timescale);
    return {
      kafkaBrokers,
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(containerPorts.schemaRegistry)}`,
      databaseUrl: `postgres://postgres@${timescale.getHost()}:${timescale.getMappedPort(containerPorts.timescale)}/postgres`,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function freePort(): Promise<number> {
  for (let port = 29092; port < 29192; port++) {
    if (await isPortFree(port)) return port;
  }
  throw new Error('no free port in 29092-29191 for the Kafka container');
}
