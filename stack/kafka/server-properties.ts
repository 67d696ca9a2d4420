/** What the single-node KRaft broker needs to know to write its server.properties. */
export interface BrokerSettings {
  port: number;
  controllerPort: number;
  logDir: string;
}

/**
 * server.properties for one combined broker+controller node. Internal topics get replication
 * factor and min ISR 1: with the defaults (3) a single node cannot create __consumer_offsets or
 * __transaction_state and kafkajs reports "The group coordinator is not available"
 * (kafkajs#1752). Their partition counts are cut from 50 so a cold start on 2 cores stays quick.
 */
export function serverProperties({ port, controllerPort, logDir }: BrokerSettings): string {
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 10,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'min.insync.replicas': 1,
    // Consumers in tests and in a freshly started processor join at once instead of after 3 s.
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': true,
    'delete.topic.enable': true,
    'log.retention.hours': 168,
    // A dead instance's open transaction holds back its partitions' readers until the broker
    // aborts it: checked every 10 s by default, on top of the producer's transaction timeout.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': 1000,
  };
  const lines = Object.entries(props).map(([k, v]) => `${k}=${v}`);
  return `# Written by 'prm stack up' on every start; edit stack/kafka/server-properties.ts instead.\n${lines.join('\n')}\n`;
}
