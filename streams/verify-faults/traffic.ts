import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionRequest } from '../../schemas/types.generated';
import { readReplayTrace } from '../executors/replay-run';
import { type ReplayJob, toExecutionRequest } from '../executors/replay-workload';
import { createRequestProducer, type RequestProducer } from '../producer';
import { seededRandom } from '../runtime/verify/random';

/** The bundled workload: real users, tiers and sizes (bitbrains, alibaba, azure), as `npm start` replays. */
export const bundledWorkload = 'data/workload/workload.jsonl';

/**
 * Event time of a verification run: it starts `backlogMs` behind the wall clock and passes
 * `speed` times as fast (so a simulated job's half hour passes in seconds) until it has caught
 * up; from then on it keeps to the wall clock, because validation refuses events from the future.
 */
export function eventClock(wallStart: number, speed: number, backlogMs: number): () => number {
  const base = wallStart - backlogMs;
  return () => {
    const now = Date.now();
    return Math.min(now, base + (now - wallStart) * speed);
  };
}

/**
 * The workload's jobs in a seeded random order: in trace order the first few hundred are mostly
 * the replicas of one batch job, and a verification run wants the mix (users, tiers, sizes).
 */
export async function workloadJobs(path: string, seed = 1): Promise<ReplayJob[]> {
  const jobs = await readReplayTrace(path, 'jobs', Infinity, 1);
  if (jobs.length === 0) throw new Error(`${path} holds no requests`);
  const random = seededRandom(seed);
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  return jobs;
}

export interface TrafficOptions {
  jobs: readonly ReplayJob[];
  runId: string;
  topicPrefix: string;
  brokers: string[];
  registryUrl: string;
  /** Requests per wall second. */
  rate: number;
  eventNow(): number;
  say(line: string): void;
}

/**
 * Publishes the workload's requests (cycling through it, with fresh ids each pass) at a steady
 * rate while its quota lasts (allow() adds to it; Infinity for a soak), each with the event time
 * now and tagged with the label current when it was sent (the fault phase). pause() waits for the
 * batch in flight, so a broker restart never meets a send whose outcome is unknown (a retried
 * batch could be written twice, and a doubled request is the producer's fault, not the pipeline's).
 */
export class Traffic {
  /** Request id -> the label current when it was published, in publishing order. */
  readonly labelOf = new Map<string, string>();
  label = '';
  private quota = 0;
  private producer: RequestProducer | undefined;
  private paused = false;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private idle: Promise<void> = Promise.resolve();
  private next = 0;
  failedSends = 0;

  constructor(private readonly o: TrafficOptions) {}

  async start(): Promise<void> {
    this.producer = await createRequestProducer({ brokers: this.o.brokers, registryUrl: this.o.registryUrl, topicPrefix: this.o.topicPrefix, clientId: `${this.o.runId}-traffic` });
    this.loop = this.run();
  }

  get sent(): number {
    return this.labelOf.size;
  }

  /** Requests attempted (sent or failed): the quota counts these. */
  get attempted(): number {
    return this.next;
  }

  allow(requests: number): void {
    this.quota += requests;
  }

  /** Resolves once the quota is used up. */
  async quotaUsed(): Promise<void> {
    while (!this.stopped && this.next < this.quota) await sleep(100);
  }

  /** Resolves once no send is in flight; nothing is sent until resume(). */
  async pause(): Promise<void> {
    this.paused = true;
    await this.idle;
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.producer?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const tickMs = 200;
    let owed = 0;
    while (!this.stopped) {
      await sleep(tickMs);
      if (this.paused || this.next >= this.quota) {
        owed = 0;
        continue;
      }
      owed += (this.o.rate * tickMs) / 1000;
      const n = Math.min(Math.floor(owed), this.quota - this.next);
      if (n <= 0) continue;
      const batch = Array.from({ length: n }, () => this.request());
      const label = this.label;
      let release = () => undefined as void;
      this.idle = new Promise<void>((resolve) => (release = resolve));
      try {
        await this.producer!.publishExecutionRequests(batch);
        for (const r of batch) this.labelOf.set(r.requestId, label);
        owed -= n;
      } catch (err) {
        // Not retried: a batch that failed may still have been written, and re-sending it would
        // double requests. Its ids are not counted as sent; the pipeline's outputs for them (if
        // any) show up as unexpected.
        this.failedSends++;
        this.o.say(`traffic: a batch of ${n} requests failed to send (${(err as Error).message}); skipped`);
        owed = 0;
      } finally {
        release();
      }
    }
  }

  private request(): ExecutionRequest {
    const i = this.next++;
    const job = this.o.jobs[i % this.o.jobs.length]!;
    const pass = Math.floor(i / this.o.jobs.length);
    const fresh = pass === 0 ? job : { ...job, id: `${job.id}~${pass}` };
    const at = this.o.eventNow();
    return toExecutionRequest(fresh, this.o.runId, at - job.traceTimeMs);
  }
}
