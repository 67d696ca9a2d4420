import { spawn } from 'node:child_process';

export interface PredecessorOptions {
  groupId: string;
  topic: string;
  /** The instance its member names in its metadata (as a stable-id member of PRM does). */
  instance: string;
  /** The assignor protocol the group uses. */
  protocol: string;
  /** Leave a transaction open when killed: this output record and the group's offset for partition 0 of `topic`. */
  openTransaction?: { transactionalId: string; outputTopic: string; key: string; value: string };
}

/**
 * A consumer-group member in a child process that is SIGKILLed after it joined (and, if asked,
 * began a transaction): what a crashed instance leaves behind. Its session and transaction time
 * out after 60 s, so a test that does not wait that long shows a successor did not wait for them.
 */
export async function killedPredecessor(o: PredecessorOptions): Promise<void> {
  const script = `
    const { Kafka, AssignerProtocol, logLevel } = require('kafkajs');
    const o = JSON.parse(process.env.PREDECESSOR);
    const kafka = new Kafka({ clientId: 'predecessor', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: o.groupId, sessionTimeout: 60000, rebalanceTimeout: 60000,
      partitionAssigners: [() => ({
        name: o.protocol, version: 1,
        protocol: ({ topics }) => ({ name: o.protocol, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.from(JSON.stringify({ owned: [], instance: o.instance })) }) }),
        assign: async ({ members, topics }) => members.map((m, i) => ({
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: i === 0 ? { [topics[0]]: [0] } : {}, userData: Buffer.alloc(0) }),
        })),
      })],
    });
    consumer.on(consumer.events.GROUP_JOIN, async () => {
      const t = o.openTransaction;
      if (t) {
        const producer = kafka.producer({ transactionalId: t.transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 60000 });
        await producer.connect();
        const txn = await producer.transaction();
        await txn.send({ topic: t.outputTopic, messages: [{ key: t.key, value: t.value }] });
        await txn.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: o.topic, partitions: [{ partition: 0, offset: '0' }] }] });
      }
      console.log('ready');
    });
    consumer.connect().then(() => consumer.subscribe({ topics: [o.topic] })).then(() => consumer.run({ eachMessage: async () => {} }));
  `;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, PREDECESSOR: JSON.stringify(o) }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the predecessor did not join its group in 60 s')), 60_000);
      child.once('exit', (code) => reject(new Error(`the predecessor exited (${code}) before it joined`)));
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    child.kill('SIGKILL');
  }
}
