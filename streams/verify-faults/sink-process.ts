/**
 * `prm run --processors sink` for the verification runs, until `prm run` can run the sink alone:
 * with no stream processor in the process, its pipeline's `stopped` (StreamApp.stopped over zero
 * runners) settles at once and `prm run` exits 0 right after starting the sink. This entry starts
 * the same pipeline (streams/live/pipeline.ts) and runs until SIGTERM/SIGINT.
 *
 *   node --require tsx/cjs streams/verify-faults/sink-process.ts <app> <topic prefix> <pool>
 */
import { connectDatabase, migrate } from '../../sinks';
import { connectionFromEnv } from '../../stack/connection';
import { defaultPool, startPipeline } from '../live/pipeline';
import { jsonLogger } from '../runtime/logger';

async function main(): Promise<void> {
  const [app, topicPrefix, pool] = process.argv.slice(2);
  if (!app || topicPrefix === undefined || !pool) throw new Error('usage: sink-process.ts <app> <topic prefix> <pool>');
  const connection = connectionFromEnv();
  const database = await connectDatabase({ url: connection.databaseUrl });
  await migrate(database);
  const pipeline = await startPipeline({
    connection, app, topicPrefix, pool: { ...defaultPool, pool }, simulatePool: false, processors: ['sink'], database, logger: jsonLogger(),
  });
  process.stderr.write('prm run: running sink; Ctrl-C to stop\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await pipeline.stop();
  await database.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`sink-process: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
