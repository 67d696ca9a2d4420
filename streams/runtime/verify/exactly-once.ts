import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel, Partitioners } from 'kafkajs';
import { changelogTopic, consumerGroupId } from '../topology';
import type { InstanceConfig } from './counting-instance';
import { RELAY_CHAIN } from './counting-topology';
import { InstancePool } from './instances';
import { type CheckResult, OutputChecker } from './output-checker';
import { seededRandom } from './random';

export interface ExactlyOnceOptions {
  brokers: string[];
  records: number;
  kills: number;
  /** Instances frozen (SIGSTOP) past their session timeout and then resumed: zombies whose partitions moved. */
  pauses?: number;
  instances: number;
  partitions?: number;
  keys?: number;
  seed?: number;
  /** Session timeout of the instances: how long a killed one holds its partitions. */
  sessionTimeoutMs?: number;
  /** Give up when no new output arrives for this long. */
  stallTimeoutMs?: number;
  /** Count through a fused chain, relay+counter (see CountingTopics.relay), instead of one processor. */
  fused?: boolean;
  /** Give instance k the stable id `i<k>` (StreamAppOptions.instanceId), kept across its restarts; default random per start. */
  stableIds?: boolean;
  progress?: (message: string) => void;
}

/** The facts the check reports. */
export interface ExactlyOnceReport {
  recordsProduced: number;
  recordsLost: number;
  recordsDuplicated: number;
  finalCountsCorrect: boolean;
  restore: { restores: number; maxMs: number; meanMs: number; maxRecords: number };
  throughputRecordsPerSec: number;
  killsPerformed: number;
  pausesPerformed: number;
  instances: number;
  /**
   * The longest time no output became readable between the first and the last. A killed
   * instance's open transaction holds back every output partition it wrote to, for every writer,
   * until it is aborted: by the broker's timeout, or at once by a restart under the same id.
   */
  longestOutputStallMs: number;
}

interface RestoreEvent {
  durationMs: number;
  records: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the keyed counting topology in child processes, SIGKILLs them at random points of the
 * stream and restarts them, freezes others into zombies, then reads every committed output and
 * counts what was lost or doubled.
 */
export async function runExactlyOnce(options: ExactlyOnceOptions): Promise<ExactlyOnceReport & { check: CheckResult }> {
  const { brokers, records, kills, pauses = 0, instances, partitions = 4, keys = 1000, seed = Date.now() % 2 ** 31, sessionTimeoutMs = 6000, stallTimeoutMs = 120_000 } = options;
  const say = options.progress ?? (() => undefined);
  const random = seededRandom(seed);
  const run = randomUUID().slice(0, 8);
  const app = `prm-verify-${run}`;
  const topics = {
    input: `prm.verify.${run}.input`,
    output: `prm.verify.${run}.counts`,
    dlq: `prm.verify.${run}.dlq`,
    relay: options.fused ? `prm.verify.${run}.relayed` : undefined,
  };
  const kafka = new Kafka({ clientId: `${app}-driver`, brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const logDir = mkdtempSync(join(tmpdir(), `${app}-`));
  say(`run ${run} (seed ${seed}): ${records} records, ${keys} keys, ${partitions} partitions, ${instances} instances, ${kills} kills, ${pauses} pauses${topics.relay ? ', relay+counter fused' : ''}; logs in ${logDir}`);

  const restores: RestoreEvent[] = [];
  const ready = new Set<number>();
  const fatal: string[] = [];
  const pool = new InstancePool(
    join(__dirname, 'counting-instance.ts'),
    (instance) => {
      const config: InstanceConfig = {
        brokers, app, input: topics.input, output: topics.output, relay: topics.relay, deadLetterTopic: topics.dlq, instance, sessionTimeoutMs,
        ...(options.stableIds ? { instanceId: `i${instance}` } : {}),
      };
      return [JSON.stringify(config)];
    },
    logDir,
    (instance, e) => {
      if (e.event === 'ready') ready.add(instance);
      if (e.event === 'restore' && typeof e.durationMs === 'number') restores.push({ durationMs: e.durationMs, records: Number(e.records ?? 0) });
      if (e.level === 'error') say(`instance ${instance} error: ${JSON.stringify(e).slice(0, 400)}`);
      if (e.event === 'fatal') {
        fatal.push(`instance ${instance}: ${JSON.stringify(e.err ?? e.message)}`);
      }
    },
  );
  const checker = new OutputChecker();
  const reader = kafka.consumer({ groupId: `${app}-reader`, readUncommitted: false, maxWaitTimeInMs: 200 });
  const readPositions = new Map<number, bigint>();
  let lastOutputAt = Date.now();
  let firstOutputSeen = false;
  let longestOutputStallMs = 0;
  let killsPerformed = 0;
  let pausesPerformed = 0;
  const frozen: Promise<void>[] = [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.input, numPartitions: partitions, replicationFactor: 1 },
        { topic: topics.output, numPartitions: partitions, replicationFactor: 1 },
        { topic: topics.dlq, numPartitions: 1, replicationFactor: 1 },
        ...(topics.relay ? [{ topic: topics.relay, numPartitions: partitions, replicationFactor: 1 }] : []),
      ],
    });
    reader.on(reader.events.END_BATCH_PROCESS, (e) => readPositions.set(e.payload.partition, BigInt(e.payload.lastOffset) + 1n));
    await reader.connect();
    await reader.subscribe({ topics: [topics.output], fromBeginning: true });
    await reader.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = JSON.parse(m.value!.toString()) as { id: number; count: number };
          checker.output(m.key!.toString(), v.id, v.count);
        }
        const now = Date.now();
        if (firstOutputSeen) longestOutputStallMs = Math.max(longestOutputStallMs, now - lastOutputAt);
        firstOutputSeen = true;
        lastOutputAt = now;
      },
    });

    for (let i = 0; i < instances; i++) pool.start(i);
    while (ready.size < instances) {
      if (fatal.length > 0) throw new Error(`an instance failed: ${fatal[0]}`);
      await sleep(50);
    }
    const started = Date.now();
    // Paced so the stream lasts about two seconds per kill: a pipeline that drains the input in
    // a blink would otherwise finish before the later kill points are reached.
    const produced = produceInputs(kafka, topics.input, records, keys, random, checker, (kills + pauses + 1) * 2000);

    // Fault points are fractions of the outputs seen, so every fault lands mid-stream.
    const faultAt = [
      ...Array.from({ length: kills }, () => ({ kind: 'kill' as const, at: Math.floor(records * (0.05 + 0.85 * random())) })),
      ...Array.from({ length: pauses }, () => ({ kind: 'pause' as const, at: Math.floor(records * (0.05 + 0.85 * random())) })),
    ].sort((a, b) => a.at - b.at);
    while (checker.distinctSeen < records) {
      if (fatal.length > 0) throw new Error(`an instance failed: ${fatal[0]}`);
      if (Date.now() - lastOutputAt > stallTimeoutMs) {
        say(`no new output for ${stallTimeoutMs} ms: stopping with ${records - checker.distinctSeen} ids unseen`);
        break;
      }
      if (faultAt.length > 0 && checker.distinctSeen >= faultAt[0]!.at) {
        const { kind } = faultAt.shift()!;
        const alive = pool.running();
        const victim = alive[Math.floor(random() * alive.length)]!;
        if (kind === 'kill') {
          await pool.kill(victim);
          killsPerformed++;
          say(`SIGKILL instance ${victim} at ${checker.distinctSeen}/${records} outputs; restarting it`);
          await sleep(200 + random() * 800);
          pool.start(victim);
        } else {
          const ms = sessionTimeoutMs + 3000;
          frozen.push(pool.pause(victim, ms));
          pausesPerformed++;
          say(`SIGSTOP instance ${victim} at ${checker.distinctSeen}/${records} outputs for ${ms} ms, past its session timeout`);
        }
      }
      await sleep(50);
    }
    await produced;
    await Promise.all(frozen);
    const lastNewOutput = lastOutputAt;
    // Let anything still in flight (a duplicate, say) land before stopping the instances.
    await sleep(2000);
    say('stopping instances gracefully');
    await pool.stopAll();
    await waitForEnd(admin, topics.output, readPositions, 30_000);
    const check = checker.result();
    const all = restores.filter((r) => r.records > 0);
    const elapsedSec = Math.max(1, lastNewOutput - started) / 1000;
    return {
      recordsProduced: check.produced,
      recordsLost: check.lost,
      recordsDuplicated: check.duplicated,
      finalCountsCorrect: check.finalCountsCorrect,
      restore: {
        restores: all.length,
        maxMs: Math.max(0, ...all.map((r) => r.durationMs)),
        meanMs: all.length ? Math.round(all.reduce((s, r) => s + r.durationMs, 0) / all.length) : 0,
        maxRecords: Math.max(0, ...all.map((r) => r.records)),
      },
      throughputRecordsPerSec: Math.round(check.produced / elapsedSec),
      killsPerformed,
      pausesPerformed,
      instances,
      longestOutputStallMs,
      check,
    };
  } finally {
    await pool.stopAll(5000);
    await reader.disconnect().catch(() => undefined);
    await cleanup(admin, app, topics);
    await admin.disconnect();
  }
}

async function produceInputs(kafka: Kafka, topic: string, records: number, keys: number, random: () => number, checker: OutputChecker, spreadMs: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const batch = 100;
    const began = Date.now();
    for (let from = 0; from < records; from += batch) {
      await sleep(began + (from / records) * spreadMs - Date.now());
      const messages = [];
      for (let id = from; id < Math.min(records, from + batch); id++) {
        const key = `k${Math.floor(random() * keys)}`;
        checker.produced(id, key);
        messages.push({ key, value: JSON.stringify({ id }) });
      }
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the reader has read every partition of `topic` to its end offset. */
async function waitForEnd(admin: Admin, topic: string, positions: Map<number, bigint>, timeoutMs: number): Promise<void> {
  const ends = await admin.fetchTopicOffsets(topic);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ends.every((e) => BigInt(e.high) === BigInt(e.low) || (positions.get(e.partition) ?? 0n) >= BigInt(e.high))) return;
    await sleep(100);
  }
  throw new Error(`the output reader did not reach the end of ${topic} in ${timeoutMs} ms`);
}

async function cleanup(admin: Admin, app: string, topics: { input: string; output: string; dlq: string; relay?: string }): Promise<void> {
  const relayed = topics.relay === undefined ? [] : [topics.relay];
  await admin
    .deleteTopics({ topics: [topics.input, topics.output, topics.dlq, ...relayed, changelogTopic(app, 'counter', 'counts')] })
    .catch(() => undefined);
  const group = consumerGroupId(app, topics.relay === undefined ? 'counter' : RELAY_CHAIN.join('+'));
  await admin.deleteGroups([group, `${app}-reader`]).catch(() => undefined);
}
