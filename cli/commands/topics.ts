import { numberFlag, parseFlags } from '../args';
import { bareJsonToStdout, emitJson, print, renderTable } from '../output';
import type { Command } from '../command';
import { UsageError } from '../command';
import type { SubjectReport } from '../../schemas/subject-check';
import type { TopicReport } from '../../schemas/topic-admin';
import type { TopicSpec } from '../../schemas/topics';

const usage = `
usage: prm topics list [--prefix P] [--json [FILE]]
       prm topics create [--prefix P] [--replication-factor N] [--skip-schemas] [--json [FILE]]
       prm topics check [--prefix P] [--json [FILE]]

PRM's topic catalogue (schemas/topics.ts) against the configured Kafka and schema registry
(KAFKA_BROKERS, SCHEMA_REGISTRY_URL, else .stack/endpoints.json).

list    prints the catalogue: event, key, partitions, cleanup policy, retention, subject.
create  creates missing topics, checks existing ones and reports drift in partitions, cleanup
        policy and retention; registers each value schema under <topic>-value with BACKWARD
        compatibility (unless --skip-schemas). Idempotent. Existing topics are never altered.
check   like create but changes nothing: missing topics, drift, and value subjects that are
        not registered, differ from this checkout's .avsc or are not BACKWARD are reported.

--prefix P               prefix every topic name (a shared cluster, a test run)
--replication-factor N   for created topics; default min(3, brokers in the cluster)
--json FILE              also write the result as JSON; a bare --json (or --json -) prints it instead
Exit code: 0 when every topic exists as catalogued (and, for check, every subject matches and
is BACKWARD), 1 otherwise.
`;

export const command: Command = {
  name: 'topics',
  summary: 'list, create or check the Kafka topics and value schemas PRM uses',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(bareJsonToStdout(argv), {
      prefix: { type: 'string' },
      'replication-factor': { type: 'string' },
      'skip-schemas': { type: 'boolean' },
      json: { type: 'string' },
    }, true);
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (action !== 'list' && action !== 'create' && action !== 'check') {
      throw new UsageError(action ? `unknown action '${action}'` : 'missing action: list, create or check');
    }
    const replication = values['replication-factor'] === undefined ? undefined
      : numberFlag('replication-factor', values['replication-factor'], 1);
    if (replication !== undefined && (!Number.isInteger(replication) || replication < 1)) {
      throw new UsageError('--replication-factor must be a positive integer');
    }
    // require, not import(): cli/prm.cjs registers tsx for CommonJS only.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { prefixedCatalogue, topicCatalogue } = require('../../schemas/topics') as typeof import('../../schemas/topics');
    const specs = values.prefix ? prefixedCatalogue(values.prefix) : [...topicCatalogue];
    const toStdout = values.json === '-';

    if (action === 'list') {
      if (!toStdout) print(renderTable(catalogueRows(specs)));
      emitJson(values.json, specs);
      return 0;
    }
    const result = await checkCluster(specs, {
      create: action === 'create', replicationFactor: replication, registerSchemas: action === 'create' && !values['skip-schemas'],
    });
    const badTopics = result.reports.filter((r) => r.outcome === 'drift' || r.outcome === 'missing');
    const badSubjects = action === 'check' ? result.subjects.filter((s) => s.status !== 'matches' || s.compatibility !== 'BACKWARD') : [];
    if (!toStdout) {
      print(renderTable(reportRows(result.reports, result.subjects)));
      print(badTopics.length === 0 ? `all ${result.reports.length} topics as catalogued` : `${badTopics.length} of ${result.reports.length} topics differ from the catalogue`);
      if (badSubjects.length > 0) print(`${badSubjects.length} of ${result.subjects.length} value subjects are not registered as this checkout's schemas with BACKWARD compatibility`);
    }
    emitJson(values.json, result);
    return badTopics.length === 0 && badSubjects.length === 0 ? 0 : 1;
  },
};

interface CheckResult {
  brokers: string[];
  reports: TopicReport[];
  /** Value schema id per topic, when schemas were registered. */
  schemaIds: Record<string, number>;
  subjects: SubjectReport[];
}

async function checkCluster(specs: TopicSpec[], options: { create: boolean; replicationFactor?: number; registerSchemas: boolean }): Promise<CheckResult> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
  const { ensureTopics } = require('../../schemas/topic-admin') as typeof import('../../schemas/topic-admin');
  const { EventSerde } = require('../../schemas/serde') as typeof import('../../schemas/serde');
  const { checkSubjects } = require('../../schemas/subject-check') as typeof import('../../schemas/subject-check');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const endpoints = resolveEndpoints();
  const kafka = new Kafka({ clientId: 'prm-topics', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = options.replicationFactor ?? Math.min(3, brokers.length);
    if (replicationFactor > brokers.length) {
      throw new UsageError(`--replication-factor ${replicationFactor} exceeds the ${brokers.length} broker(s) in the cluster`);
    }
    process.stderr.write(`prm topics: ${options.create ? 'creating and checking' : 'checking'} ${specs.length} topics on ${endpoints.kafkaBrokers.join(',')}\n`);
    const reports = await ensureTopics(admin, specs, { create: options.create, replicationFactor });
    const schemaIds: Record<string, number> = {};
    if (options.registerSchemas) {
      process.stderr.write(`prm topics: registering value schemas at ${endpoints.schemaRegistryUrl}\n`);
      const serde = await EventSerde.start({ registry: { url: endpoints.schemaRegistryUrl }, topics: specs });
      for (const spec of specs) schemaIds[spec.name] = serde.schemaId(spec.name);
    }
    const subjects = await checkSubjects({ url: endpoints.schemaRegistryUrl }, specs);
    return { brokers: endpoints.kafkaBrokers, reports, schemaIds, subjects };
  } finally {
    await admin.disconnect();
  }
}

function catalogueRows(specs: TopicSpec[]): string[][] {
  return [
    ['topic', 'event', 'key', 'partitions', 'cleanup', 'retention', 'value subject'],
    ...specs.map((s) => [s.name, s.event, s.keyField, String(s.partitions), s.cleanupPolicy, retention(s.retentionMs), `${s.name}-value`]),
  ];
}

function reportRows(reports: TopicReport[], subjects: SubjectReport[]): string[][] {
  const subjectCell = (topic: string) => {
    const s = subjects.find((x) => x.topic === topic);
    if (!s || s.status === 'not-registered') return 'not registered';
    return `v${s.latestVersion} id ${s.latestId} ${s.status === 'matches' ? 'as .avsc' : 'DIFFERS from .avsc'} ${s.compatibility ?? 'default compat'}`;
  };
  return [
    ['topic', 'outcome', 'partitions', 'replicas', 'cleanup', 'retention', 'value subject', 'drift'],
    ...reports.map((r) => [
      r.topic, r.outcome, String(r.observed?.partitions ?? '-'), String(r.observed?.replicationFactor ?? '-'),
      r.observed?.configs['cleanup.policy'] ?? '-', r.observed?.configs['retention.ms'] === undefined ? '-' : retention(Number(r.observed.configs['retention.ms'])),
      subjectCell(r.topic),
      r.drift.map((d) => `${d.setting} ${d.actual} (want ${d.expected})`).join('; ') || '-',
    ]),
  ];
}

function retention(ms: number): string {
  if (ms < 0) return 'forever';
  const day = 86_400_000;
  return ms % day === 0 ? `${ms / day}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms}ms`;
}

