import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../schemas/topic-admin';
import { prefixedCatalogue } from '../../schemas/topics';
import { EventSerde } from '../../schemas/serde';
import { connectDatabase, type Database, migrate } from '../../sinks';
import { SCHEMA } from '../../sinks/tables';
import type { Connection } from '../../stack/connection';
import { startPoolClock, type RunningPoolClock } from '../live/pool-clock';
import { replayLeaseGraceMs } from '../live/pipeline';
import { consumerGroupId } from '../runtime/topology';
import { ForkedOutputsReader, partitionKey, type PartitionEnds } from './forked-outputs-reader';
import { countedTopics } from './outputs-reader';
import { ProcessorProcesses } from './processor-processes';
import { eventClock, Traffic, workloadJobs } from './traffic';
import { REQUEST_PATH } from '../topology';

/** The chain `prm start` runs fused, and a fused run of the suite runs as one process type. */
export const FUSED_CHAIN = REQUEST_PATH.join('+');

/**
 * Every processor type, each run as its own `prm run` process; the simulated pool's name follows
 * the run's pool. Fused, the predictor and the scheduler are one type, FUSED_CHAIN.
 */
export function processorTypes(pool: string, fused = false): string[] {
  const decisions = fused ? [FUSED_CHAIN] : REQUEST_PATH;
  return [...decisions, 'profiler', 'forecaster', 'planner', 'fleet-broadcast', `simulated-pool-${pool}`, 'sink'];
}

/**
 * Event time starts this far behind the wall clock, so it can pass many times as fast as wall
 * time for the whole run. The run's topics keep their records for ever (they are deleted with
 * the run): Kafka would otherwise delete records older than a topic's retention (a day for
 * prm.pool-clock) by their timestamps while the run still reads them.
 */
const EVENT_BACKLOG_MS = 3 * 24 * 3600_000;

/**
 * The pool's cap, sized for the workload at 5 requests/s (the default rate) and grown with the
 * rate: the jobs held at once grow with it, and at 40/s a six-minute soak's pool was still buying
 * instances at 42 of a fixed 48 (twenty-eighth session), where a cap reached would read as a
 * backlog (lag) that the pipeline did not cause.
 */
function maxInstancesFor(rate: number): number {
  return Math.ceil(48 * Math.max(1, rate / 5));
}

export interface HarnessOptions {
  connection: Connection;
  /** Names the run: topics verify.<id>., app prm-<id>, pool <id>, request ids <id>/<job>. */
  kind: 'faults' | 'soak';
  /** Requests per wall second. */
  rate: number;
  /** Event ms per wall ms (a simulated job's 30 minutes pass in 30 min / speed). */
  speed: number;
  /** How long the run should take: the event clock is slowed so it catches up with the wall clock no sooner (after that, jobs take real time). */
  maxWallMs: number;
  workload: string;
  /** Run the predictor and the scheduler fused, as `prm start` does (FUSED_CHAIN). */
  fused?: boolean;
  probeHeap?: boolean;
  say(line: string): void;
}

/**
 * A verification run of the whole pipeline on its own topics, app id and pool: every processor
 * type in its own `prm run` process, the simulated pool's clock, a request producer and a
 * read_committed reader of the outputs. stop() removes what the run created (topics, groups,
 * its rows in the history database).
 */
export class Harness {
  readonly runId: string;
  readonly topicPrefix: string;
  readonly app: string;
  readonly pool: string;
  readonly logDir: string;
  readonly types: string[];
  readonly processes: ProcessorProcesses;
  readonly eventNow: () => number;
  readonly speed: number;
  // Set by start(), in this order; stop() copes with a start that failed part way.
  admin!: Admin;
  database!: Database;
  reader!: ForkedOutputsReader;
  traffic!: Traffic;
  private clock: RunningPoolClock | undefined;
  private kafka: Kafka;

  constructor(private readonly o: HarnessOptions) {
    this.runId = `${o.kind}-${randomUUID().slice(0, 8)}`;
    this.topicPrefix = `verify.${this.runId}.`;
    this.app = `prm-${this.runId}`;
    this.pool = this.runId;
    this.logDir = mkdtempSync(join(tmpdir(), `prm-verify-${this.runId}-`));
    this.types = processorTypes(this.pool, o.fused === true);
    // A faster clock than the run's length allows would overtake the wall clock: slow it down.
    this.speed = Math.min(o.speed, 1 + EVENT_BACKLOG_MS / o.maxWallMs);
    this.eventNow = eventClock(Date.now(), this.speed, EVENT_BACKLOG_MS);
    this.processes = new ProcessorProcesses(
      {
        app: this.app, topicPrefix: this.topicPrefix, pool: this.pool,
        // Room for the workload's largest predictions (a few ask for ~190 GiB for two hours) on
        // every scheduler task's share of the pool: jobs seldom queue for long, so the drain is
        // bounded by the longest job, and a lost job is not mistaken for a queued one.
        extra: [
          '--instance-cores', '64', '--instance-memory-gib', '512', '--boot-delay', '60', '--min-instances', '12', '--max-instances', String(maxInstancesFor(o.rate)),
          '--run-lease-grace', String(replayLeaseGraceMs(this.speed) / 1000),
        ],
      },
      this.logDir, o.say, o.probeHeap,
    );
    this.kafka = new Kafka({ ...o.connection.kafka, clientId: `${this.app}-verify`, logLevel: logLevel.NOTHING, retry: { retries: 50, initialRetryTime: 300, maxRetryTime: 5000 } });
  }

  /** Consumer groups of the processors (the sink's included), by processor type. */
  groupOf(type: string): string {
    return consumerGroupId(this.app, type);
  }

  async start(): Promise<void> {
    const { say, connection } = this.o;
    say(`run ${this.runId}: topics ${this.topicPrefix}*, app ${this.app}, event time x${this.speed.toFixed(0)}; processor logs in ${this.logDir}`);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const catalogue = prefixedCatalogue(this.topicPrefix).map((t) => ({ ...t, retentionMs: -1 }));
    await ensureTopics(this.admin, catalogue, { create: true, replicationFactor: 1 });
    this.database = await connectDatabase({ url: connection.databaseUrl, log: () => undefined });
    await migrate(this.database);
    const serde = await EventSerde.start({ registry: connection.registry, topics: catalogue });
    this.reader = new ForkedOutputsReader(this.topicPrefix, `${this.app}.verify-reader`);
    await this.reader.start();

    const started = Date.now();
    for (const type of this.types) this.processes.start(type);
    await this.processes.waitReady(this.types, 300_000);
    say(`${this.types.length} processor processes running after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    this.clock = await startPoolClock({
      kafka: this.kafka, serde, topic: `${this.topicPrefix}prm.pool-clock`, pool: this.pool, source: this.runId,
      now: this.eventNow, lagMs: 1500 * this.speed,
    });
    this.traffic = new Traffic({
      jobs: await workloadJobs(this.o.workload), runId: this.runId, topicPrefix: this.topicPrefix,
      brokers: connection.kafka.brokers as string[], registryUrl: connection.registry.url, rate: this.o.rate, eventNow: this.eventNow, say,
    });
    await this.traffic.start();
  }

  /** The counted topics' end offsets now, by partition: what the reader has to reach to have read everything written so far. */
  async outputEnds(): Promise<PartitionEnds> {
    const ends: PartitionEnds = new Map();
    for (const topic of countedTopics) {
      for (const p of await this.admin.fetchTopicOffsets(`${this.topicPrefix}${topic}`)) ends.set(partitionKey(topic, p.partition), BigInt(p.high));
    }
    return ends;
  }

  /**
   * The outputs counted again by a reader that starts after the run, from the beginning to
   * `ends`: the count a downstream consumer sees once everything is written, whatever the live
   * reader went through (it lived through every fault). Throws if it cannot read to the ends.
   */
  async recount(ends: PartitionEnds, timeoutMs: number): Promise<ForkedOutputsReader> {
    const reader = new ForkedOutputsReader(this.topicPrefix, `${this.app}.verify-recount`, true);
    await reader.start();
    try {
      const behind = await reader.readTo(ends, timeoutMs);
      if (behind.length > 0) throw new Error(`recounting the outputs: not read to their ends within ${timeoutMs / 1000} s: ${behind.join(', ')}`);
      return reader;
    } finally {
      await reader.stop();
    }
  }

  /** Rows in execution_telemetry per request id of this run. */
  async telemetryRows(): Promise<Map<string, number>> {
    const { rows } = await this.database.query<{ request_id: string; n: number }>(
      `SELECT request_id, count(*)::int AS n FROM ${SCHEMA}.execution_telemetry WHERE request_id LIKE $1 GROUP BY request_id`,
      [runIdPattern(this.runId)],
    );
    return new Map(rows.map((r) => [r.request_id, r.n]));
  }

  async stop(keep: boolean): Promise<void> {
    await this.traffic?.stop();
    await this.clock?.stop().catch(() => undefined);
    await this.processes.stopAll(30_000);
    await this.reader?.stop();
    if (!keep && this.admin) await this.cleanup();
    await this.admin?.disconnect().catch(() => undefined);
    await this.database?.close().catch(() => undefined);
  }

  private async cleanup(): Promise<void> {
    const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(this.topicPrefix) || t.startsWith(`${this.app}.`));
    await this.admin.deleteTopics({ topics, timeout: 30_000 }).catch(() => undefined);
    const groups = [...this.types.map((t) => this.groupOf(t)), `${this.app}.verify-reader`, `${this.app}.verify-recount`];
    await this.admin.deleteGroups(groups).catch(() => undefined);
    if (!this.database) return;
    const pattern = runIdPattern(this.runId);
    for (const table of ['execution_requests', 'execution_telemetry', 'demand_predictions', 'job_dispatches', 'prediction_errors', 'code_features']) {
      await this.database.query(`DELETE FROM ${SCHEMA}.${table} WHERE request_id LIKE $1`, [pattern]).catch(() => undefined);
    }
    for (const table of ['cluster_metrics', 'cluster_load_forecasts', 'scale_commands']) {
      await this.database.query(`DELETE FROM ${SCHEMA}.${table} WHERE pool = $1`, [this.pool]).catch(() => undefined);
    }
  }
}

/** LIKE pattern of a run's request ids (`<runId>/<job id>`), its wildcards escaped. */
function runIdPattern(runId: string): string {
  return `${runId.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
}
