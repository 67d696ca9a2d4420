import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../../schemas/topic-admin';
import { prefixedCatalogue } from '../../schemas/topics';
import type { Database } from '../../sinks/database';
import type { Connection } from '../../stack/connection';
import { readReplayTrace, replayRequests } from '../executors/replay-run';
import { type ReplayJob, type TraceFormat, usageByRequest } from '../executors/replay-workload';
import type { Logger } from '../runtime/logger';
import type { TrainingCycleResult } from '../trainer';
import { replayLeaseGraceMs, startPipeline, type PoolShape, type RunningPipeline } from './pipeline';
import { startPoolClock } from './pool-clock';
import { countRun, progressLine, type RunCounts } from './run-progress';
import { REQUEST_PATH } from '../topology';

export interface LiveReplayOptions {
  /** Names the run: its request ids, pool, topics and application id. Default from the start time. */
  runId?: string;
  connection: Connection;
  database: Database;
  trace: string;
  format: TraceFormat;
  /** Trace ms per wall ms. */
  speed: number;
  /** Replay only the first this many ms of the trace (event time). Default all of it. */
  traceSpanMs?: number;
  pool: Omit<PoolShape, 'pool'>;
  logger: Logger;
  /** Progress lines (a bar), one per second. */
  progress(line: string): void;
  /** Stops waiting for the run to finish (Ctrl-C): what has finished is reported. */
  signal?: AbortSignal;
  /** Wall ms to wait after the last request for running jobs to finish. Default: the drain allowance (drainAllowanceMs) at the replay's speed, plus 2 minutes. */
  drainTimeoutMs?: number;
  /**
   * Wall ms between training cycles (each on the last 24 h of the replay's event time). Default
   * 30 s: a cycle trains in this process and holds its event loop for seconds.
   */
  trainEveryMs?: number;
  onTrainingCycle?(result: TrainingCycleResult): void;
}

export interface LiveReplayResult {
  runId: string;
  pool: string;
  topicPrefix: string;
  app: string;
  requests: number;
  users: number;
  counts: RunCounts;
  /** Event-time window of the run: first request to the pool's last tick. */
  fromMs: number;
  toMs: number;
  wallMs: number;
  finished: boolean;
  /** The processors, still running: the caller stops them (or keeps them for more traffic). */
  pipeline: RunningPipeline;
}

/**
 * A replay through the whole live pipeline: its own topics (`runs.<run id>.prm.*`) and
 * application id, so a run's event times (the trace's, moved to end about now) never meet
 * another run's in a processor's stream time; the history database is shared, and the run's
 * rows are told apart by their request ids and pool name. Requests are published at `speed`
 * times the trace's pace while a clock keeps the simulated pool's time passing; the run ends
 * when every request's telemetry is in the database (or the drain times out, or `signal` aborts).
 */
/** Event time a replay leaves its jobs to finish after its last request (see liveReplay). */
export function drainAllowanceMs(longestJobMs: number, spanMs: number): number {
  return Math.max(30 * 60_000, Math.min(longestJobMs + 10 * 60_000, spanMs / 2));
}

/** How long the finished count must hold before a run counts as drained (see the drain loop). */
const RETRY_SETTLE_MS = 3000;

export async function liveReplay(o: LiveReplayOptions): Promise<LiveReplayResult> {
  const wallStarted = Date.now();
  const runId = o.runId ?? defaultRunId(wallStarted);
  const topicPrefix = `runs.${runId}.`;
  const app = `prm-${runId}`;
  const pool: PoolShape = { ...o.pool, pool: runId, runLeaseGraceMs: Math.max(o.pool.runLeaseGraceMs, replayLeaseGraceMs(o.speed)) };
  const jobs = clip(await readReplayTrace(o.trace, o.format, Infinity, 1), o.traceSpanMs);
  if (jobs.length === 0) throw new Error(`${o.trace} holds no ${o.format} requests`);
  const first = jobs[0]!.traceTimeMs;
  const spanMs = jobs[jobs.length - 1]!.traceTimeMs - first;
  const longestJobMs = Math.max(...jobs.map((j) => j.durationMs));

  const kafka = new Kafka({ ...o.connection.kafka, clientId: app, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, prefixedCatalogue(topicPrefix), { create: true, replicationFactor: 1 });
  } finally {
    await admin.disconnect();
  }
  const usage = usageByRequest(jobs, runId);
  // The replay's clock starts once the pipeline is up; until then the trainer has nothing to
  // read and waits (the wall clock would train on whatever else the database holds).
  const replay: { now?: () => number } = {};
  const pipeline = await startPipeline({
    connection: o.connection, app, topicPrefix, pool, simulatePool: true, usage: (d) => usage.get(d.requestId),
    database: o.database, logger: o.logger,
    // One process runs every processor here, so the request path can be one exactly-once hop.
    fuse: [REQUEST_PATH],
    trainer: { everyMs: o.trainEveryMs ?? 30_000, now: () => (replay.now ? new Date(replay.now()) : undefined), onCycle: o.onTrainingCycle },
  });

  // Event times end about now even after the drain, so none is ever ahead of the wall clock
  // (validation refuses events from the future): the trace is moved back by its span plus the
  // drain. The drain lasts until the longest job could end, but at most half the replay's span
  // (at least 30 minutes): a trace's multi-hour batch tasks would otherwise hold a short demo
  // for hours; what still runs then is reported as unfinished. Past the drain, the replay's time
  // has caught up with the wall clock and passes at its pace.
  const drainEventMs = drainAllowanceMs(longestJobMs, spanMs);
  const wallStart = Date.now();
  const start = wallStart - spanMs - drainEventMs;
  // Once the replay's time catches up with the wall clock it passes at the wall clock's pace.
  const replayClock = () => Math.min(start + (Date.now() - wallStart) * o.speed, Date.now() - 1000);
  replay.now = replayClock;
  const clock = await startPoolClock({
    kafka, serde: pipeline.serde, topic: pipeline.topicName('prm.pool-clock'), pool: runId, source: runId,
    // No lag: a dispatch arriving after the pool's time passed its own starts at the pool's time,
    // as a job reaching a cluster late does. A lag would hold every reservation that much longer
    // (a 3-minute lag on 15-second jobs cut the pool's throughput twelvefold).
    // Ticks every 100 ms: each is a transaction of the pool's whole state.
    now: replayClock, lagMs: 0, everyMs: 100,
  });
  let counts: RunCounts = { requests: 0, predictions: 0, dispatched: 0, finished: 0 };
  // A count that fails (the history database busy past the pool's wait) keeps the last
  // counts: progress is an observer and must not end the run it observes.
  let countFailure: string | undefined;
  const report = async () => {
    try {
      counts = await countRun(o.database, runId);
      countFailure = undefined;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== countFailure) o.progress(`progress: counting the run failed (${message}); counting again`);
      countFailure = message;
      return;
    }
    o.progress(progressLine(counts, jobs.length, replayClock()));
  };
  // One count at a time: the history database is the sink's too, and queries must not pile up.
  let counting = false;
  const ticker = setInterval(() => {
    if (counting) return;
    counting = true;
    void report().finally(() => (counting = false));
  }, 1000);
  let finished = false;
  try {
    const replayed = replayRequests({ jobs, speed: o.speed, start, runId, topicPrefix, progress: () => undefined });
    await Promise.race([replayed, aborted(o.signal), pipelineFailure(pipeline)]);
    const drainDeadline = Date.now() + (o.drainTimeoutMs ?? (drainEventMs / o.speed) + 120_000);
    while (!o.signal?.aborted && Date.now() < drainDeadline) {
      await report();
      if (counts.finished >= jobs.length) {
        // A run's out-of-memory telemetry can land a moment before the retry the scheduler
        // dispatched for it: finished only if the count still holds a little later.
        await sleep(RETRY_SETTLE_MS);
        await report();
        if (counts.finished >= jobs.length) {
          finished = true;
          break;
        }
      }
      await Promise.race([sleep(1000), pipelineFailure(pipeline)]);
    }
    await report();
  } finally {
    clearInterval(ticker);
    await clock.stop();
  }
  return {
    runId, pool: runId, topicPrefix, app, requests: jobs.length, users: new Set(jobs.map((j) => j.userId)).size, counts,
    fromMs: start, toMs: Math.max(start, clock.last), wallMs: Date.now() - wallStarted, finished, pipeline,
  };
}

/** `run-YYYYMMDD-HHMMSS` of a wall time: sortable, and a valid pool name and topic prefix. */
export function defaultRunId(wallMs: number): string {
  return `run-${new Date(wallMs).toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`;
}

/** The jobs submitted within the first `spanMs` of the trace. */
function clip(jobs: ReplayJob[], spanMs: number | undefined): ReplayJob[] {
  if (spanMs === undefined || jobs.length === 0) return jobs;
  const end = jobs[0]!.traceTimeMs + spanMs;
  return jobs.filter((j) => j.traceTimeMs <= end);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Rejects when a processor stops on a fatal error, so a run does not wait for a dead pipeline. */
function pipelineFailure(pipeline: RunningPipeline): Promise<never> {
  return pipeline.stopped.then(() => {
    throw new Error('the pipeline stopped');
  });
}
