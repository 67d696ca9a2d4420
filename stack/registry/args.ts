import { parseArgs } from 'node:util';

/** How the registry process is started (see main.ts). */
export interface RegistryArgs {
  /** HTTP port; 0 picks a free one and logs it. */
  port: number;
  /** Interface to bind (default 127.0.0.1: the local stack is not for other machines). */
  host: string;
  kafkaBrokers: string[];
  /** The compacted topic holding the schemas (default _prm_schemas). */
  topic: string;
}

export const usage = 'usage: registry --port P --kafka-brokers host:port[,host:port...] [--topic _prm_schemas] [--host 127.0.0.1]';

/** A start-up argument that cannot work: reported in one line with the usage, exit code 2. */
export class ArgsError extends Error {
  override name = 'ArgsError';
}

export function parseRegistryArgs(argv: string[]): RegistryArgs {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'kafka-brokers': { type: 'string' },
        topic: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new ArgsError((err as Error).message);
  }
  const port = Number(values.port);
  if (values.port === undefined || !/^\d+$/.test(values.port) || port > 65535) {
    throw new ArgsError(`--port must be a TCP port (0-65535), got ${values.port === undefined ? 'nothing' : `'${values.port}'`}`);
  }
  const kafkaBrokers = (values['kafka-brokers'] ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (kafkaBrokers.length === 0) throw new ArgsError('--kafka-brokers is required: host:port[,host:port...]');
  const malformed = kafkaBrokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (malformed) throw new ArgsError(`--kafka-brokers entries must be host:port, got '${malformed}'`);
  const topic = values.topic ?? '_prm_schemas';
  // Kafka's own rule for topic names.
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw new ArgsError(`--topic '${topic}' is not a valid Kafka topic name`);
  return { port, host: values.host ?? '127.0.0.1', kafkaBrokers, topic };
}
