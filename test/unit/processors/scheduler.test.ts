import type { FleetShare, JobDispatch, PredictedDemand, UserTier } from '../../../schemas/types.generated';
import { ConfigError } from '../../../streams/runtime/errors';
import { jsonSerde, numberSerde } from '../../../streams/runtime/serde';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { dispatchedEntrySerde, queuedEntrySerde } from '../../../streams/processors/scheduler-state-serdes';
import {
  checkSchedulerPool, LEASES_EXPIRED_KEY, LOST_RETRIES_KEY, OOM_RETRIES_KEY, RESENT_DROPPED_KEY, RETRIES_REFUSED_KEY, RETRIES_WITHDRAWN_KEY, schedulerProcessor, STALE_TELEMETRY_KEY, taskBins, isRunning, type DispatchedEntry, type QueuedEntry, type RunningDispatch, type RunningEntry,
} from '../../../streams/processors/scheduler';
import { FORGET_AFTER_HALF_LIVES } from '../../../models/scheduling/scheduler';
import { setup, T0, telemetry } from './fixtures';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
// Six tasks, six one-core instances: until told its share, partition 0 has an equal split, one instance (pool-t0-0).
const capacity = { pool: 'pool', instances: 6, instanceCores: 1, instanceMemoryBytes: 4 * GIB };

function prediction(requestId: string, tier: UserTier, priority: number, atMs = T0): PredictedDemand {
  const q = (x: number) => ({ p50: x, p90: 1.5 * x, p99: 2 * x });
  return {
    requestId, userId: `user-${requestId}`, predictedAt: new Date(atMs), submittedAt: new Date(atMs), tier, priority, deadline: null,
    cpuMs: q(1000), peakMemoryBytes: q(100 * 1024 * 1024), ioBytes: q(0), durationMs: q(1000), components: [], profileObservations: 0,
  };
}

/** A STANDARD job of 0.1 cores and `memoryMiB`: memory (4 GiB an instance) is what fills up. */
function sized(id: string, memoryMiB: number, atMs: number): PredictedDemand {
  const p = prediction(id, 'STANDARD', 5, atMs);
  return { ...p, cpuMs: { p50: 100, p90: 150, p99: 200 }, peakMemoryBytes: { p50: memoryMiB * MIB, p90: memoryMiB * MIB, p99: memoryMiB * MIB } };
}

function scheduler(env = setup(), options: Partial<Parameters<typeof schedulerProcessor>[0]> = {}) {
  return { ...env, driver: new ProcessorTestDriver(schedulerProcessor({ topics: env.topics, capacity, ...options }), { clock: env.clock }) };
}

type Driver = ReturnType<typeof scheduler>['driver'];

/** The run a task holds for a request: its entry in the `dispatched` store, if it holds one. */
function runOf(driver: Driver, requestId: string): RunningDispatch | undefined {
  const entry = driver.store('dispatched').get(requestId);
  return entry && isRunning(entry) ? entry : undefined;
}

/** How many runs a task holds. */
function runCount(driver: Driver): number {
  return [...driver.store('dispatched').entries()].filter(([, e]) => isRunning(e)).length;
}

function finish(driver: Driver, requestId: string, atMs: number, attempt = 1) {
  driver.pipeInput('telemetry', { key: `user-${requestId}`, value: telemetry({ requestId, userId: `user-${requestId}`, startedAt: new Date(atMs - 1000), endedAt: new Date(atMs), cpuMs: 900, attempt }) });
}

describe('scheduler', () => {
  it('dispatches in priority order (tier, then requested priority), FIFO among equals, as capacity frees', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('first', 'STANDARD', 5) });
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['first']);
    for (const [id, tier, priority] of [['free', 'FREE', 9], ['ent-a', 'ENTERPRISE', 3], ['prem', 'PREMIUM', 9], ['ent-b', 'ENTERPRISE', 3], ['ent-hi', 'ENTERPRISE', 8]] as const) {
      driver.pipeInput('predictions', { key: id, value: prediction(id, tier, priority, T0 + 100) });
    }
    expect(driver.readOutput('dispatches')).toEqual([]);
    expect(driver.store('queue').size).toBe(5);
    const order: string[] = [];
    let previous = 'first';
    for (let i = 1; i <= 5; i++) {
      finish(driver, previous, T0 + 1000 * i);
      const out = driver.readOutput('dispatches');
      expect(out).toHaveLength(1);
      previous = out[0]!.value!.requestId;
      order.push(previous);
    }
    expect(order).toEqual(['ent-hi', 'ent-a', 'ent-b', 'prem', 'free']);
    expect(driver.store('queue').size).toBe(0);
  });

  it('fills the dispatch from the prediction: instance, reservation, wait and an explained score', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'PREMIUM', 5) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'PREMIUM', 5, T0 + 10) });
    finish(driver, 'a', T0 + 3000);
    const [first, second] = driver.readOutput('dispatches').map((d) => d.value!);
    expect(first).toMatchObject({ requestId: 'a', pool: 'pool', instanceId: 'pool-t0-0', queuedMs: 0 });
    // Memory: the p90 (150 MiB) plus 15%.
    expect(first!.allocation).toEqual({ cpuMillicores: 1000, memoryBytes: Math.round(150 * 1.15 * 1024 * 1024), timeoutMs: 6000 });
    expect(second).toMatchObject({ requestId: 'b', instanceId: 'pool-t0-0', queuedMs: 2990 });
    expect(second!.dispatchedAt.getTime()).toBe(T0 + 3000);
    const p = second!.priority;
    expect(p.aging).toBeGreaterThan(0);
    expect(p.base + p.aging + p.size + p.deadlineUrgency).toBeCloseTo(second!.priorityScore, 9);
  });

  it('ignores a redelivered prediction and telemetry of jobs it never dispatched', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'FREE', 0) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'FREE', 0) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'FREE', 0) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'FREE', 0) });
    finish(driver, 'someone-else', T0 + 500);
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a']);
    expect(driver.store('queue').size).toBe(1);
  });

  describe('a request sent again after its run finished', () => {
    const retentionMs = 60_000;
    const remembering = (env = setup()) =>
      ({ ...env, driver: new ProcessorTestDriver(schedulerProcessor({ topics: env.topics, capacity, recentRequests: { retentionMs } }), { clock: env.clock }) });

    it('is dropped while its id is remembered, and counted', () => {
      const { driver } = remembering();
      driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
      finish(driver, 'a', T0 + 1000);
      expect(runCount(driver)).toBe(0);
      driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5, T0 + 2000) });
      driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5, T0 + 3000) });
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a']);
      expect(driver.readDeadLetters()).toEqual([]);
      expect(driver.store('queue').size).toBe(0);
      expect(driver.store('sequence').get(RESENT_DROPPED_KEY)).toBe(2);
      expect(driver.store('dispatched').get('a')).toEqual({ atMs: T0, seq: 0 });
    });

    it('is forgotten once the stream has moved on past the retention: the store holds only recent ids', () => {
      const { driver } = remembering();
      driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
      finish(driver, 'a', T0 + 1000);
      driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + 30_000) });
      finish(driver, 'b', T0 + 31_000);
      expect([...driver.store('dispatched').entries()].map(([id]) => id)).toEqual(['a', 'b']);
      // Event time T0 + 60 s: a's retention is over, b's is not.
      driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + retentionMs) });
      expect([...driver.store('dispatched').entries()].map(([id]) => id)).toEqual(['b']);
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a', 'b']);
      // a is a new request again by now: queued and dispatched.
      driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5, T0 + retentionMs + 1) });
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a']);
    });

    it('is still dropped by a task rebuilt from the changelogs', () => {
      const env = setup();
      const { driver: before } = remembering(env);
      before.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
      finish(before, 'a', T0 + 1000);
      before.readOutput('dispatches');
      const { driver: after } = remembering(env);
      const serde = jsonSerde<DispatchedEntry>();
      for (const [k, v] of before.store('dispatched').entries()) after.store('dispatched').put(k, serde.deserialize(serde.serialize(v)));
      after.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5, T0 + 2000) });
      expect(after.readOutput('dispatches')).toEqual([]);
      expect(after.store('sequence').get(RESENT_DROPPED_KEY)).toBe(1);
    });

    it('refuses a retention that is not positive', () => {
      const { topics } = setup();
      expect(() => schedulerProcessor({ topics, capacity, recentRequests: { retentionMs: 0 } })).toThrow(ConfigError);
      expect(() => schedulerProcessor({ topics, capacity, recentRequests: { maxIds: 0.5 } })).toThrow(ConfigError);
    });

    it('keeps a run whose id it forgot while it ran, until the run ends, and does not remember the id after a rebuild', () => {
      const env = setup();
      // Two instances' share, 0.5-core jobs: four run at once, and the task remembers two ids.
      const { driver } = scheduler(env, { recentRequests: { retentionMs, maxIds: 2 } });
      driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
      const halfCore = (id: string, atMs: number) => ({ ...prediction(id, 'STANDARD', 5, atMs), cpuMs: { p50: 500, p90: 750, p99: 1000 } });
      for (const [i, id] of ['a', 'b', 'c'].entries()) driver.pipeInput('predictions', { key: 'x', value: halfCore(id, T0 + i) });
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a', 'b', 'c']);
      expect(driver.store('dispatched').get('a')).toMatchObject({ forgotten: true, job: { requestId: 'a' } });
      expect(runCount(driver)).toBe(3);
      driver.reopenTask();
      finish(driver, 'a', T0 + 1000);
      expect(driver.store('dispatched').get('a')).toBeUndefined();
      expect(runOf(driver, 'b')).toBeDefined();
      // Not remembered, and not running: a resent 'a' is a new request by now.
      driver.pipeInput('predictions', { key: 'x', value: halfCore('a', T0 + 1001) });
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a']);
      expect(driver.store('sequence').get(RESENT_DROPPED_KEY)).toBeUndefined();
    });
  });

  it('reports what it holds queued for the planner: at once when the queue fills or empties, at most every 10 s while it changes, every minute while it holds jobs', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('running', 'STANDARD', 5) });
    // Nothing queued (the job runs), but its reservation is demand the fleet's shares follow: reported.
    expect(driver.readOutput('backlog').map((b) => [b.value!.queuedJobs, b.value!.reservedCores])).toEqual([[0, 1]]);
    driver.pipeInput('predictions', { key: 'x', value: prediction('q1', 'STANDARD', 5, T0 + 100) });
    const [filled] = driver.readOutput('backlog').map((b) => b.value!);
    // One job of 1 core and 172.5 MiB on 1-core, 4 GiB instances: its dominant share is its core; 1 s predicted.
    expect(filled).toEqual({
      pool: 'pool', task: 0, at: new Date(T0 + 100), queuedJobs: 1, queuedCores: 1, queuedCoreSeconds: 1, reservedCores: 1, oldestSubmittedAt: new Date(T0 + 100),
    });
    driver.pipeInput('predictions', { key: 'x', value: prediction('q2', 'STANDARD', 5, T0 + 5_000) });
    expect(driver.readOutput('backlog')).toEqual([]);
    driver.pipeInput('predictions', { key: 'x', value: prediction('q3', 'STANDARD', 5, T0 + 10_100) });
    expect(driver.readOutput('backlog').map((b) => b.value!.queuedJobs)).toEqual([3]);
    driver.pipeInput('fleet', { key: 'other', value: shareSample('other', 1, T0 + 40_000) });
    expect(driver.readOutput('backlog')).toEqual([]);
    driver.pipeInput('fleet', { key: 'other', value: shareSample('other', 1, T0 + 70_100) });
    expect(driver.readOutput('backlog').map((b) => [b.value!.queuedJobs, b.value!.at.getTime()])).toEqual([[3, T0 + 70_100]]);
    for (const [id, atMs] of [['running', T0 + 71_000], ['q1', T0 + 72_000], ['q2', T0 + 73_000], ['q3', T0 + 74_000]] as const) finish(driver, id, atMs);
    const reports = driver.readOutput('backlog').map((b) => b.value!);
    expect(reports[reports.length - 1]).toMatchObject({ queuedJobs: 0, queuedCores: 0, oldestSubmittedAt: null });
    // The last job's end frees the reservation: reported once the 10 s gap has passed, then silence.
    driver.pipeInput('fleet', { key: 'other', value: shareSample('other', 1, T0 + 84_500) });
    expect(driver.readOutput('backlog').map((b) => [b.value!.queuedJobs, b.value!.reservedCores])).toEqual([[0, 0]]);
    driver.pipeInput('fleet', { key: 'other', value: shareSample('other', 1, T0 + 300_000) });
    expect(driver.readOutput('backlog')).toEqual([]);
  });

  it('dispatches a job no earlier than it was submitted, when the run that freed its room ended before that (read later)', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + 2000) });
    finish(driver, 'a', T0 + 1500); // telemetry is read at its own pace: it can come in after a later request
    const [second] = driver.readOutput('dispatches').map((d) => d.value!).slice(1);
    expect(second).toMatchObject({ requestId: 'b', queuedMs: 0 });
    expect(second!.dispatchedAt.getTime()).toBe(T0 + 2000);
  });

  describe('a run that ends out of memory', () => {
    const endOf = (driver: ReturnType<typeof scheduler>['driver'], requestId: string, atMs: number, exitStatus: 'OOM' | 'ERROR', attempt = 1) =>
      driver.pipeInput('telemetry', {
        key: `user-${requestId}`,
        value: telemetry({ requestId, userId: `user-${requestId}`, startedAt: new Date(atMs - 500), endedAt: new Date(atMs), cpuMs: 400, exitStatus, attempt }),
      });

    it('is run again no earlier than the failed run ended, though the room comes from a record stamped before that', () => {
      const { driver } = scheduler();
      driver.pipeInput('predictions', { key: 'x', value: prediction('big', 'STANDARD', 5) });
      driver.pipeInput('predictions', { key: 'x', value: prediction('urgent', 'ENTERPRISE', 5, T0 + 100) });
      endOf(driver, 'big', T0 + 1000, 'OOM');
      // The freed room goes to the enterprise job; the retry waits for more.
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['big', 1], ['urgent', 1]]);
      // A larger share of the pool, decided before the run failed, read after it.
      driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0 + 900) });
      const [retry] = driver.readOutput('dispatches').map((d) => d.value!);
      expect(retry).toMatchObject({ requestId: 'big', attempt: 2, queuedMs: 1000 });
      expect(retry!.dispatchedAt.getTime()).toBe(T0 + 1000);
    });

    it('is queued again with twice the memory, ahead of later arrivals, until the attempts run out', () => {
      const { driver } = scheduler();
      driver.pipeInput('predictions', { key: 'x', value: prediction('big', 'STANDARD', 5) });
      // The same user's next request: between users, fair share would rank the one that ran less first.
      driver.pipeInput('predictions', { key: 'x', value: { ...prediction('later', 'STANDARD', 5, T0 + 100), userId: 'user-big' } });
      const [first] = driver.readOutput('dispatches').map((d) => d.value!);
      expect(first).toMatchObject({ requestId: 'big', attempt: 1 });
      endOf(driver, 'big', T0 + 1000, 'OOM');
      const [second] = driver.readOutput('dispatches').map((d) => d.value!);
      // Submitted first, it keeps its place by submission time: the retry runs before 'later'.
      expect(second).toMatchObject({ requestId: 'big', attempt: 2, queuedMs: 1000 });
      expect(second!.allocation.memoryBytes).toBe(2 * first!.allocation.memoryBytes);
      endOf(driver, 'big', T0 + 2000, 'OOM', 2);
      const [third] = driver.readOutput('dispatches').map((d) => d.value!);
      expect(third).toMatchObject({ requestId: 'big', attempt: 3 });
      expect(third!.allocation.memoryBytes).toBe(4 * first!.allocation.memoryBytes);
      // The third run is the last (maxAttempts 3): its failure frees the room for the next job.
      endOf(driver, 'big', T0 + 3000, 'OOM', 3);
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['later', 1]]);
      expect(driver.store('sequence').get(OOM_RETRIES_KEY)).toBe(2);
    });

    it('is not settled by a duplicate of the failed run\'s telemetry: only its own run\'s report ends the retry', () => {
      const { driver } = scheduler();
      driver.pipeInput('predictions', { key: 'x', value: prediction('big', 'STANDARD', 5) });
      // The same user's next request, so fair share does not put it before the retry.
      driver.pipeInput('predictions', { key: 'x', value: { ...prediction('next', 'STANDARD', 5, T0 + 100), userId: 'user-big' } });
      endOf(driver, 'big', T0 + 1000, 'OOM');
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['big', 1], ['big', 2]]);
      // The executor's report of the first run, delivered again: the retry holds its room and is not retried itself.
      endOf(driver, 'big', T0 + 1000, 'OOM');
      expect(driver.readOutput('dispatches')).toEqual([]);
      expect(runOf(driver, 'big')?.job?.attempt).toBe(2);
      expect(driver.store('sequence').get(OOM_RETRIES_KEY)).toBe(1);
      expect(driver.store('sequence').get(STALE_TELEMETRY_KEY)).toBe(1);
      finish(driver, 'big', T0 + 2000, 2);
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['next']);
    });

    it('raises the memory of the same user\'s queued jobs reserved alike, so a burst does not fail once per job', () => {
      const { driver } = scheduler();
      const ofUser = (id: string, atMs: number, memoryP90: number) => ({
        ...prediction(id, 'STANDARD', 5, atMs), userId: 'batch', peakMemoryBytes: { p50: memoryP90 / 2, p90: memoryP90, p99: memoryP90 * 2 },
      });
      driver.pipeInput('predictions', { key: 'x', value: ofUser('task-1', T0, 200 * MIB) });
      driver.pipeInput('predictions', { key: 'x', value: ofUser('task-2', T0 + 1, 200 * MIB) });
      driver.pipeInput('predictions', { key: 'x', value: ofUser('tiny', T0 + 2, 10 * MIB) });
      const [first] = driver.readOutput('dispatches').map((d) => d.value!);
      endOf(driver, 'task-1', T0 + 1000, 'OOM');
      const raised = 2 * first!.allocation.memoryBytes;
      // The retry keeps its place (submitted first); its queued sibling now reserves as much, the small job its own.
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt, d.value!.allocation.memoryBytes])).toEqual([['task-1', 2, raised]]);
      expect(driver.store('queue').get('task-2')!.memoryBytes).toBeCloseTo(raised, 0);
      expect(driver.store('queue').get('tiny')!.memoryBytes).toBe(64 * MIB);
      finish(driver, 'task-1', T0 + 2000, 2);
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt, d.value!.allocation.memoryBytes])).toEqual([['task-2', 1, raised]]);
    });

    it('never asks for more than an instance holds, and is not retried once it had that much', () => {
      const env = setup();
      const driver = new ProcessorTestDriver(schedulerProcessor({ topics: env.topics, capacity, maxAttempts: 5 }), { clock: env.clock });
      const huge = { ...prediction('huge', 'STANDARD', 5), peakMemoryBytes: { p50: 1.5 * GIB, p90: 1.5 * GIB, p99: 2 * GIB } };
      driver.pipeInput('predictions', { key: 'x', value: huge });
      for (const attempt of [1, 2, 3]) endOf(driver, 'huge', T0 + 1000 * attempt, 'OOM', attempt);
      const runs = driver.readOutput('dispatches').map((d) => [d.value!.attempt, d.value!.allocation.memoryBytes]);
      const first = Math.round(1.5 * 1.15 * GIB);
      expect(runs).toEqual([[1, first], [2, Math.round(2 * 1.5 * 1.15 * GIB)], [3, 4 * GIB]]);
    });

    it('is not retried after other failures, nor when retries are off', () => {
      const { driver } = scheduler();
      driver.pipeInput('predictions', { key: 'x', value: prediction('bad', 'STANDARD', 5) });
      endOf(driver, 'bad', T0 + 1000, 'ERROR');
      expect(driver.readOutput('dispatches').map((d) => d.value!.attempt)).toEqual([1]);
      const env = setup();
      const once = new ProcessorTestDriver(schedulerProcessor({ topics: env.topics, capacity, maxAttempts: 1 }), { clock: env.clock });
      once.pipeInput('predictions', { key: 'x', value: prediction('oom', 'STANDARD', 5) });
      endOf(once, 'oom', T0 + 1000, 'OOM');
      expect(once.readOutput('dispatches').map((d) => d.value!.attempt)).toEqual([1]);
      expect(() => schedulerProcessor({ topics: env.topics, capacity, maxAttempts: 0 })).toThrow(ConfigError);
    });

    it('survives a crash between the failure and the retry: a task rebuilt from the changelogs runs it', () => {
      const env = setup();
      const { driver: before } = scheduler(env);
      before.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
      before.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + 10) });
      endOf(before, 'a', T0 + 1000, 'OOM');
      // 'b' took the freed room; the retry of 'a' waits in the queue store.
      expect(before.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['a', 1], ['b', 1]]);
      const { driver: after } = scheduler(env);
      for (const name of ['queue', 'sequence', 'dispatched'] as const) {
        const source = before.store(name) as unknown as { entries(): Iterable<[string, unknown]> };
        for (const [k, v] of source.entries()) (after.store(name) as unknown as { put(k: string, v: unknown): void }).put(k, JSON.parse(JSON.stringify(v)));
      }
      finish(after, 'b', T0 + 2000);
      const [retry] = after.readOutput('dispatches').map((d) => d.value!);
      expect(retry).toMatchObject({ requestId: 'a', attempt: 2 });
    });
  });

  describe('a run whose telemetry never comes', () => {
    // Leases of 6 s timeouts (the predictions' p99 of 2 s, times 3) plus a minute of grace.
    const leased = () => scheduler(setup(), { runLeaseGraceMs: 60_000 });
    const ids = (records: { value: JobDispatch | null }[]) => records.map((d) => d.value!.requestId);

    it('is presumed lost once the pool\'s own telemetry has passed its lease: its room is freed, it is counted and run again', () => {
      const { driver } = leased();
      // 0.1 cores and 1,725 MiB each: two fit the task's 4 GiB instance.
      for (const [id, atMs] of [['lost', T0], ['other', T0 + 50], ['waiting', T0 + 100]] as const) driver.pipeInput('predictions', { key: 'x', value: sized(id, 1500, atMs) });
      expect(runOf(driver, 'lost')?.leaseFromMs).toBe(T0);
      expect(ids(driver.readOutput('dispatches'))).toEqual(['lost', 'other']);
      // Predictions, however late their event time, are not the pool's clock.
      driver.pipeInput('predictions', { key: 'x', value: sized('much-later', 1500, T0 + 500_000) });
      expect(runOf(driver, 'lost')).toBeDefined();
      // 'other' ends exactly at the lease's end (T0 + 6 s timeout + 60 s): it still holds.
      finish(driver, 'other', T0 + 66_000);
      expect(ids(driver.readOutput('dispatches'))).toEqual(['waiting']);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBeUndefined();
      // A run reported ending past it: 'lost' would have reported before, so its room is freed and
      // its request runs again, no earlier than now. Its user stays charged for the lost run (what
      // it used is unknown), so fair share puts the other user's job first.
      finish(driver, 'waiting', T0 + 66_001);
      const again = driver.readOutput('dispatches').map((d) => d.value!);
      expect(again.map((d) => [d.requestId, d.attempt])).toEqual([['much-later', 1], ['lost', 2]]);
      expect(again[1]!.dispatchedAt.getTime()).toBe(T0 + 66_001);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBe(1);
      expect(driver.store('sequence').get(LOST_RETRIES_KEY)).toBe(1);
      // What a scrape of the scheduler's gauges reads now.
      expect(['runs_presumed_lost', 'lost_retries', 'running_jobs', 'queued_jobs', 'stale_telemetry'].map((g) => driver.gauge(g))).toEqual([1, 1, 2, 0, 0]);

      // The lost run reports after all while its retry runs: it settles nothing, the retry holds its room.
      driver.pipeInput('predictions', { key: 'x', value: sized('next', 1500, T0 + 500_100) });
      finish(driver, 'lost', T0 + 66_002, 1);
      expect(driver.readOutput('dispatches')).toEqual([]);
      expect(runOf(driver, 'lost')?.job?.attempt).toBe(2);
      expect(driver.store('sequence').get(STALE_TELEMETRY_KEY)).toBe(1);
      // The retry's own telemetry settles it.
      finish(driver, 'lost', T0 + 67_000, 2);
      expect(ids(driver.readOutput('dispatches'))).toEqual(['next']);
      expect(runOf(driver, 'lost')).toBeUndefined();
    });

    it('takes back a queued retry when the run presumed lost reports after all, unless the run never started', () => {
      for (const [exitStatus, withdrawn] of [['OK', true], ['NOT_RUN', false]] as const) {
        const { driver } = leased();
        // A free-tier run lost, two enterprise jobs waiting: when its room frees, they go first and its retry waits.
        driver.pipeInput('predictions', { key: 'x', value: { ...sized('lost', 1500, T0), tier: 'FREE' } });
        driver.pipeInput('predictions', { key: 'x', value: sized('other', 1500, T0 + 50) });
        for (const id of ['ent-1', 'ent-2']) driver.pipeInput('predictions', { key: 'x', value: { ...sized(id, 1500, T0 + 100), tier: 'ENTERPRISE' } });
        finish(driver, 'other', T0 + 66_001);
        expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['lost', 1], ['other', 1], ['ent-1', 1], ['ent-2', 1]]);
        expect(driver.store('queue').get('lost')?.attempt).toBe(2);
        driver.pipeInput('telemetry', {
          key: 'user-lost',
          value: telemetry({ requestId: 'lost', userId: 'user-lost', startedAt: new Date(T0 + 60_000), endedAt: new Date(T0 + 66_002), cpuMs: 100, exitStatus, attempt: 1 }),
        });
        expect(driver.store('queue').get('lost') === undefined).toBe(withdrawn);
        expect(driver.store('sequence').get(RETRIES_WITHDRAWN_KEY)).toBe(withdrawn ? 1 : undefined);
        finish(driver, 'ent-1', T0 + 67_000);
        expect(ids(driver.readOutput('dispatches'))).toEqual(withdrawn ? [] : ['lost']);
      }
    });

    it('is found lost by the pool\'s samples when no telemetry comes at all, a grace later than by telemetry', () => {
      const { driver } = leased();
      // Both runs fill the task's instance, and both go silent: no telemetry moves the task's clock.
      for (const [id, atMs] of [['a', T0], ['b', T0 + 50]] as const) driver.pipeInput('predictions', { key: 'x', value: sized(id, 1500, atMs) });
      driver.pipeInput('predictions', { key: 'x', value: sized('waiting', 1500, T0 + 100) });
      expect(ids(driver.readOutput('dispatches'))).toEqual(['a', 'b']);
      const sampled = (atMs: number) => ({ ...shareSample('pool', 1, atMs), sampledAt: new Date(atMs) });
      // Leases end at T0 + 66 s; a sample there, or within one more grace, frees nothing.
      driver.pipeInput('fleet', { key: 'pool', value: sampled(T0 + 126_000) });
      expect(driver.readOutput('dispatches')).toEqual([]);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBeUndefined();
      // Past it, both are presumed lost: the waiting job and one retry take the room.
      driver.pipeInput('fleet', { key: 'pool', value: sampled(T0 + 126_100) });
      expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.attempt])).toEqual([['waiting', 1], ['a', 2]]);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBe(2);
      expect(driver.store('queue').get('b')?.attempt).toBe(2);
      // A share from a broadcaster without samples' times moves nothing.
      driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 1, T0 + 900_000) });
      expect(runOf(driver, 'a')).toBeDefined();
    });

    it('is not run again when the queue holds its limit: the retry is refused, the run\'s end still counts', () => {
      for (const lost of [false, true]) {
        const { driver } = scheduler(setup(), { runLeaseGraceMs: 60_000, maxQueue: 1 });
        // 'a' runs, 'b' fills the queue.
        for (const [id, atMs] of [['a', T0], ['b', T0 + 50]] as const) driver.pipeInput('predictions', { key: 'x', value: prediction(id, 'STANDARD', 5, atMs) });
        expect(ids(driver.readOutput('dispatches'))).toEqual(['a']);
        if (lost) {
          // Another task's run reports past a's lease: a is lost, its retry finds the queue full.
          driver.pipeInput('telemetry', { key: 'u', value: telemetry({ requestId: 'elsewhere', userId: 'u', startedAt: new Date(T0), endedAt: new Date(T0 + 70_000), cpuMs: 1 }) });
        } else {
          driver.pipeInput('telemetry', {
            key: 'user-a', value: telemetry({ requestId: 'a', userId: 'user-a', startedAt: new Date(T0), endedAt: new Date(T0 + 1000), cpuMs: 400, exitStatus: 'OOM' }),
          });
        }
        expect(driver.readDeadLetters()).toEqual([]);
        expect(driver.store('sequence').get(RETRIES_REFUSED_KEY)).toBe(1);
        expect(ids(driver.readOutput('dispatches'))).toEqual(['b']);
        expect(driver.store('queue').size).toBe(0);
      }
    });

    it('is not run again once its attempts are spent', () => {
      const { driver } = scheduler(setup(), { runLeaseGraceMs: 60_000, maxAttempts: 1 });
      driver.pipeInput('predictions', { key: 'x', value: sized('lost', 1500, T0) });
      driver.pipeInput('predictions', { key: 'x', value: sized('other', 1500, T0 + 50) });
      finish(driver, 'other', T0 + 66_001);
      expect(ids(driver.readOutput('dispatches'))).toEqual(['lost', 'other']);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBe(1);
      expect(driver.store('sequence').get(LOST_RETRIES_KEY)).toBeUndefined();
      expect(runCount(driver)).toBe(0);
      expect(driver.store('queue').size).toBe(0);
    });

    it('is settled by its own telemetry stamped past the lease: a late run is not counted lost', () => {
      const { driver } = leased();
      driver.pipeInput('predictions', { key: 'x', value: prediction('slow', 'STANDARD', 5) });
      finish(driver, 'slow', T0 + 70_000);
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBeUndefined();
      expect(runCount(driver)).toBe(0);
    });

    it('counts from the pool\'s time when the dispatch is stamped before it: a task catching up does not expire what it just dispatched', () => {
      const { driver } = leased();
      driver.pipeInput('predictions', { key: 'x', value: prediction('first', 'STANDARD', 5) });
      finish(driver, 'first', T0 + 500_000); // the pool is at T0 + 500 s
      driver.pipeInput('predictions', { key: 'x', value: prediction('behind', 'STANDARD', 5, T0 + 1000) });
      expect(runOf(driver, 'behind')?.leaseFromMs).toBe(T0 + 500_000);
      driver.pipeInput('telemetry', { key: 'u', value: telemetry({ requestId: 'elsewhere', userId: 'u', startedAt: new Date(T0 + 500_000), endedAt: new Date(T0 + 510_000), cpuMs: 1 }) });
      expect(runOf(driver, 'behind')).toBeDefined();
      driver.pipeInput('telemetry', { key: 'u', value: telemetry({ requestId: 'elsewhere', userId: 'u', startedAt: new Date(T0 + 500_000), endedAt: new Date(T0 + 566_001), cpuMs: 1 }) });
      // Presumed lost: what runs now is its retry, leased from the pool's time.
      expect(runOf(driver, 'behind')).toMatchObject({ job: { attempt: 2 }, leaseFromMs: T0 + 566_001 });
    });

    it('keeps its lease and the pool\'s time across a rebuild from the stores, and a retried run keeps its own, newer lease', () => {
      const { driver } = leased();
      driver.pipeInput('predictions', { key: 'x', value: sized('a', 1000, T0) });
      // Out of memory after 1 s: queued again with twice the memory and dispatched at once, under a lease from T0 + 1 s.
      driver.pipeInput('telemetry', {
        key: 'user-a',
        value: telemetry({ requestId: 'a', userId: 'user-a', startedAt: new Date(T0), endedAt: new Date(T0 + 1000), cpuMs: 400, exitStatus: 'OOM' }),
      });
      expect(ids(driver.readOutput('dispatches'))).toEqual(['a', 'a']);
      expect(runOf(driver, 'a')).toMatchObject({ leaseFromMs: T0 + 1000, job: { attempt: 2 } });
      // The first run's lease (until T0 + 66 s) is stale: the retry runs on.
      driver.reopenTask();
      driver.pipeInput('predictions', { key: 'x', value: sized('b', 500, T0 + 2000) });
      finish(driver, 'b', T0 + 66_500);
      expect(runOf(driver, 'a')).toBeDefined();
      driver.reopenTask();
      // A rebuilt task knows the pool's time: telemetry stamped before it does not turn it back.
      driver.pipeInput('telemetry', { key: 'u', value: telemetry({ requestId: 'elsewhere', userId: 'u', startedAt: new Date(T0), endedAt: new Date(T0 + 100), cpuMs: 1 }) });
      driver.pipeInput('predictions', { key: 'x', value: sized('c', 500, T0 + 3000) });
      expect(runOf(driver, 'c')?.leaseFromMs).toBe(T0 + 66_500);
      finish(driver, 'c', T0 + 67_001);
      expect(runOf(driver, 'a')).toMatchObject({ job: { attempt: 3 }, leaseFromMs: T0 + 67_001 });
      expect(driver.store('sequence').get(LEASES_EXPIRED_KEY)).toBe(1);
    });

    it('refuses a grace that is negative or not a number', () => {
      const { topics } = setup();
      expect(() => schedulerProcessor({ topics, capacity, runLeaseGraceMs: -1 })).toThrow(ConfigError);
      expect(() => schedulerProcessor({ topics, capacity, runLeaseGraceMs: Number.NaN })).toThrow(ConfigError);
    });
  });

  it('keeps queued jobs across a crash: a task restored from its changelogs dispatches them in order', () => {
    const env = setup();
    const { driver: before } = scheduler(env);
    before.pipeInput('predictions', { key: 'x', value: prediction('running', 'STANDARD', 5) });
    before.pipeInput('predictions', { key: 'x', value: prediction('low', 'FREE', 1, T0 + 1) });
    before.pipeInput('predictions', { key: 'x', value: prediction('high', 'ENTERPRISE', 1, T0 + 2) });
    before.readOutput('dispatches');

    // A new task on another instance: its stores are what the changelogs hold (serde round trip).
    const { driver: after } = scheduler(env);
    const copy = <V>(name: 'queue' | 'dispatched' | 'sequence', serde: { serialize(v: V): Buffer; deserialize(b: Buffer): V }) => {
      for (const [k, v] of (before.store(name) as unknown as { entries(): Iterable<[string, V]> }).entries()) {
        (after.store(name) as unknown as { put(k: string, v: V): void }).put(k, serde.deserialize(serde.serialize(v)));
      }
    };
    copy('queue', jsonSerde<QueuedEntry>());
    copy('dispatched', jsonSerde<DispatchedEntry>());
    copy('sequence', numberSerde);

    after.pipeInput('predictions', { key: 'x', value: prediction('later', 'FREE', 1, T0 + 3) });
    expect(after.readOutput('dispatches')).toEqual([]);
    finish(after, 'running', T0 + 2000);
    finish(after, 'high', T0 + 4000);
    finish(after, 'low', T0 + 6000);
    expect(after.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['high', 'low', 'later']);
    expect(after.store('sequence').get('next')).toBe(4);
  });

  it('runs a job whose deadline nears ahead of earlier ones of its tier, says why, and keeps its deadline across a crash', () => {
    const env = setup();
    const { driver: before } = scheduler(env);
    before.pipeInput('predictions', { key: 'x', value: prediction('running', 'STANDARD', 5) });
    before.pipeInput('predictions', { key: 'x', value: prediction('early', 'STANDARD', 5, T0 + 1) });
    // Predicted p90 1.5 s: to finish by T0 + 62 s it must start within a minute, inside the 10-minute horizon.
    before.pipeInput('predictions', { key: 'x', value: { ...prediction('urgent', 'STANDARD', 5, T0 + 2), deadline: new Date(T0 + 62_000) } });
    before.pipeInput('predictions', { key: 'x', value: { ...prediction('relaxed', 'STANDARD', 5, T0 + 3), deadline: new Date(T0 + 3_600_000) } });
    before.readOutput('dispatches');

    const { driver: after } = scheduler(env);
    const copy = <V>(name: 'queue' | 'dispatched' | 'sequence', serde: { serialize(v: V): Buffer; deserialize(b: Buffer): V }) => {
      for (const [k, v] of (before.store(name) as unknown as { entries(): Iterable<[string, V]> }).entries()) {
        (after.store(name) as unknown as { put(k: string, v: V): void }).put(k, serde.deserialize(serde.serialize(v)));
      }
    };
    copy('queue', queuedEntrySerde);
    copy('dispatched', dispatchedEntrySerde);
    copy('sequence', numberSerde);
    finish(after, 'running', T0 + 2000);
    finish(after, 'urgent', T0 + 4000);
    finish(after, 'early', T0 + 6000);
    const out = after.readOutput('dispatches').map((d) => d.value!);
    expect(out.map((d) => d.requestId)).toEqual(['urgent', 'early', 'relaxed']);
    const urgent = out[0]!.priority;
    // 2 s in, it must start within 62 - 2 - 1.5 = 58.5 s: 1 - 58.5 / 600 of the weight 0.5.
    expect(urgent.deadlineUrgency).toBeCloseTo(0.5 * (1 - 58.5 / 600), 9);
    expect(urgent.explanation).toContain('deadline 0.451 (latest start in 59 s)');
    expect(urgent.base + urgent.aging + urgent.size + urgent.deadlineUrgency).toBeCloseTo(out[0]!.priorityScore, 9);
    expect(out[2]!.priority.deadlineUrgency).toBe(0); // an hour of slack
    expect(out[1]!.priority.explanation).not.toContain('deadline');
  });

  it('rebuilds its model when the runtime reopens the task: after an abort the stores, not memory, say what is queued', () => {
    const { driver } = scheduler(setup());
    driver.pipeInput('predictions', { key: 'x', value: prediction('running', 'STANDARD', 5) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('low', 'FREE', 1, T0 + 1) });
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['running']);
    // The transaction that queued 'low' aborts: the restored queue never had it.
    driver.store('queue').delete('low');
    driver.reopenTask();
    finish(driver, 'running', T0 + 2000);
    expect(driver.readOutput('dispatches')).toEqual([]);
  });

  it('keeps each user\'s fair share in a store: after a rebuild from the changelogs a heavy user still yields to a light one', () => {
    const ofUser = (requestId: string, userId: string, atMs: number) => ({ ...prediction(requestId, 'STANDARD', 5, atMs), userId });
    const env = setup();
    const { driver: before } = scheduler(env);
    before.pipeInput('predictions', { key: 'heavy', value: ofUser('h1', 'heavy', T0) });
    // Same tier, priority and arrival: only fair share ranks light's job above heavy's earlier one.
    before.pipeInput('predictions', { key: 'heavy', value: ofUser('h2', 'heavy', T0 + 100) });
    before.pipeInput('predictions', { key: 'light', value: ofUser('l1', 'light', T0 + 100) });
    expect(before.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['h1']);
    expect(before.store('users').get('heavy')!.usage).toBeCloseTo(1); // one core for its predicted p50 of 1 s

    const restored = (stores: readonly ('queue' | 'dispatched' | 'sequence' | 'fleet' | 'users')[]) => {
      const { driver } = scheduler(env); // a new processor instance: nothing in memory
      for (const name of stores) {
        const serde = name === 'sequence' ? numberSerde : jsonSerde<unknown>();
        for (const [k, v] of (before.store(name) as unknown as { entries(): Iterable<[string, unknown]> }).entries()) {
          (driver.store(name) as unknown as { put(k: string, v: unknown): void }).put(k, serde.deserialize(serde.serialize(v as never)));
        }
      }
      driver.pipeInput('telemetry', { key: 'heavy', value: telemetry({ requestId: 'h1', userId: 'heavy', startedAt: new Date(T0 + 1000), endedAt: new Date(T0 + 2000) }) });
      return driver.readOutput('dispatches').map((d) => d.value!.requestId);
    };
    expect(restored(['queue', 'dispatched', 'sequence', 'fleet', 'users'])).toEqual(['l1']);
    // Without the users store the rebuilt model has forgotten heavy's usage: FIFO puts h2 first.
    expect(restored(['queue', 'dispatched', 'sequence', 'fleet'])).toEqual(['h2']);
  });

  it('settles a finished job\'s real usage with its user and remembers an underestimate', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('slow', 'STANDARD', 5) });
    // Predicted p50 1 s, p90 1.5 s; it ran 6 s: 5 core-seconds more, and a 4x underestimate.
    driver.pipeInput('telemetry', { key: 'x', value: telemetry({ requestId: 'slow', userId: 'user-slow', startedAt: new Date(T0), endedAt: new Date(T0 + 6000) }) });
    const state = driver.store('users').get('user-slow')!;
    expect(state.usage).toBeCloseTo(1 * 0.5 ** (6 / 3600) + 5, 6); // the dispatch charge has decayed for 6 s (half-life 1 h)
    expect(state.inflationExcess).toBeCloseTo(3);
  });

  it('settles a run from an entry an older scheduler wrote (what it charged, no job, in its own store)', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('slow', 'STANDARD', 5) });
    const { atMs, seq, job, instanceId, cores, memoryBytes } = driver.store('dispatched').get('slow')!;
    const remembered = { atMs, seq };
    driver.store('dispatched').put('slow', remembered);
    driver.store('running').put('slow', {
      instanceId: instanceId!, cores: cores!, memoryBytes: memoryBytes!,
      charged: { userId: job!.userId, cores: job!.cores, durationP50Ms: job!.durationP50Ms, durationP90Ms: job!.durationP90Ms },
    });
    driver.reopenTask();
    driver.pipeInput('telemetry', { key: 'x', value: telemetry({ requestId: 'slow', userId: 'user-slow', startedAt: new Date(T0), endedAt: new Date(T0 + 6000) }) });
    expect(driver.store('users').get('user-slow')!.inflationExcess).toBeCloseTo(3);
    expect(driver.store('running').size).toBe(0);
    expect(driver.store('dispatched').get('slow')).toEqual(remembered);
  });

  it('moves the runs an older scheduler kept in a store of their own into their dispatched entries, leases and all', () => {
    const env = setup();
    const { driver: before } = scheduler(env);
    before.pipeInput('predictions', { key: 'x', value: prediction('kept', 'STANDARD', 5) });
    before.readOutput('dispatches');
    // As the older layout logged it: the id in `dispatched`, the run in `running`; and a run whose id it had forgotten.
    const { driver: after } = scheduler(env);
    const { atMs, seq, ...fields } = before.store('dispatched').get('kept')!;
    const remembered = { atMs, seq };
    const run = fields as RunningEntry;
    after.store('dispatched').put('kept', remembered);
    after.store('running').put('kept', run);
    after.store('running').put('unremembered', { ...run, job: { ...run.job!, requestId: 'unremembered', userId: 'user-unremembered' } });
    after.pipeInput('predictions', { key: 'x', value: prediction('kept', 'STANDARD', 5, T0 + 1000) }); // a resend: the run still holds it
    expect(after.readOutput('dispatches')).toEqual([]);
    expect(after.store('running').size).toBe(0);
    expect(after.store('dispatched').get('kept')).toEqual({ ...remembered, ...run });
    expect(after.store('dispatched').get('unremembered')).toMatchObject({ forgotten: true, job: { requestId: 'unremembered' } });
    expect(runCount(after)).toBe(2);
    finish(after, 'kept', T0 + 2000);
    finish(after, 'unremembered', T0 + 2500);
    expect(after.store('dispatched').get('kept')).toEqual(remembered);
    expect(after.store('dispatched').get('unremembered')).toBeUndefined();
    expect(runCount(after)).toBe(0);
  });

  it('keeps its in-memory model per task: two tasks of one partition (an old and a new owner) do not share it', () => {
    const { topics, clock } = setup();
    const processor = schedulerProcessor({ topics, capacity });
    const a = new ProcessorTestDriver(processor, { clock });
    const b = new ProcessorTestDriver(processor, { clock });
    a.pipeInput('predictions', { key: 'x', value: prediction('a1', 'STANDARD', 5) });
    b.pipeInput('predictions', { key: 'x', value: prediction('b1', 'STANDARD', 5) });
    a.pipeInput('predictions', { key: 'x', value: prediction('a2', 'STANDARD', 5, T0 + 1) });
    expect(a.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a1']);
    expect(b.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['b1']);
    expect([...a.store('queue').entries()].map(([id]) => id)).toEqual(['a2']);
    finish(b, 'b1', T0 + 2000);
    expect(b.readOutput('dispatches')).toEqual([]); // a2 is a's, not b's
    finish(a, 'a1', T0 + 2000);
    expect(a.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a2']);
  });

  it('dead-letters a prediction beyond the queue bound and carries on from its stores', () => {
    const { topics, clock } = setup();
    const driver = new ProcessorTestDriver(schedulerProcessor({ topics, capacity, maxQueue: 1 }), { clock });
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + 1) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('c', 'STANDARD', 5, T0 + 2) });
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual([expect.stringContaining('holds its limit of 1 jobs; c not admitted')]);
    finish(driver, 'a', T0 + 1000);
    finish(driver, 'b', T0 + 2000);
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a', 'b']);
    expect(driver.store('queue').size).toBe(0);
  });

  it('does not let small jobs overtake a wide one for ever: past the ageing cap they wait until it has started', () => {
    // The runs here outlast their 6 s timeouts by half an hour: a lease that long keeps them running.
    const { driver, clock } = scheduler(setup(), { runLeaseGraceMs: 3_600_000 });
    driver.pipeInput('predictions', { key: 'x', value: sized('small-1', 1024, T0) });
    driver.pipeInput('predictions', { key: 'x', value: sized('wide', 4096, T0 + 10) });
    driver.pipeInput('predictions', { key: 'x', value: sized('small-2', 1024, T0 + 20) });
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['small-1', 'small-2']);
    // Half an hour later the wide job has waited the ageing cap: a fresh small job no longer jumps it.
    clock.set(T0 + 2_000_000);
    driver.pipeInput('predictions', { key: 'x', value: sized('small-3', 1024, T0 + 1_801_000) });
    expect(driver.readOutput('dispatches')).toEqual([]);
    finish(driver, 'small-1', T0 + 1_802_000);
    expect(driver.readOutput('dispatches')).toEqual([]); // small-2 still holds 1 GiB of the 4
    finish(driver, 'small-2', T0 + 1_803_000);
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['wide']);
    finish(driver, 'wide', T0 + 1_900_000);
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['small-3']);
  });

  it('holds one bin for a wide job past the ageing cap, where it lacks the least room when every run is overdue, and lets smaller jobs start on the others', () => {
    // The runs here outlast their predictions (1.5 s) and timeouts (6 s): none is expected to end
    // before another, so the bins tie on the wide job's expected start.
    const { driver, clock } = scheduler(setup(), { runLeaseGraceMs: 3_600_000 });
    // Two instances of 4 GiB for this task; each job reserves its memory plus 15%.
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
    driver.pipeInput('predictions', { key: 'x', value: sized('three-a', 2600, T0 + 10) });
    driver.pipeInput('predictions', { key: 'x', value: sized('three-b', 2600, T0 + 20) });
    driver.pipeInput('predictions', { key: 'x', value: sized('one-a', 800, T0 + 30) });
    driver.pipeInput('predictions', { key: 'x', value: sized('wide', 3500, T0 + 40) });
    const placed = new Map(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId]));
    expect(placed).toEqual(new Map([['three-a', 'pool-t0-0'], ['three-b', 'pool-t0-1'], ['one-a', 'pool-t0-0']]));
    // Past the ageing cap: the wide job lacks less room on pool-t0-1 (2.9 GiB) than on pool-t0-0 (3.7), so pool-t0-1 is held for it.
    clock.set(T0 + 2_000_000);
    driver.pipeInput('predictions', { key: 'x', value: sized('one-b', 800, T0 + 1_801_000) });
    expect(driver.readOutput('dispatches')).toEqual([]);
    // three-a ends: the wide job now lacks least on pool-t0-0, which is held instead, and one-b starts on pool-t0-1.
    finish(driver, 'three-a', T0 + 1_802_000);
    expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId])).toEqual([['one-b', 'pool-t0-1']]);
    // A smaller job does not take the held room...
    driver.pipeInput('predictions', { key: 'x', value: sized('two', 1000, T0 + 1_803_000) });
    expect(driver.readOutput('dispatches')).toEqual([]);
    // ...which the wide job gets when one-a ends.
    finish(driver, 'one-a', T0 + 1_804_000);
    expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId])).toEqual([['wide', 'pool-t0-0']]);
  });

  describe('holding a bin for a wide job past the ageing cap, as EASY backfilling does', () => {
    // Timeouts of three times the p99 (up to 10 h here) and a long lease grace: the runs below end when told to.
    const easy = () => scheduler(setup(), { capacity: { ...capacity, maxTimeoutMs: 36_000_000 }, runLeaseGraceMs: 3_600_000 });
    /** `sized`, expected to run `p90Ms` (the p50 two thirds of it, the p99 twice the p50). */
    const lasting = (id: string, memoryMiB: number, atMs: number, p90Ms: number): PredictedDemand => {
      const p50 = p90Ms / 1.5;
      return { ...sized(id, memoryMiB, atMs), durationMs: { p50, p90: p90Ms, p99: 2 * p50 } };
    };
    const placed = (driver: ReturnType<typeof scheduler>['driver']) => driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId]);
    const MIN = 60_000;

    it('lets a smaller job start on the held bin when its timeout ends before the wide job is expected to start, or it fits in what the wide job leaves spare', () => {
      const { driver, clock } = easy();
      driver.pipeInput('predictions', { key: 'x', value: lasting('a', 2000, T0, 40 * MIN) }); // 2,300 MiB of the 4,096
      driver.pipeInput('predictions', { key: 'x', value: lasting('wide', 3500, T0 + 10, 10 * MIN) }); // 4,025 MiB: from T0 + 40 min, 71 MiB spare
      expect(placed(driver)).toEqual([['a', 'pool-t0-0']]);
      clock.set(T0 + 2_000_000);
      // A p90 of 2 minutes, a timeout of 8 (three times the p99): killed by T0 + 38 min at the latest.
      driver.pipeInput('predictions', { key: 'x', value: lasting('quick', 500, T0 + 1_801_000, 2 * MIN) });
      expect(placed(driver)).toEqual([['quick', 'pool-t0-0']]);
      // A p90 of 5 minutes: its 20-minute timeout could delay the wide job. It waits, though it fits now.
      driver.pipeInput('predictions', { key: 'x', value: lasting('slow', 500, T0 + 1_802_000, 5 * MIN) });
      expect(placed(driver)).toEqual([]);
      // 64 MiB (the least reserved) fits in the 71 MiB the wide job leaves spare, however long it runs; a second does not.
      driver.pipeInput('predictions', { key: 'x', value: lasting('tiny-1', 50, T0 + 1_803_000, 60 * MIN) });
      driver.pipeInput('predictions', { key: 'x', value: lasting('tiny-2', 50, T0 + 1_804_000, 60 * MIN) });
      expect(placed(driver)).toEqual([['tiny-1', 'pool-t0-0']]);
      finish(driver, 'quick', T0 + 33 * MIN);
      expect(placed(driver)).toEqual([]);
      // 'a' ends as predicted: the wide job starts then, as reserved.
      finish(driver, 'a', T0 + 40 * MIN);
      expect(placed(driver)).toEqual([['wide', 'pool-t0-0']]);
    });

    it('holds a bin for a wide job that fits on no single bin, though one has its cores and another its memory', () => {
      const { driver, clock } = scheduler(setup(), { capacity: { ...capacity, maxTimeoutMs: 360_000_000 }, runLeaseGraceMs: 3_600_000 });
      /** A STANDARD job reserving `cores` and `memoryMiB` (plus 15%), predicted to run `ms` (p50 = p90 = p99). */
      const shaped = (id: string, cores: number, memoryMiB: number, atMs: number, ms: number): PredictedDemand => {
        const q = (x: number) => ({ p50: x, p90: x, p99: x });
        return { ...prediction(id, 'STANDARD', 5, atMs), cpuMs: q(cores * ms), peakMemoryBytes: q(memoryMiB * MIB), durationMs: q(ms) };
      };
      driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
      driver.pipeInput('predictions', { key: 'x', value: shaped('hog', 0.1, 3500, T0, 10 * 3_600_000) }); // 0.9 cores and 71 MiB left on pool-t0-0
      driver.pipeInput('predictions', { key: 'x', value: shaped('f1', 0.3, 100, T0 + 1, 1_900_000 - 1) }); // three of 0.3 cores and 115 MiB:
      driver.pipeInput('predictions', { key: 'x', value: shaped('f2', 0.3, 100, T0 + 2, 1_960_000 - 2) }); // 0.1 cores and 3.7 GiB left on pool-t0-1
      driver.pipeInput('predictions', { key: 'x', value: shaped('f3', 0.3, 100, T0 + 3, 2_020_000 - 3) });
      // 0.5 cores and 1,150 MiB: pool-t0-0 has the cores, pool-t0-1 the memory, neither both.
      driver.pipeInput('predictions', { key: 'x', value: shaped('wide', 0.5, 1000, T0 + 10, 100_000) });
      expect(placed(driver)).toEqual([['hog', 'pool-t0-0'], ['f1', 'pool-t0-1'], ['f2', 'pool-t0-1'], ['f3', 'pool-t0-1']]);
      // Past the ageing cap a small job arrives as f1 ends: the room f1 leaves is held for the wide
      // job (it lacks only a tenth of a core there once f2 ends too), not filled again.
      clock.set(T0 + 10 * 3_600_000);
      driver.pipeInput('predictions', { key: 'x', value: shaped('late', 0.3, 100, T0 + 1_900_000, 180_000) });
      finish(driver, 'f1', T0 + 1_900_000);
      expect(placed(driver)).toEqual([]);
      finish(driver, 'f2', T0 + 1_960_000);
      expect(placed(driver)).toEqual([['wide', 'pool-t0-1']]);
      finish(driver, 'f3', T0 + 2_020_000);
      expect(placed(driver)).toEqual([['late', 'pool-t0-1']]);
    });

    /** A full pass at `atMs`: telemetry of a run the task never dispatched (it frees no room). */
    const passAt = (driver: Driver, atMs: number) =>
      driver.pipeInput('telemetry', { key: 'u', value: telemetry({ requestId: 'nobody', userId: 'u', startedAt: new Date(atMs - 1000), endedAt: new Date(atMs) }) });

    it.each([['live', false], ['rebuilt from its stores', true]])('protects a wide job from the first arrival after it reached the ageing cap, less than a minute after a full pass (%s)', (_, rebuilt) => {
      const { driver, clock } = easy();
      driver.pipeInput('predictions', { key: 'x', value: lasting('a', 2000, T0, 40 * MIN) }); // 2,300 MiB of the 4,096
      driver.pipeInput('predictions', { key: 'x', value: lasting('wide', 3500, T0 + 10, 10 * MIN) }); // 4,025 MiB: waits, capped from T0 + 1,810 s
      expect(placed(driver)).toEqual([['a', 'pool-t0-0']]);
      clock.set(T0 + 10 * 3_600_000);
      passAt(driver, T0 + 1_790_000); // 20 s before the wide job reaches the cap: nothing held yet
      if (rebuilt) driver.reopenTask();
      // 30 s on, past the cap: an hour-long job would delay the wide job's start, so it waits.
      driver.pipeInput('predictions', { key: 'x', value: lasting('hour', 500, T0 + 1_820_000, 60 * MIN) });
      expect(placed(driver)).toEqual([]);
      finish(driver, 'a', T0 + 40 * MIN);
      expect(placed(driver)).toEqual([['wide', 'pool-t0-0']]);
    });

    it('places an arrival in a task rebuilt from its stores by the last full pass\'s hold, as the live task does, not by a pass of its own', () => {
      const outcomes = [false, true].map((rebuilt) => {
        const { driver, clock } = easy();
        driver.pipeInput('predictions', { key: 'x', value: lasting('a', 2000, T0, 40 * MIN) }); // p90 40 min, timeout 160 min
        driver.pipeInput('predictions', { key: 'x', value: lasting('wide', 3500, T0 + 10, 10 * MIN) });
        expect(placed(driver)).toEqual([['a', 'pool-t0-0']]);
        clock.set(T0 + 10 * 3_600_000);
        // Held for the wide job: pool-t0-0, expected to have room when a's p90 ends, at T0 + 40 min.
        passAt(driver, T0 + 2_350_000);
        if (rebuilt) driver.reopenTask();
        // 55 s on, a's p90 has passed: a pass now would expect it to end only by its timeout, and
        // let a job killed long before that onto the held bin. The live task keeps its pass's hold.
        driver.pipeInput('predictions', { key: 'x', value: lasting('mid', 500, T0 + 2_405_000, 2 * MIN) });
        return placed(driver);
      });
      expect(outcomes).toEqual([[], []]);
    });

    it('keeps the hold where it is, across a rebuild, when a job let onto the held bin makes it look further from fitting than another', () => {
      const { driver, clock } = easy();
      driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
      driver.pipeInput('predictions', { key: 'x', value: lasting('a0', 2000, T0, 40 * MIN) }); // 2,300 MiB on pool-t0-0
      // A whole core and 2,185 MiB on pool-t0-1: the wide job lacks 0.1 of a core and 2,114 MiB there.
      const coreHeavy = lasting('a1', 1900, T0 + 10, 40 * MIN);
      driver.pipeInput('predictions', { key: 'x', value: { ...coreHeavy, cpuMs: coreHeavy.durationMs } });
      driver.pipeInput('predictions', { key: 'x', value: lasting('wide', 3500, T0 + 20, 10 * MIN) }); // 4,025 MiB, 0.1 cores
      expect(placed(driver)).toEqual([['a0', 'pool-t0-0'], ['a1', 'pool-t0-1']]);
      clock.set(T0 + 2_000_000);
      // pool-t0-0 is held (it lacks 2,229 MiB, pool-t0-1 the core's tenth and 2,114 MiB); quick has no core on pool-t0-1 and is let in.
      driver.pipeInput('predictions', { key: 'x', value: lasting('quick', 500, T0 + 1_801_000, 2 * MIN) });
      expect(placed(driver)).toEqual([['quick', 'pool-t0-0']]);
      expect(runOf(driver, 'quick')?.backfilledFor).toBe('wide');
      // A minute on, a full pass of a task rebuilt from its stores: with quick's 575 MiB counted,
      // pool-t0-0 would look further off than pool-t0-1, and the hold would move, letting this
      // hour-long job onto pool-t0-0.
      driver.reopenTask();
      driver.pipeInput('predictions', { key: 'x', value: lasting('hour', 1000, T0 + 1_862_000, 60 * MIN) });
      expect(placed(driver)).toEqual([]);
      finish(driver, 'quick', T0 + 33 * MIN);
      finish(driver, 'a0', T0 + 40 * MIN);
      expect(placed(driver)).toEqual([['wide', 'pool-t0-0']]);
    });
  });

  it('follows its share of the fleet: a larger share lets queued jobs run, other pools and older shares change nothing', () => {
    const { driver } = scheduler();
    driver.pipeInput('predictions', { key: 'x', value: prediction('a', 'STANDARD', 5) });
    driver.pipeInput('predictions', { key: 'x', value: prediction('b', 'STANDARD', 5, T0 + 10) });
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a']);
    driver.pipeInput('fleet', { key: 'other', value: shareSample('other', 12, T0 + 20) });
    expect(driver.readOutput('dispatches')).toEqual([]);
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0 + 30) });
    const [b] = driver.readOutput('dispatches').map((d) => d.value!);
    expect(b).toMatchObject({ requestId: 'b', instanceId: 'pool-t0-1' });
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 1, T0 + 25) });
    expect(driver.store('fleet').get('pool')).toEqual({ instancesRunning: 12, shareInstances: 2, atMs: T0 + 30 });
  });

  it('keeps a running job\'s reservation when its share shrinks under it: nothing more starts until it ends', () => {
    const { driver } = scheduler();
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
    for (const id of ['a', 'b', 'c']) driver.pipeInput('predictions', { key: 'x', value: prediction(id, 'STANDARD', 5, T0 + 10) });
    expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId])).toEqual([['a', 'pool-t0-0'], ['b', 'pool-t0-1']]);
    // Down to one instance: b's job on pool-t0-1 still holds a core, charged to what is left.
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 1, T0 + 20) });
    finish(driver, 'a', T0 + 1000);
    expect(driver.readOutput('dispatches')).toEqual([]);
    finish(driver, 'b', T0 + 2000);
    expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId])).toEqual([['c', 'pool-t0-0']]);
  });

  it('starts a job on the room a share shrunk to a fraction still has, past a bin its running jobs overfill', () => {
    const { driver } = scheduler();
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 2, T0) });
    for (const id of ['a', 'b', 'c']) driver.pipeInput('predictions', { key: 'x', value: prediction(id, 'STANDARD', 5, T0 + 10) });
    expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a', 'b']);
    // 1.5 instances: b's core now overfills the half-instance bin; a's end frees the whole one.
    driver.pipeInput('fleet', { key: 'pool', value: shareSample('pool', 1.5, T0 + 20) });
    finish(driver, 'a', T0 + 1000);
    expect(driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.instanceId])).toEqual([['c', 'pool-t0-0']]);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('divides its share into bins: whole instances, then the fraction left', () => {
    const c = checkSchedulerPool({ ...capacity, instanceCores: 8, tasks: 6 });
    expect(taskBins(0, 3, c).map((b) => [b.id, b.freeCores])).toEqual([['pool-t0-0', 8], ['pool-t0-1', 8], ['pool-t0-2', 8]]);
    expect(taskBins(5, 2.5, c).map((b) => [b.id, b.freeCores, b.freeMemory])).toEqual([['pool-t5-0', 8, 4 * GIB], ['pool-t5-1', 8, 4 * GIB], ['pool-t5-2', 4, 2 * GIB]]);
    expect(taskBins(1, 0.25, c).map((b) => [b.id, b.freeCores])).toEqual([['pool-t1-0', 2]]);
    expect(taskBins(3, 0, c)).toEqual([]);
    expect(taskBins(3, Number.NaN, c)).toEqual([]);
  });

  describe('forgetting users idle past the horizon', () => {
    // The processor's scheduler keeps the default half-lives, an hour each.
    const HORIZON_MS = FORGET_AFTER_HALF_LIVES * 3_600_000;
    const ofUser = (requestId: string, userId: string, atMs: number) => ({ ...prediction(requestId, 'STANDARD', 5, atMs), userId });
    const ended = (driver: Driver, requestId: string, userId: string, endMs: number, ranMs = 1000, exitStatus: 'OK' | 'NOT_RUN' = 'OK') =>
      driver.pipeInput('telemetry', { key: userId, value: telemetry({ requestId, userId, startedAt: new Date(endMs - ranMs), endedAt: new Date(endMs), exitStatus }) });
    const users = (driver: Driver) => [...driver.store('users').entries()].map(([user]) => user).sort();

    /**
     * On the task's one-core bin: 'idle' is charged at T0 (its run as predicted settles nothing
     * more), 'refunded' is refunded all it was charged (a run that never started) at T0 + 3.5 s,
     * 'waiter' runs by T0 + 3 s and queues a job behind 'runner's run, outstanding from T0 + 4 s
     * (its telemetry never comes). The clock then moves past the horizon, for the records after.
     */
    function idleAndBusy(driver: Driver, clock: ReturnType<typeof setup>['clock']): void {
      driver.pipeInput('predictions', { key: 'idle', value: ofUser('a', 'idle', T0) });
      ended(driver, 'a', 'idle', T0 + 1000);
      driver.pipeInput('predictions', { key: 'waiter', value: ofUser('b', 'waiter', T0 + 2000) });
      ended(driver, 'b', 'waiter', T0 + 3000);
      driver.pipeInput('predictions', { key: 'refunded', value: ofUser('n', 'refunded', T0 + 3100) });
      ended(driver, 'n', 'refunded', T0 + 3500, 0, 'NOT_RUN');
      driver.pipeInput('predictions', { key: 'runner', value: ofUser('r', 'runner', T0 + 4000) });
      driver.pipeInput('predictions', { key: 'waiter', value: ofUser('b2', 'waiter', T0 + 5000) });
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['a', 'b', 'n', 'r']);
      expect(driver.store('users').get('refunded')).toMatchObject({ usage: 0, usageAt: (T0 + 3500) / 1000 });
      clock.set(T0 + HORIZON_MS + 3_600_000);
    }

    it('deletes an idle user from its model and its users store, and keeps users with a job queued or a run outstanding until they are idle too', () => {
      const { driver, clock } = scheduler(setup(), { maxAttempts: 1 });
      idleAndBusy(driver, clock);
      expect(users(driver)).toEqual(['idle', 'refunded', 'runner', 'waiter']);
      // At the horizon from idle's last write nothing goes; a record past it forgets idle.
      driver.pipeInput('predictions', { key: 'late', value: ofUser('late-1', 'late', T0 + HORIZON_MS) });
      expect(users(driver)).toEqual(['idle', 'refunded', 'runner', 'waiter']);
      driver.pipeInput('predictions', { key: 'late', value: ofUser('late-2', 'late', T0 + 10_000 + HORIZON_MS) });
      // Everyone was written longer ago than that, but waiter has a job queued and runner a run outstanding.
      expect(users(driver)).toEqual(['runner', 'waiter']);
      // The pool's time passes runner's lease: its run is presumed lost (no retry), runner is idle,
      // and it goes with the next record. The freed room starts the job ranked first (FIFO: b2).
      ended(driver, 'elsewhere', 'late', T0 + 20_000 + HORIZON_MS);
      expect(driver.readOutput('dispatches').map((d) => d.value!.requestId)).toEqual(['b2']);
      expect(users(driver)).toEqual(['runner', 'waiter']);
      ended(driver, 'elsewhere', 'late', T0 + 21_000 + HORIZON_MS);
      expect(users(driver)).toEqual(['waiter']); // waiter: charged just now for b2, which runs
      // A forgotten user comes back as a new one.
      driver.pipeInput('predictions', { key: 'idle', value: ofUser('a2', 'idle', T0 + 22_000 + HORIZON_MS) });
      expect(driver.store('queue').get('a2')).toBeDefined();
    });

    it('forgets the same users, and dispatches the same jobs, in a task rebuilt from its stores as in the live one', () => {
      const outcomes = [false, true].map((rebuilt) => {
        const { driver, clock } = scheduler(setup(), { maxAttempts: 1 });
        const seen: unknown[] = [];
        const step = (record: () => void) => {
          if (rebuilt) driver.reopenTask();
          record();
          seen.push(users(driver), driver.readOutput('dispatches').map((d) => [d.value!.requestId, d.value!.priorityScore, d.value!.priority]));
        };
        idleAndBusy(driver, clock);
        step(() => driver.pipeInput('predictions', { key: 'late', value: ofUser('late-1', 'late', T0 + 10_000 + HORIZON_MS) }));
        step(() => ended(driver, 'elsewhere', 'late', T0 + 20_000 + HORIZON_MS));
        step(() => driver.pipeInput('predictions', { key: 'refunded', value: ofUser('n2', 'refunded', T0 + 21_000 + HORIZON_MS) }));
        step(() => ended(driver, 'b2', 'waiter', T0 + 22_000 + HORIZON_MS, 5000));
        step(() => ended(driver, 'late-1', 'late', T0 + 23_000 + HORIZON_MS));
        return seen;
      });
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[0]![0]).toEqual(['runner', 'waiter']); // idle and refunded forgotten
      expect(outcomes[0]![4]).toEqual(['waiter']); // runner forgotten the record after its run was presumed lost
    });
  });

  it('rejects a pool with no instances', () => {
    const { topics } = setup();
    expect(() => schedulerProcessor({ topics, capacity: { ...capacity, instances: 0 } })).toThrow(ConfigError);
  });
});

function shareSample(pool: string, shareInstances: number, atMs: number): FleetShare {
  return { pool, task: 0, at: new Date(atMs), instancesRunning: 12, shareInstances, demandInstances: 1 };
}
