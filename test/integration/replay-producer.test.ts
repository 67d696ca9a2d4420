import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, valueSubject } from '../../schemas/topics';
import type { ExecutionRequest } from '../../schemas/types.generated';
import { resolveEndpoints } from '../../stack/endpoints';
import { createRequestProducer } from '../../streams/producer';
import { readReplayTrace, replayRequests } from '../../streams/executors/replay-run';

const endpoints = resolveEndpoints({ ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'unused' });
const registry = { url: endpoints.schemaRegistryUrl };
const kafka = new Kafka({ clientId: 'prm-replay-test', brokers: endpoints.kafkaBrokers, logLevel: logLevel.NOTHING });
const prefix = `test.replay.${randomBytes(4).toString('hex')}.`;
const spec = findTopic(`${prefix}prm.requests`, prefixedCatalogue(prefix));
process.env.KAFKA_BROKERS ??= endpoints.kafkaBrokers.join(',');
process.env.SCHEMA_REGISTRY_URL ??= endpoints.schemaRegistryUrl;

async function readBack(count: number): Promise<{ key: string; timestamp: number; value: ExecutionRequest }[]> {
  const serde = await EventSerde.start({ registry, topics: [spec] });
  const consumer = kafka.consumer({ groupId: `${prefix}reader` });
  const got: { key: string; timestamp: number; value: ExecutionRequest }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: spec.name, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push({ key: message.key!.toString(), timestamp: Number(message.timestamp), value: await serde.decode<'ExecutionRequest'>(spec.name, message.value) });
        if (got.length >= count) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return got;
}

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [spec], { create: true, replicationFactor: 1 });
  await admin.disconnect();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [spec.name], timeout: 30_000 }).catch(() => undefined);
  await admin.disconnect();
  await deleteSubject(registry, valueSubject(spec.name));
});

describe('publishing execution requests', () => {
  it('replays a trace and publishExecutionRequest, read back decoded with event times and user keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prm-replay-'));
    const trace = join(dir, 'batch_task.csv');
    writeFileSync(trace, [
      'task_create_time, task_end_time, job_id, task_id,number_of_instances, status, cpus, memory',
      '100,160,3,1,1,Terminated,100,0.01',
      '90,95,4,1,2,Terminated,50,0.02',
      '130,200,3,2,1,Failed,200,0.01',
      '140,150,5,1,1,Running,100,0.01',
    ].join('\n'));
    const jobs = await readReplayTrace(trace, 'alibaba-batch', Infinity, 1);
    expect(jobs.map((j) => j.id)).toEqual(['4/1#0', '4/1#1', '3/1#0', '3/2#0']);
    const start = Date.UTC(2026, 0, 1);
    const summary = await replayRequests({ jobs, speed: 0, start, runId: 'r1', topicPrefix: prefix, progress: () => {} });
    expect(summary).toMatchObject({ requests: 4, users: 2, firstEventMs: start, lastEventMs: start + 40_000 });

    const producer = await createRequestProducer({ topicPrefix: prefix });
    const direct: ExecutionRequest = {
      requestId: 'direct-1', userId: 'ann', tier: 'ENTERPRISE', priority: 9, language: 'TYPESCRIPT', code: 'const x: number = 1;',
      submittedAt: new Date(start + 1234), deadline: null, resourceHints: { cpuMs: 50, memoryBytes: null, timeoutMs: 1000 },
    };
    expect(await producer.publishExecutionRequest(direct)).toMatchObject({ topic: spec.name });
    await expect(producer.publishExecutionRequest({ ...direct, priority: 42 })).rejects.toThrow(/priority/);
    await producer.close();

    const got = await readBack(5);
    const byId = new Map(got.map((g) => [g.value.requestId, g]));
    expect([...byId.keys()].sort()).toEqual(['direct-1', 'r1/3/1#0', 'r1/3/2#0', 'r1/4/1#0', 'r1/4/1#1']);
    expect(byId.get('r1/3/2#0')).toMatchObject({ key: 'job-3', timestamp: start + 40_000, value: { tier: 'STANDARD', submittedAt: new Date(start + 40_000) } });
    expect(byId.get('r1/4/1#1')!.value.code).toContain('for (let i = 0; i < ');
    expect(byId.get('direct-1')).toMatchObject({ key: 'ann', timestamp: start + 1234, value: direct });
  });
});
