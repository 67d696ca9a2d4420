import { numberFlag, parseFlags } from '../args';
import { bareJsonToStdout, emitJson, print, renderTable } from '../output';
import type { Command } from '../command';
import { UsageError } from '../command';
import type { SinkStats } from '../../sinks/consumers';

const usage = `
usage: prm db migrate [--json [FILE]]
       prm db sink [--topics T1,T2] [--prefix P] [--group G] [--from-latest] [--progress SECONDS]
                   [--max-future-skew SECONDS] [--json FILE]

PRM's history database (DATABASE_URL, else the local stack's; TimescaleDB or plain PostgreSQL).

migrate  creates or updates PRM's tables (hypertables, continuous aggregates, retention and
         compression on TimescaleDB; partitions, materialised views and a time_bucket shim on
         plain PostgreSQL) and prints the engine and the migrations applied. Idempotent.
sink     migrates, then runs the sink consumer until Ctrl-C: reads the catalogued topics
         (KAFKA_BROKERS, SCHEMA_REGISTRY_URL), writes their rows in batches and commits offsets
         only after the rows are stored; bad records go to prm.dlq. While the database is down
         it stalls and retries, never drops. Progress on stderr, totals on stdout at the end.

--topics T1,T2     topics to sink (catalogue names, 'prm.' optional); default every sinkable topic:
                   requests, telemetry, code-features, demand-predictions, cluster-metrics,
                   cluster-forecasts, scale-commands, dispatches, model-updates
--prefix P         prefix of every topic name, dead-letter topic included (a shared cluster)
--group G          consumer group; run several 'prm db sink' with one group to share partitions.
                   Default prm-sinks
--from-latest      a group without committed offsets starts at the end (default: the beginning)
--progress S       seconds between progress lines; default 5
--max-future-skew S  accept event times up to S seconds ahead of this machine's clock (a
                   simulation running ahead); default 600, later ones are dead-lettered
--json FILE        migrate: write the report as JSON (a bare --json prints it instead of the table);
                   sink: write the final totals as JSON
`;

export const command: Command = {
  name: 'db',
  summary: 'migrate the history database, or run the sink consumer writing Kafka topics into it',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(bareJsonToStdout(argv), {
      json: { type: 'string' },
      topics: { type: 'string' },
      prefix: { type: 'string' },
      group: { type: 'string' },
      'from-latest': { type: 'boolean' },
      progress: { type: 'string' },
      'max-future-skew': { type: 'string' },
    }, true);
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (action === 'migrate') {
      for (const flag of ['topics', 'prefix', 'group', 'from-latest', 'progress', 'max-future-skew'] as const) {
        if (values[flag] !== undefined) throw new UsageError(`--${flag} is for 'prm db sink'`);
      }
      return migrateCommand(values.json);
    }
    if (action === 'sink') {
      if (values.json === '-') throw new UsageError("'prm db sink' needs --json FILE (stdout carries the totals table)");
      const progressSeconds = numberFlag('progress', values.progress, 5);
      if (!(progressSeconds > 0)) throw new UsageError('--progress must be a positive number of seconds');
      const skewSeconds = values['max-future-skew'] === undefined ? undefined : numberFlag('max-future-skew', values['max-future-skew'], 0);
      if (skewSeconds !== undefined && !(skewSeconds >= 0)) throw new UsageError('--max-future-skew must be a number of seconds, 0 or more');
      const topics = values.topics === undefined ? undefined : parseTopics(values.topics);
      if (values.group !== undefined && values.group.trim() === '') throw new UsageError('--group must not be empty');
      return sinkCommand({ topics, prefix: values.prefix ?? '', groupId: values.group ?? 'prm-sinks', fromBeginning: !values['from-latest'], progressSeconds, json: values.json,
        maxFutureSkewMs: skewSeconds === undefined ? undefined : skewSeconds * 1000 });
    }
    throw new UsageError(action ? `unknown action '${action}'` : 'missing action: migrate or sink');
  },
};

function parseTopics(list: string): string[] {
  const names = list.split(',').map((t) => t.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('--topics needs at least one topic name');
  return names.map((name) => (name.startsWith('prm.') ? name : `prm.${name}`));
}

async function migrateCommand(json: string | undefined): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
  const { connectDatabase, describeEngine, migrate } = require('../../sinks') as typeof import('../../sinks');
  const { redact } = require('../../sinks/database') as typeof import('../../sinks/database');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { databaseUrl } = resolveEndpoints();
  const db = await connectDatabase({ url: databaseUrl });
  try {
    const report = await migrate(db);
    if (json !== '-') {
      print(renderTable([
        ['database', redact(databaseUrl)],
        ['engine', describeEngine(db.engine)],
        ['applied', report.applied.join(', ') || '(none: already up to date)'],
        ['already applied', report.alreadyApplied.join(', ') || '-'],
        ['skipped', report.skipped.join(', ') || '-'],
      ]));
    }
    emitJson(json, { database: redact(databaseUrl), engine: db.engine, ...report });
    return 0;
  } finally {
    await db.close();
  }
}

interface SinkRun {
  topics: string[] | undefined;
  prefix: string;
  groupId: string;
  fromBeginning: boolean;
  progressSeconds: number;
  json: string | undefined;
  maxFutureSkewMs: number | undefined;
}

async function sinkCommand(options: SinkRun): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Kafka } = require('kafkajs') as typeof import('kafkajs');
  const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
  const { connectDatabase, migrate } = require('../../sinks') as typeof import('../../sinks');
  const { createSinkConsumer, selectRoutes } = require('../../sinks/consumers') as typeof import('../../sinks/consumers');
  const { jsonLogger, kafkajsLogCreator } = {
    ...(require('../../streams/runtime/logger') as typeof import('../../streams/runtime/logger')),
    ...(require('../../streams/runtime/kafka/stream-app') as typeof import('../../streams/runtime/kafka/stream-app')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  try {
    selectRoutes(options.topics);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const endpoints = resolveEndpoints();
  const logger = jsonLogger().child({ component: 'sink' });
  const db = await connectDatabase({ url: endpoints.databaseUrl });
  await migrate(db);
  const kafka = new Kafka({ clientId: `prm-sink-${options.groupId}`, brokers: endpoints.kafkaBrokers, logCreator: kafkajsLogCreator(logger.child({ component: 'kafkajs' })) });
  const sink = createSinkConsumer({
    kafka, registry: { url: endpoints.schemaRegistryUrl }, database: db, topics: options.topics, prefix: options.prefix,
    groupId: options.groupId, fromBeginning: options.fromBeginning, logger,
    validationLimits: options.maxFutureSkewMs === undefined ? undefined : { maxFutureSkewMs: options.maxFutureSkewMs },
  });

  const startedAt = Date.now();
  let last = { at: startedAt, stats: sink.stats() };
  const progress = setInterval(() => {
    const now = Date.now();
    const stats = sink.stats();
    const rate = (stats.records - last.stats.records) / ((now - last.at) / 1000);
    const stalled = stats.stalledSince === null ? '' : `, STALLED for ${Math.round((now - stats.stalledSince) / 1000)} s (database unreachable)`;
    process.stderr.write(`sink: ${stats.records} records (${Math.round(rate)}/s), ${stats.inserted} rows inserted, ${stats.duplicates} duplicates skipped, ${stats.deadLettered} dead-lettered${stalled}\n`);
    last = { at: now, stats };
  }, options.progressSeconds * 1000);

  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.stderr.write('sink: stopping (a batch in flight is not committed and will be replayed)\n');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  try {
    await sink.start();
    process.stderr.write(`sink: group ${options.groupId} reading ${sink.topics.join(', ')}; Ctrl-C to stop\n`);
    await stopped;
  } finally {
    clearInterval(progress);
    await sink.stop();
    await db.close();
  }
  const stats = sink.stats();
  const seconds = (Date.now() - startedAt) / 1000;
  // The rate over the busy span (first batch to last commit), not the idle time before Ctrl-C.
  const busySeconds = stats.firstBatchAt !== null && stats.lastCommitAt !== null ? (stats.lastCommitAt - stats.firstBatchAt) / 1000 : 0;
  print(renderTable(totalsRows(stats, busySeconds)));
  emitJson(options.json, { groupId: options.groupId, topics: sink.topics, seconds, busySeconds, ...stats });
  return 0;
}

function totalsRows(stats: SinkStats, busySeconds: number): string[][] {
  return [
    ['records read', String(stats.records)],
    ['rows inserted', String(stats.inserted)],
    ['duplicates skipped', String(stats.duplicates)],
    ['dead-lettered', String(stats.deadLettered)],
    ['batches', String(stats.batches)],
    ['busy seconds', busySeconds.toFixed(1)],
    ['records/s while busy', busySeconds > 0 ? String(Math.round(stats.records / busySeconds)) : '-'],
  ];
}

