// The local stack's schema registry: `node --require tsx/cjs stack/registry/main.ts --port P
// --kafka-brokers host:port[,...] [--topic _prm_schemas]`. Ready when GET /subjects answers 200.
import { createServer, type Server } from 'node:http';
import { ArgsError, parseRegistryArgs, usage } from './args';
import { LogFollower } from './follower';
import { createHandler } from './http';
import { openKafkaLog, type KafkaLog } from './kafka-log';
import { RegistryService } from './service';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} registry: ${line}\n`);

/** One line on stderr naming the cause, then a non-zero exit: what the stack reports to the user. */
function fail(message: string, code = 1): never {
  process.stderr.write(`schema registry: ${message}\n`);
  log(`exiting: ${message}`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseRegistryArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgsError) fail(`${err.message}\n${usage}`, 2);
    throw err;
  }
  const started = process.hrtime.bigint();
  const follower = new LogFollower((line) => log(line));
  const open: { log?: KafkaLog } = {};
  const service = new RegistryService({
    follower,
    append: (proposal, record) => {
      if (!open.log) throw new Error('the registry topic is not open yet');
      return open.log.append(proposal, record);
    },
  });
  const server = createServer(createHandler(service, log));
  // Bind first so a taken port fails at once; requests answer 503 until the log is read.
  const port = await listen(server, args.port, args.host).catch((err: NodeJS.ErrnoException) =>
    fail(err.code === 'EADDRINUSE' ? `port ${args.port} on ${args.host} is already in use` : `cannot listen on ${args.host}:${args.port}: ${err.message}`),
  );
  log(`listening on http://${args.host}:${port}; reading topic ${args.topic} from ${args.kafkaBrokers.join(',')}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    // A stuck broker must not keep the process from exiting when asked.
    setTimeout(() => process.exit(0), 10_000).unref();
    // Requests in flight (a write waiting for its record) finish; idle keep-alive sockets go now.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    // The log's consumer can be mid-restart after a broker restart, where kafkajs' disconnect
    // waits out its retries: the log is in Kafka, so nothing is lost by not waiting long.
    await Promise.race([open.log?.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  open.log = await openKafkaLog({
    brokers: args.kafkaBrokers,
    topic: args.topic,
    follower,
    log,
    onFatal: (err) => fail(err.message),
  }).catch((err: Error) => fail(err.message));
  service.markReady();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  log(`ready in ${ms.toFixed(0)} ms: ${follower.state.subjectNames().length} subjects, ${follower.state.schemaCount} schemas, log read to offset ${follower.position}`);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

main().catch((err: Error) => fail(`unexpected error: ${err.stack ?? err.message}`));
