import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import type { SubjectReport } from '../../schemas/subject-check';
import type { TopicReport } from '../../schemas/topic-admin';
import { topicCatalogue, valueSubject } from '../../schemas/topics';
import { resolveEndpoints } from '../../stack/endpoints';
import { until } from '../support/deadline';
import { runPrm } from '../support/run-prm';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const kafka = new Kafka({ clientId: 'prm-topics-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const prefix = `test.topics.${randomBytes(4).toString('hex')}.`;
const names = topicCatalogue.map((t) => `${prefix}${t.name}`);
const dir = mkdtempSync(join(tmpdir(), 'prm-topics-'));

interface CliResult { reports: TopicReport[]; schemaIds: Record<string, number>; subjects: SubjectReport[] }

async function prm(args: string[]): Promise<{ code: number; json: CliResult }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  const { code } = await runPrm('topics', ...args, '--prefix', prefix, '--json', file);
  return { code, json: JSON.parse(readFileSync(file, 'utf8')) as CliResult };
}

let admin: Admin;
beforeAll(async () => {
  process.env.KAFKA_BROKERS ??= endpoints.kafkaBrokers.join(',');
  process.env.SCHEMA_REGISTRY_URL ??= endpoints.schemaRegistryUrl;
  admin = kafka.admin();
  await admin.connect();
});
afterAll(async () => {
  const existing = new Set(await admin.listTopics());
  const mine = names.filter((t) => existing.has(t));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
  await admin.disconnect();
  for (const t of names) await deleteSubject({ url: endpoints.schemaRegistryUrl }, valueSubject(t));
});

describe('prm topics', () => {
  it('check reports every topic missing before anything is created (exit 1)', async () => {
    const { code, json } = await prm(['check']);
    expect(code).toBe(1);
    expect(json.reports.map((r) => r.outcome)).toEqual(names.map(() => 'missing'));
    expect(json.subjects.map((r) => r.status)).toEqual(names.map(() => 'not-registered'));
  });

  it('run refuses to start processors while catalogue topics are missing, naming the command that creates them', async () => {
    const { code, stderr } = await runPrm('run', '--processors', 'profiler', '--topic-prefix', prefix);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `prm run: ${names.length} of the catalogue's topics do not exist (${names.join(', ')}): create them first with 'npx prm topics create --prefix ${prefix}'\n`,
    );
  });

  it('create makes the catalogue and registers the value schemas; a second run changes nothing', async () => {
    const first = await prm(['create']);
    expect(first.code).toBe(0);
    expect(first.json.reports.map((r) => [r.topic, r.outcome])).toEqual(names.map((n) => [n, 'created']));
    expect(Object.keys(first.json.schemaIds).sort()).toEqual([...names].sort());
    const profiles = first.json.reports.find((r) => r.topic === `${prefix}prm.user-profiles`);
    expect(profiles?.observed).toMatchObject({ partitions: 6, configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1' } });

    const second = await prm(['create']);
    expect(second.code).toBe(0);
    expect(second.json.reports.map((r) => r.outcome)).toEqual(names.map(() => 'ok'));
    expect(second.json.schemaIds).toEqual(first.json.schemaIds);

    const check = await prm(['check']);
    expect(check.code).toBe(0);
    expect(check.json.subjects.map((r) => [r.status, r.compatibility, r.latestId])).toEqual(names.map((n) => ['matches', 'BACKWARD', first.json.schemaIds[n]]));
  });

  it('reports drift someone introduced (exit 1) without altering the topic', async () => {
    const dlq = `${prefix}prm.dlq`;
    await admin.createPartitions({ topicPartitions: [{ topic: dlq, count: 5 }] });
    // The broker learns of the new partitions from the controller a moment after the call returns.
    await until('the broker shows 5 partitions', async () => (await admin.fetchTopicMetadata({ topics: [dlq] })).topics[0]!.partitions.length === 5, 30_000);
    const { code, json } = await prm(['check']);
    expect(code).toBe(1);
    expect(json.reports.find((r) => r.topic === dlq)).toMatchObject({ outcome: 'drift', drift: [{ setting: 'partitions', expected: '3', actual: '5' }] });
    expect(json.reports.filter((r) => r.outcome !== 'ok').map((r) => r.topic)).toEqual([dlq]);
  });
});
