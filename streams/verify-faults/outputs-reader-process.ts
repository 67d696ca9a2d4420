/**
 * The outputs reader in a child process of the verification run, reporting each batch's records
 * and each partition's position over IPC. Its own process because a kafkajs consumer that lived
 * through a broker restart can leave a socket open after disconnect() (a heartbeat racing the
 * close reopens it), which would keep the run's process (a jest worker, say) alive; a process's
 * sockets end with it.
 *
 *   fork: outputs-reader-process.ts <topic prefix> <group id>   (connection from the environment)
 */
import { prefixedCatalogue } from '../../schemas/topics';
import { EventSerde } from '../../schemas/serde';
import { connectionFromEnv } from '../../stack/connection';
import { countedTopics, OutputsReader } from './outputs-reader';

async function main(): Promise<void> {
  const [topicPrefix, groupId] = process.argv.slice(2);
  if (topicPrefix === undefined || !groupId) throw new Error('usage: outputs-reader-process.ts <topic prefix> <group id>');
  const connection = connectionFromEnv();
  const names = new Set<string>(countedTopics.map((t) => `${topicPrefix}${t}`));
  const serde = await EventSerde.start({ registry: connection.registry, topics: prefixedCatalogue(topicPrefix).filter((t) => names.has(t.name)) });
  const reader = new OutputsReader(
    connection, serde, topicPrefix, groupId,
    (topic, partition, records) => process.send!({ topic, partition, records }),
    (topic, partition, next) => process.send!({ topic, partition, next }),
  );
  await reader.start();
  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once('disconnect', () => resolve()));
  await reader.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`outputs reader: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
