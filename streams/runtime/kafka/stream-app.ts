import { createServer, type Server } from 'node:http';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { DeadLetterSink } from '../dead-letter-sink';
import { ConfigError } from '../errors';
import { jsonLogger, type Logger } from '../logger';
import { RuntimeMetrics } from '../metrics';
import type { RetryOptions } from '../retry';
import type { AnyProcessor, Topology } from '../topology';
import { type CommitTiming, ProcessorRunner } from './processor-runner';

export interface StreamAppOptions {
  topology: Topology;
  /** kafkajs client settings (brokers, SSL/SASL pass through); clientId defaults to the app id. */
  kafka: KafkaConfig;
  deadLetters: DeadLetterSink;
  /** Which processors this instance runs; default all. */
  processors?: string[];
  /**
   * Chains of processors to run fused, each as one task per partition (see TaskChain): e.g.
   * `[['predictor', 'scheduler']]` hands predictions to the scheduler in the predictor's
   * transaction, one exactly-once hop instead of two. An instance runs a chain whole or none
   * of it. The chain's consumer group is `<app>.predictor+scheduler`: every instance of an app
   * must fuse alike (a fused and an unfused instance would both consume the requests), and
   * switching a deployment over starts that group from its inputs' committed beginning.
   */
  fuse?: readonly (readonly string[])[];
  logger?: Logger;
  metrics?: RuntimeMetrics;
  retry?: RetryOptions;
  maxRecordsPerTransaction?: number;
  /** Told of every committed chunk of every runner (see ProcessorRunnerOptions.onCommit). */
  onCommit?: (timing: CommitTiming) => void;
  sessionTimeoutMs?: number;
  /** See ProcessorRunnerOptions.transactionTimeoutMs. */
  transactionTimeoutMs?: number;
  /** See ProcessorRunnerOptions.instanceId: unique per running instance, stable across its restarts. */
  instanceId?: string;
  replicationFactor?: number;
}

/**
 * kafkajs' texts for routine answers it logs as errors:
 * - CONCURRENT_TRANSACTIONS: a transaction begun while the broker still writes the last one's
 *   commit markers. A producer committing every few milliseconds meets it in a few percent of
 *   its transactions and retries within milliseconds (TASK_PRODUCER_RETRY); the Java client logs
 *   it at debug.
 * - UNSTABLE_OFFSET_COMMIT: a task's new owner reading offsets an older owner's transaction is
 *   still committing; the runner waits and logs that itself.
 * Out of retries, either error reaches the runner, which logs it.
 */
const ROUTINE_ANSWERS = ['another concurrent operation on the same transaction', 'There are unstable offsets that need to be cleared'];

/**
 * kafkajs warns at every start that "limiting retries for the idempotent producer may invalidate
 * EoS guarantees". Not for a transactional producer, the only kind given bounded retries here
 * (TASK_PRODUCER_RETRY, on purpose): a send that runs out of retries fails its transaction, which
 * aborts, and the chunk is processed again from the committed state (the fault suite counts that
 * nothing is lost or doubled). The warning only alarmed operators reading the start-up log.
 */
const UNFOUNDED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * Routes kafkajs' own logs into the structured logger. kafkajs logs every retriable protocol
 * answer (a rebalance in progress, a fenced epoch) as ERROR; they are warnings here, since what
 * is really fatal reaches the runtime as a crash or a thrown error and is logged by it. The
 * routine answers and the unfounded warning above are not logged at all.
 */
export function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...fields } = log;
      if (level !== logLevel.ERROR && level !== logLevel.WARN) return;
      const error = String(fields.error ?? '');
      if (ROUTINE_ANSWERS.some((text) => message.includes(text) || error.includes(text))) return;
      if (UNFOUNDED_WARNINGS.some((text) => message.startsWith(text))) return;
      logger.warn(`kafkajs: ${message}`, { kafkajsLevel: logLevel[level], ...fields });
    };
}

/**
 * What an instance runs, one runner per unit: each fused chain whose processors it runs, and each
 * other processor it runs on its own. Refuses a chain naming an unknown processor, a processor
 * in two chains, and an instance running part of a chain.
 */
export function runUnits(topology: Topology, chosen: readonly string[], fuse: readonly (readonly string[])[]): AnyProcessor[][] {
  const byName = new Map(topology.processors.map((p) => [p.name, p]));
  const chains = fuse.map((names) => {
    const missing = names.filter((n) => !byName.has(n));
    if (missing.length > 0) throw new ConfigError(`cannot fuse ${names.join('+')}: topology '${topology.app}' has no processor ${missing.join(', ')}`);
    return names.map((n) => byName.get(n)!);
  });
  const inChain = new Set(chains.flat());
  if (inChain.size !== chains.reduce((n, c) => n + c.length, 0)) throw new ConfigError('a processor can be in one fused chain only');
  const runs = (p: AnyProcessor) => chosen.includes(p.name);
  const partlyChosen = chains.find((c) => c.some(runs) && !c.every(runs));
  if (partlyChosen) throw new ConfigError(`fused chain ${partlyChosen.map((p) => p.name).join('+')} runs whole or not at all in an instance`);
  return [...chains.filter((c) => c.every(runs)), ...topology.processors.filter((p) => runs(p) && !inChain.has(p)).map((p) => [p])];
}

/**
 * One instance of a PRM application: some or all processors of a topology, sharing a Kafka
 * client, a metrics registry and a logger. Start more instances to scale out.
 */
export class StreamApp {
  readonly metrics: RuntimeMetrics;
  readonly runners: ProcessorRunner[];
  private readonly logger: Logger;
  private server?: Server;

  constructor(options: StreamAppOptions) {
    const { topology } = options;
    this.logger = options.logger ?? jsonLogger();
    this.metrics = options.metrics ?? new RuntimeMetrics();
    const chosen = options.processors ?? topology.processors.map((p) => p.name);
    const unknown = chosen.filter((n) => !topology.processors.some((p) => p.name === n));
    if (unknown.length > 0) throw new ConfigError(`topology '${topology.app}' has no processor ${unknown.join(', ')}`);
    const kafka = new Kafka({
      clientId: topology.app,
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogCreator(this.logger.child({ component: 'kafkajs' })),
      // kafkajs' default budget (5 retries, ~30 s in all) gives up on a broker that is restarting;
      // a processor should wait it out: about two minutes of retries before a fatal stop.
      retry: { retries: 15, initialRetryTime: 300, maxRetryTime: 10_000 },
      ...options.kafka,
    });
    const units = runUnits(topology, chosen, options.fuse ?? []);
    this.runners = units.map(
      ([processor, ...fused]) =>
        new ProcessorRunner({
          app: topology.app,
          processor: processor!,
          fused,
          topology: topology.processors,
          kafka,
          deadLetters: options.deadLetters,
          metrics: this.metrics,
          logger: this.logger,
          retry: options.retry,
          maxRecordsPerTransaction: options.maxRecordsPerTransaction,
          onCommit: options.onCommit,
          sessionTimeoutMs: options.sessionTimeoutMs,
          transactionTimeoutMs: options.transactionTimeoutMs,
          instanceId: options.instanceId,
          replicationFactor: options.replicationFactor,
        }),
    );
  }

  /** Starts every processor; if one cannot start, stops those that did and rethrows. */
  async start(): Promise<void> {
    try {
      for (const r of this.runners) await r.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Settles when every processor has stopped; rejects with the first fatal error. */
  get stopped(): Promise<void> {
    return Promise.all(this.runners.map((r) => r.stopped)).then(() => undefined);
  }

  async stop(): Promise<void> {
    // A runner that already stopped on a fatal error reports it through `stopped`, not here.
    await Promise.allSettled(this.runners.map((r) => r.stop()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Serves the metrics as Prometheus text on GET /metrics. Port 0 picks a free one. */
  async serveMetrics(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.metrics
        .text()
        .then((body) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }
}
