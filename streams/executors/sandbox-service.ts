import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Executor } from '../../sandbox/executor';
import type { EventSerde } from '../../schemas/serde';
import type { ExecutionRequest, ExecutionTelemetry, JobDispatch } from '../../schemas/types.generated';
import { createDeadLetterPublisher, decodeOrDeadLetter } from '../dead-letters';
import { errorMessage, isRetriable } from '../runtime/errors';
import { executeDispatch, notRunTelemetry, RequestCache } from './sandbox-executor';

export interface SandboxServiceOptions {
  kafka: Kafka;
  serde: EventSerde;
  /** `deadLetters` takes the dispatches that cannot be read; the serde must have been started with it. */
  topics: { requests: string; dispatches: string; telemetry: string; deadLetters: string };
  /** Consumer group of the dispatch consumers; instances share the dispatches. */
  groupId: string;
  executor: Executor;
  /** Only dispatches to this pool run here. Default: every pool. */
  pool?: string;
  /** Jobs run at once: one per dispatch partition owned, at most this many. Default 2. */
  concurrency?: number;
  /** How far back the request cache starts reading prm.requests. Default 1 h. */
  lookbackMs?: number;
  /** How long a dispatch waits for its request to reach the cache; past it, the run is reported as NOT_RUN. Default 30 s. */
  requestWaitMs?: number;
  cacheCapacity?: number;
  log?(event: string, fields: Record<string, unknown>): void;
  now?: () => number;
}

/** Recorded as the processor on the dead letters this service writes. */
const SERVICE_NAME = 'sandbox-executor';

export interface RunningSandboxService {
  /** Dispatches whose request never arrived: not executed, reported as NOT_RUN. */
  readonly missing: () => number;
  /** Dispatches that could not be read: sent to the dead-letter topic with the reason, and skipped. */
  readonly deadLettered: () => number;
  stop(): Promise<void>;
}

/**
 * The sandbox executor for real code: takes dispatches, runs the request's code in the sandbox
 * under the dispatch's allocation and publishes the measured ExecutionTelemetry (keyed by user,
 * timestamped at the job's end) before committing the dispatch's offset: at-least-once, and a
 * re-run after a crash reports the same request id, which the profiler ignores the second time.
 *
 * The code travels on prm.requests (keyed by user), not on the dispatch (keyed by request), so
 * each instance keeps a bounded cache of recent requests, read from every partition starting
 * `lookbackMs` back, and a dispatch waits briefly for its request when the two race.
 */
export async function runSandboxService(o: SandboxServiceOptions): Promise<RunningSandboxService> {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const host = `${hostname()}-${randomUUID().slice(0, 8)}`;
  const cache = new RequestCache(o.cacheCapacity ?? 100_000);
  const waitMs = o.requestWaitMs ?? 30_000;
  let missing = 0;
  let deadLettered = 0;

  const admin = o.kafka.admin();
  await admin.connect();
  const startOffsets = await admin.fetchTopicOffsetsByTimestamp(o.topics.requests, now() - (o.lookbackMs ?? 3600_000));
  await admin.disconnect();

  // Every instance reads all requests: its own group, never committed.
  const requests: Consumer = o.kafka.consumer({ groupId: `${o.groupId}.requests.${host}` });
  await requests.connect();
  await requests.subscribe({ topic: o.topics.requests, fromBeginning: false });
  await requests.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      let request: ExecutionRequest;
      try {
        request = await o.serde.decode<'ExecutionRequest'>(topic, message.value);
      } catch (err) {
        // The predictor dead-letters an unreadable request; here it only cannot be run.
        if (isRetriable(err)) throw err;
        log('sandbox.request-unreadable', { topic, partition, offset: message.offset, error: errorMessage(err) });
        return;
      }
      cache.put(request);
    },
  });
  for (const p of startOffsets) requests.seek({ topic: o.topics.requests, partition: p.partition, offset: p.offset });

  const producer: Producer = o.kafka.producer({ idempotent: true });
  await producer.connect();
  const deadLetters = createDeadLetterPublisher({
    serde: o.serde, topic: o.topics.deadLetters, clock: { now }, processor: SERVICE_NAME,
    send: (record) => producer.send({ ...record, acks: -1 }),
  });
  const dispatches: Consumer = o.kafka.consumer({ groupId: o.groupId });
  await dispatches.connect();
  await dispatches.subscribe({ topic: o.topics.dispatches, fromBeginning: true });
  await dispatches.run({
    autoCommit: false,
    partitionsConsumedConcurrently: o.concurrency ?? 2,
    eachMessage: async ({ topic, partition, message, heartbeat }) => {
      const commit = () => dispatches.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      const read = await decodeOrDeadLetter<'JobDispatch'>(o.serde, deadLetters, { topic, partition, message });
      if ('deadLetter' in read) {
        deadLettered++;
        log('sandbox.dispatch-dead-lettered', { topic, partition, offset: message.offset, reason: read.deadLetter.reason, error: read.deadLetter.errorMessage });
        await commit();
        return;
      }
      const d: JobDispatch = read.value;
      if (o.pool === undefined || d.pool === o.pool) {
        const deadline = now() + waitMs;
        let request = cache.get(d.requestId);
        while (!request && now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          await heartbeat();
          request = cache.get(d.requestId);
        }
        let t: ExecutionTelemetry;
        if (!request) {
          missing++;
          t = notRunTelemetry(d, host, now());
          log('sandbox.request-missing', { requestId: d.requestId, waitedMs: waitMs, reported: t.exitStatus });
        } else {
          t = await executeDispatch(d, request, o.executor, host, now);
          log('sandbox.executed', { requestId: d.requestId, status: t.exitStatus, cpuMs: t.cpuMs });
        }
        await producer.send({ topic: o.topics.telemetry, acks: -1, messages: [{ ...o.serde.message<'ExecutionTelemetry'>(o.topics.telemetry, t), timestamp: String(t.endedAt.getTime()) }] });
      }
      await commit();
    },
  });
  return {
    missing: () => missing,
    deadLettered: () => deadLettered,
    async stop() {
      await dispatches.disconnect();
      await requests.disconnect();
      await producer.disconnect();
    },
  };
}
