import { readLines } from '../../cli/read-lines';
import { createRequestProducer } from '../producer';
import { derivationRandom, parseReplayLine, type ReplayJob, toExecutionRequest, type TraceFormat } from './replay-workload';

/** Reads up to `limit` trace records into replay jobs in submission order (ties by id). */
export async function readReplayTrace(path: string, format: TraceFormat, limit: number, seed: number): Promise<ReplayJob[]> {
  const random = derivationRandom(seed);
  const jobs: ReplayJob[] = [];
  const headerLines = format === 'jobs' ? 0 : 1; // a header does not count against the limit
  let n = 0;
  for await (const line of readLines(path)) {
    n++;
    if (n > limit + headerLines) break;
    if (line.trim() === '') continue;
    jobs.push(...parseReplayLine(format, line, n, random));
  }
  return jobs.sort((a, b) => a.traceTimeMs - b.traceTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ReplayOptions {
  jobs: readonly ReplayJob[];
  /** Trace ms per wall ms; 0 publishes as fast as the broker takes it. */
  speed: number;
  /** Event time of the first request; default now minus the span. */
  start?: number;
  runId?: string;
  topicPrefix?: string;
  /** Where progress goes; default stderr. */
  progress?: (line: string) => void;
}

export interface ReplaySummary {
  topic: string;
  runId: string;
  requests: number;
  users: number;
  firstEventMs: number;
  lastEventMs: number;
  spanMs: number;
  wallMs: number;
  speed: number;
}

const BATCH = 500;

/**
 * Publishes the jobs as execution requests, paced so that trace time passes `speed` times as
 * fast as wall time, in batches of requests due by now. Event times are the trace times shifted
 * by one constant, so gaps and order are the trace's.
 */
export async function replayRequests(o: ReplayOptions): Promise<ReplaySummary> {
  const first = o.jobs[0]!.traceTimeMs;
  const last = o.jobs[o.jobs.length - 1]!.traceTimeMs;
  const wallStart = Date.now();
  const start = o.start ?? wallStart - (last - first);
  const shift = start - first;
  const runId = o.runId ?? `replay-${start}`;
  const progress = o.progress ?? ((line: string) => process.stderr.write(line));
  const producer = await createRequestProducer({ topicPrefix: o.topicPrefix, clientId: 'prm-replay' });
  let sent = 0;
  let lastReport = 0;
  try {
    while (sent < o.jobs.length) {
      const elapsedTrace = o.speed > 0 ? (Date.now() - wallStart) * o.speed : Infinity;
      let end = sent;
      while (end < o.jobs.length && end - sent < BATCH && o.jobs[end]!.traceTimeMs - first <= elapsedTrace) end++;
      if (end === sent) {
        const waitMs = Math.min(1000, (o.jobs[sent]!.traceTimeMs - first - elapsedTrace) / o.speed);
        await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
        continue;
      }
      await producer.publishExecutionRequests(o.jobs.slice(sent, end).map((j) => toExecutionRequest(j, runId, shift)));
      sent = end;
      if (Date.now() - lastReport > 1000 || sent === o.jobs.length) {
        lastReport = Date.now();
        const pct = ((100 * sent) / o.jobs.length).toFixed(1);
        progress(`\rreplay ${sent}/${o.jobs.length} (${pct}%) event time ${new Date(o.jobs[sent - 1]!.traceTimeMs + shift).toISOString()}${sent === o.jobs.length ? '\n' : ''}`);
      }
    }
  } finally {
    await producer.close();
  }
  return {
    topic: producer.topic, runId, requests: o.jobs.length, users: new Set(o.jobs.map((j) => j.userId)).size,
    firstEventMs: first + shift, lastEventMs: last + shift, spanMs: last - first, wallMs: Date.now() - wallStart, speed: o.speed,
  };
}
