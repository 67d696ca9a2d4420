import { KeyedMinHeap } from '../../models/scheduling/min-heap';
import { bestFit, partsThatFit, type Bin } from '../../models/scheduling/placement';
import { backfill, reserveFor, type Reservation, type RunningRoom } from '../../models/scheduling/reservation';
import { RecentRequests, type RecentRequestsOptions, type RememberedAt } from '../../models/scheduling/recent-requests';
import { byRank, Scheduler, scoredJob, type QueuedJob, type ScoredJob } from '../../models/scheduling/scheduler';
import { userKeyedPartitions } from '../../schemas/topics';
import type { ExecutionTelemetry, FleetShare, JobDispatch, PredictedDemand, UserTier } from '../../schemas/types.generated';
import { ConfigError } from '../runtime/errors';
import { silentLogger, type Logger } from '../runtime/logger';
import { numberSerde } from '../runtime/serde';
import { defineProcessor, type GaugeDef, keyValueStore, type ProcessorContext, type StoreDef } from '../runtime/topology';
import type { KeyValueStore } from '../runtime/store';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';
import { dispatchedEntrySerde, fleetEntrySerde, queuedEntrySerde, runningEntrySerde, userStateSerde } from './scheduler-state-serdes';

const MIB = 1024 * 1024;
/**
 * Memory is reserved at the p90 prediction plus 15%, Kubernetes VPA's recipe for a memory target.
 * The p99 of a cold-start estimate is many times the p90 (a new user has only the code model),
 * and reserving it left instances idle behind one job's reservation in live replays.
 */
export const MEMORY_MARGIN = 1.15;
/** Event seconds between full dispatch passes at the latest, however quiet the task. */
const FULL_PASS_EVERY_SECONDS = 60;

/** The instances the scheduler places jobs on, and how a prediction becomes a reservation. */
export interface SchedulerPoolConfig {
  pool: string;
  /**
   * Instances assumed running, split equally between the tasks, until the first prm.fleet-shares
   * record tells a task its share (see `taskBins`).
   */
  instances: number;
  instanceCores: number;
  instanceMemoryBytes: number;
  /** Scheduler tasks (partitions of prm.demand-predictions). Default the user-keyed partition count. */
  tasks?: number;
  /** CPU reserved per job is predicted CPU time over predicted duration, within these bounds. Defaults 0.1 and 1 core. */
  minCores?: number;
  maxCoresPerJob?: number;
  /** Memory reserved: the p90 prediction with a 15% margin (MEMORY_MARGIN), at least this. Default 64 MiB. */
  minMemoryBytes?: number;
  /** Wall-clock limit: the p99 duration times this factor, within the bounds below. Default 3. */
  timeoutFactor?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
}

export interface SchedulerProcessorOptions {
  topics: EventTopics;
  capacity: SchedulerPoolConfig;
  /** Queue bound per task; a prediction arriving at a full queue is dead-lettered. Default 10,000. */
  maxQueue?: number;
  /**
   * How long (event time) and how many dispatched request ids a task remembers, so a request sent
   * again after its run finished is dropped, not run twice. Default 24 h and 500,000 ids per task.
   */
  recentRequests?: Partial<RecentRequestsOptions>;
  /**
   * Runs a request may get: a run that ends out of memory (OOM) is queued again, keeping its
   * place by submission time, with twice the memory reserved (at most an instance's), as Borg
   * and Autopilot raise a limit after an OOM kill; so is a run presumed lost (see
   * `runLeaseGraceMs`), with the same reservation. Default 3; 1 turns retries off. Other
   * failures are not retried: a timeout guards against runaway code, an error is the code's own.
   */
  maxAttempts?: number;
  /**
   * How long past a run's timeout, in the pool's time, the scheduler waits for its telemetry
   * (twice as long when only the pool's samples, not its telemetry, say that time has passed)
   * before it presumes the run lost (an executor gone without a word) and frees its
   * reservation, and queues the request again (see `maxAttempts`): without a bound, every lost
   * run would hold its room for good, and its request would never run. The pool's time is what
   * its telemetry on the task's partition and its samples say (see TaskModel.poolTimeMs), never
   * the predictions', which run ahead of it when a task catches up. Generous on purpose: a run
   * that waited in the pool for room, or whose telemetry is late, only delays it. Telemetry that
   * comes after all, while the retry still waits, takes the retry back (unless it says the run
   * never started or ran out of memory); once the retry runs, both runs stand. Default 15
   * minutes (DEFAULT_RUN_LEASE_GRACE_MS); a replay faster than real time needs more, as the
   * pipeline's pauses are in wall time.
   */
  runLeaseGraceMs?: number;
  /** Told of each resent request dropped and each retry. Default silent: the counts are kept in the task's stores. */
  logger?: Logger;
}

/** Default memory of dispatched request ids: a day of event time, and a bound on what a task holds. */
export const DEFAULT_RECENT_REQUESTS: RecentRequestsOptions = { retentionMs: 24 * 3_600_000, maxIds: 500_000 };

/** A queued job as stored: what the scheduler needs to rebuild its queue after a restore. */
export interface QueuedEntry {
  requestId: string;
  userId: string;
  tier: UserTier;
  priority: number;
  submittedAtMs: number;
  cores: number;
  memoryBytes: number;
  timeoutMs: number;
  durationP50Ms: number;
  durationP90Ms: number;
  /** Admission order: the FIFO tie-break, kept across restores. */
  seq: number;
  /** Which run of the request this is (see `maxAttempts`); absent means the first. */
  attempt?: number;
  /** A retry: when the run it retries ended. It is not dispatched at an earlier time. */
  notBeforeMs?: number;
  /** The request's deadline, if its user gave one: the queue ranks the job up as its latest start nears. */
  deadlineMs?: number;
}

/** What the scheduler keeps of its latest prm.fleet-shares record. */
export interface FleetEntry {
  instancesRunning: number;
  /** The task's share of the running instances. Absent in entries written before shares: an equal split. */
  shareInstances?: number;
  atMs: number;
}

/** A dispatched job holding capacity until its telemetry arrives. */
export interface RunningEntry {
  instanceId: string;
  cores: number;
  memoryBytes: number;
  /**
   * What the model charged the job's user at dispatch, in entries written before `job` was kept:
   * `job` holds the same (its user, cores and duration quantiles), so newer entries do not repeat it.
   */
  charged?: ChargedRun;
  /**
   * The job as it was queued: its telemetry settles the user's real usage against what the model
   * charged at dispatch (and feeds the underestimate guard), and a run out of memory is queued
   * again from it. Absent in entries written before retries.
   */
  job?: QueuedEntry;
  /**
   * The pool's time from which the run's lease counts (see `runLeaseGraceMs`): its dispatch
   * time, or the pool's time as the task last heard it if that is later (a task catching up
   * dispatches jobs stamped before it). Absent in entries written before leases: such a run
   * holds its room until its telemetry comes.
   */
  leaseFromMs?: number;
  /**
   * The starved wide job whose held bin this run was let onto (TaskModel.hold): it leaves before
   * that job's expected start or fits beside it, so its room is not counted against the bin when
   * a later pass compares the bins. Otherwise letting it in could move the hold, and the wide
   * job would start over on another bin.
   */
  backfilledFor?: string;
}

/**
 * In the `dispatched` store, by request id: a request dispatched lately (see RecentRequests), and
 * while its run runs (until telemetry or its lease ends it) the run, its RunningEntry fields on
 * the same entry. One entry for both, so a dispatch writes one changelog record and a run's end
 * one more, where a store of runs beside a store of ids took three (the run, the id, the run's
 * tombstone); and a running job is one object in memory. Of the run's fields, `charged` comes
 * here only with a run moved from the legacy `running` store (entries written before `job` was
 * kept), so it stays while such state can still be restored.
 */
export interface DispatchedEntry extends RememberedAt, Partial<RunningEntry> {
  /**
   * Past the request's retention (or beyond the ids a task remembers) while its run still runs:
   * kept for the run alone, and deleted when it ends. `atMs` and `seq` no longer count.
   */
  forgotten?: boolean;
}

/** A dispatched entry while its run runs. */
export type RunningDispatch = DispatchedEntry & RunningEntry;

export function isRunning(e: DispatchedEntry): e is RunningDispatch {
  return e.instanceId !== undefined;
}

/**
 * The in-memory scheduling model of one task, kept in step with its stores so a record costs a
 * bounded amount of work instead of re-admitting the whole queue. It belongs to the task's
 * context, so a reopened task (after an abort its stores are back at the last commit; a
 * partition back from another instance has that instance's) builds its own from the stores, as
 * does a task after a failed record (the runtime undoes the record's store writes).
 */
interface TaskModel {
  model: Scheduler;
  /** The queued jobs by request id: the queue store, plus a new arrival not yet written to it. */
  entries: Map<string, QueuedEntry>;
  /** The running jobs by request id: the `dispatched` store's entries that hold a run. */
  running: Map<string, RunningDispatch>;
  /** Reserved cores and memory per instance id, over every running job. */
  reserved: Map<string, { cores: number; memory: number }>;
  bins: TaskBin[];
  /**
   * The most free cores and the most free memory on any of `bins` (not necessarily the same
   * bin), or undefined when a bin's room shrank since they were taken: what `mightFit` compares
   * each queued job with, so a pass over a long queue costs one look per job, not one per bin.
   */
  largestRoom?: { cores: number; memory: number };
  /** The task's share of the pool, in instances, that `bins` divide. */
  share: number;
  /** Largest share of an instance this task has, before reservations: what a big job reserves. */
  widest: number;
  roomiest: number;
  /**
   * Before the task's first full pass (nothing of one in its stores: a new task, or state an
   * older scheduler wrote), every queued job gets a chance, not only the record's own.
   */
  fullPassDue: boolean;
  /**
   * The starved wide job of the last full pass, if any (see QueueRanking.stopper), and the bin held
   * for it, EASY backfilling's reservation (models/scheduling/reservation.ts): the bin where it
   * lacks the least room, and when its running jobs are expected to have made room there. Jobs
   * ranked below it start on the other bins, and on the held one only if their timeout ends
   * before the wide job's expected start or they fit in what it leaves spare, so the held bin
   * drains toward the wide job while the others keep working.
   */
  stopper?: ScoredJob;
  hold?: Reservation;
  /** `bins` less the held one, kept while both stay (the bins are updated in place). */
  unheldBins?: TaskBin[];
  /**
   * Event seconds of the last full pass: jobs age past the cap between records, so passes recur.
   * It, `stopper` and `hold` are kept in the `sequence` store (PASS_AT_KEY and after), so a task
   * rebuilt from its stores places a new arrival as the live one would have, rather than after
   * a full pass of its own, which can decide otherwise.
   */
  lastFullPass: number;
  /**
   * The earliest arrival (event seconds) of a queued job that had not waited the ageing cap at
   * `lastFullPass` (Infinity if none): once it has, a full pass is due, so a job that reached the
   * cap since the last one is protected (`stopper`) from the next arrival on. A function of the
   * queue store and `lastFullPass`, so a rebuilt task finds the same.
   */
  oldestUncapped: number;
  /** Request ids dispatched lately: the `dispatched` store's entries not `forgotten`, oldest first. */
  recent: RecentRequests;
  /**
   * The pool's time as this task knows it: the latest end of a run its telemetry reported
   * (POOL_TIME_KEY in the `sequence` store). The pool reports its runs on the partition of
   * their user, the task's own, in the order they end, so when it has passed a lease the run's
   * own telemetry would have come before, unless the run was lost. Or, when later, the pool's
   * latest sample (FleetShare.sampledAt) less a lease grace (see `follow`).
   */
  poolTimeMs: number;
  /**
   * The running jobs' leases, soonest end first, one per run: a run's goes when its
   * telemetry settles it, so the heap holds the running set rather than every run dispatched
   * within the last timeout and grace (at 5,000 dispatches a second, six million ended runs).
   */
  leases: KeyedMinHeap<string, Lease>;
}

interface Lease {
  untilMs: number;
  requestId: string;
}

/** What a dispatch charged a run's user, to settle it when the run ends. */
type ChargedRun = { userId: string; cores: number; durationP50Ms: number; durationP90Ms: number };

/** Which run of its request a queued or running job is; absent means the first. */
function attemptOf(job: { attempt?: number } | undefined): number {
  return job?.attempt ?? 1;
}

/** Whose run it is: its job's user, or for an entry written before `job` was kept, the user charged. */
function userOfRun(r: RunningEntry): string | undefined {
  return r.job?.userId ?? r.charged?.userId;
}

/**
 * Idle users forgotten at most per record (see forgetIdleUsers): a burst (every user idle since a
 * long pause) is spread over the records after it instead of one large transaction. Records write
 * about one user each on average, so the sweep keeps up.
 */
const USERS_FORGOTTEN_PER_RECORD = 32;

/** Adds `n` to the count kept under `key` in a task's `sequence` store. */
function bump(sequence: KeyValueStore<number>, key: string, n: number): void {
  sequence.put(key, (sequence.get(key) ?? 0) + n);
}

/** The next admission number of a task's queue, kept in its `sequence` store. */
function nextSeq(sequence: KeyValueStore<number>): number {
  const seq = sequence.get('next') ?? 0;
  sequence.put('next', seq + 1);
  return seq;
}

/** Soonest first; equal times by request id, so a rebuilt heap expires in the same order. */
function leaseOrder(a: Lease, b: Lease): number {
  return a.untilMs - b.untilMs || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0);
}

/** In the `sequence` store: how many resent predictions of already dispatched requests were dropped. */
export const RESENT_DROPPED_KEY = 'resent-dropped';
/** In the `sequence` store: how many runs ended out of memory and were queued again. */
export const OOM_RETRIES_KEY = 'oom-retries';
/** What the scheduler logs (warn) for each run presumed lost, with its requestId. */
export const RUN_PRESUMED_LOST = 'run presumed lost: no telemetry within its lease, reservation freed';
/** In the `sequence` store: how many runs were presumed lost (no telemetry within their lease) and their reservations freed. */
export const LEASES_EXPIRED_KEY = 'leases-expired';
/** In the `sequence` store: how many runs presumed lost were queued again. */
export const LOST_RETRIES_KEY = 'lost-retries';
/** In the `sequence` store: queued retries taken back because the run presumed lost reported after all. */
export const RETRIES_WITHDRAWN_KEY = 'retries-withdrawn';
/** In the `sequence` store: retries (out of memory or lost) not queued because the queue held its limit. */
export const RETRIES_REFUSED_KEY = 'retries-refused';
/** In the `sequence` store: telemetry of a run other than the request's current one (a duplicate, or a run presumed lost), which settles nothing. */
export const STALE_TELEMETRY_KEY = 'stale-telemetry';
/** A count the task keeps in its `sequence` store under `key`, as a gauge (cumulative; it moves with the task). */
function counted(key: string, help: string): GaugeDef<{ sequence: StoreDef<number> }> {
  return { help, value: (s) => s.store('sequence').get(key) ?? 0 };
}

/**
 * In the `sequence` store: the last full pass's event seconds (TaskModel.lastFullPass), its
 * stopper (by admission number, with its score then) and its hold (the bin's index in the task's
 * bins, the expected start and what is spare then), absent when it had none.
 */
const PASS_AT_KEY = 'pass-at';
const STOPPER_SEQ_KEY = 'stopper-seq';
const STOPPER_SCORE_KEY = 'stopper-score';
const HOLD_BIN_KEY = 'hold-bin';
const HOLD_STARTS_AT_KEY = 'hold-starts-at';
const HOLD_SPARE_CORES_KEY = 'hold-spare-cores';
const HOLD_SPARE_MEMORY_KEY = 'hold-spare-memory';
/** In the `sequence` store: the pool's time as the task knows it (TaskModel.poolTimeMs). */
const POOL_TIME_KEY = 'pool-time';
/** Default of `runLeaseGraceMs`. */
export const DEFAULT_RUN_LEASE_GRACE_MS = 15 * 60_000;
/** In the `sequence` store: event time, queue length and reserved cores of the last SchedulerBacklog. */
const BACKLOG_AT_KEY = 'backlog-at';
const BACKLOG_JOBS_KEY = 'backlog-jobs';
const BACKLOG_RESERVED_KEY = 'backlog-reserved';
/** A changing queue is reported at most this often (event time)... */
export const BACKLOG_MIN_GAP_MS = 10_000;
/** ...and a non-empty one at least this often. */
export const BACKLOG_HEARTBEAT_MS = 60_000;

// Tier first, then requested priority within the tier: models/scheduling ranks tier 0 highest.
const tierRank: Record<UserTier, number> = { ENTERPRISE: 0, PREMIUM: 1, STANDARD: 2, FREE: 3 };
const prioritiesPerTier = 10;

/**
 * Predictions in, a durable priority queue per task, JobDispatch out when a job fits this task's
 * share of the running instances; telemetry of a dispatched job frees its reservation, and the
 * task's share on prm.fleet-shares (allotted from every task's demand by the fleet-broadcast
 * processor) resizes that part as instances come and go and demand moves. Everything the queue is lives
 * in changelogged stores (the queue, the admission counter, each user's fair-share and
 * underestimate state until the user has been idle for the horizon (forgetIdleUsers), and the request ids dispatched lately with their runs' reservations), so a
 * restored task dispatches exactly what the crashed one would have. Ordering and placement are
 * models/scheduling's: its score (tier, predicted size, ageing, fair share relative to the other
 * waiting users) with FIFO ties, best fit, and a bin held for a wide job that has waited the
 * ageing cap (TaskModel.hold). A request already queued, running or dispatched
 * within the retention (`recentRequests`) is not queued again.
 *
 * Work per record is bounded: the model lives in memory between records (see TaskModel). At the
 * end of every record no queued job fits, so a new prediction can only dispatch itself, and only
 * freed or added capacity (telemetry, a fleet sample), a queued job reaching the ageing cap, or a
 * minute of event time since the last (see `passDue`) makes a pass over the queue, which takes
 * the jobs in order of what their scores cannot exceed and scores only those that might still be
 * the best that fits (Scheduler.rankingAt).
 */
export function schedulerProcessor(o: SchedulerProcessorOptions) {
  const c = checkSchedulerPool(o.capacity);
  const maxQueue = o.maxQueue ?? 10_000;
  const recentOptions = checkRecentRequests({ ...DEFAULT_RECENT_REQUESTS, ...o.recentRequests });
  const logger = o.logger ?? silentLogger;
  const maxAttempts = o.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new ConfigError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  const leaseGraceMs = o.runLeaseGraceMs ?? DEFAULT_RUN_LEASE_GRACE_MS;
  if (!(leaseGraceMs >= 0 && Number.isFinite(leaseGraceMs))) throw new ConfigError(`runLeaseGraceMs must be a finite number >= 0, got ${leaseGraceMs}`);
  const scheduler = () =>
    new Scheduler({
      tiers: 4 * prioritiesPerTier,
      maxQueue,
      limits: { instanceCores: c.instanceCores, instanceMemory: c.instanceMemoryBytes, maxInstances: c.instances },
    });
  // Per task, keyed by its context (see ProcessorContext): a reopened task builds its own.
  const models = new WeakMap<object, TaskModel>();

  const processor = defineProcessor({
    name: 'scheduler',
    inputs: {
      predictions: o.topics.topic('prm.demand-predictions', 'PredictedDemand'),
      telemetry: o.topics.topic('prm.telemetry', 'ExecutionTelemetry'),
      fleet: o.topics.topic('prm.fleet-shares', 'FleetShare'),
    },
    outputs: {
      dispatches: o.topics.topic('prm.dispatches', 'JobDispatch'),
      backlog: o.topics.topic('prm.scheduler-backlog', 'SchedulerBacklog'),
    },
    stores: {
      queue: keyValueStore(queuedEntrySerde),
      sequence: keyValueStore(numberSerde),
      fleet: keyValueStore(fleetEntrySerde),
      users: keyValueStore(userStateSerde),
      /** Requests dispatched lately, so a resent one does not run twice, and their runs while they run (see DispatchedEntry). */
      // Counts the entries holding a run, which the running_jobs gauge reads.
      dispatched: keyValueStore(dispatchedEntrySerde, { counts: isRunning }),
      /**
       * Runs as a runtime before DispatchedEntry logged them, apart: moved into `dispatched` when
       * a task's model is built, so a deployed changelog restores. Empty otherwise.
       */
      running: keyValueStore(runningEntrySerde),
    },
    eventTime: {
      allowedLatenessMs: NEVER_LATE_MS, // every prediction is queued and dispatched
      timestamp: (r) =>
        r.input === 'predictions' ? r.value.predictedAt.getTime() : r.input === 'telemetry' ? r.value.endedAt.getTime() : r.value.at.getTime(),
    },
    onError: 'dead-letter',
    gauges: {
      queued_jobs: { help: 'Jobs the scheduler holds queued for capacity', value: (s) => s.store('queue').size },
      running_jobs: { help: 'Runs dispatched whose telemetry has not come yet', value: (s) => s.store('dispatched').counted },
      runs_presumed_lost: counted(LEASES_EXPIRED_KEY, 'Runs presumed lost (no telemetry within their lease), their room freed'),
      lost_retries: counted(LOST_RETRIES_KEY, 'Runs presumed lost and queued again as their next attempt'),
      oom_retries: counted(OOM_RETRIES_KEY, 'Runs ended out of memory and queued again with more memory'),
      retries_withdrawn: counted(RETRIES_WITHDRAWN_KEY, 'Queued retries taken back: the run presumed lost reported after all'),
      retries_refused: counted(RETRIES_REFUSED_KEY, 'Retries not queued because the queue held its limit'),
      stale_telemetry: counted(STALE_TELEMETRY_KEY, 'Telemetry of a run other than the request\'s current one, which settled nothing'),
      resent_dropped: counted(RESENT_DROPPED_KEY, 'Resent requests dropped: already dispatched'),
    },
    process(ctx, record) {
      const t = taskModel(ctx);
      try {
        forgetExpired(ctx, t);
        forgetIdleUsers(ctx, t);
        if (record.input === 'predictions') admit(ctx, t, record.value);
        else if (record.input === 'telemetry') release(ctx, t, record.value);
        else if (record.value.pool === c.pool) follow(ctx, t, record.value);
        reportBacklog(ctx, t);
      } catch (err) {
        // The runtime undoes this record's store writes; the model cannot follow, so it is rebuilt.
        models.delete(ctx);
        throw err;
      }
    },
  });
  type Ctx = ProcessorContext<typeof processor.stores, typeof processor.outputs>;
  return processor;

  function taskModel(ctx: Ctx): TaskModel {
    const known = models.get(ctx);
    if (known) return known;
    const model = scheduler();
    for (const [user, state] of ctx.store('users').entries()) model.restoreUser(user, state);
    const entries = new Map<string, QueuedEntry>();
    for (const e of [...ctx.store('queue').entries()].map(([, v]) => v).sort((a, b) => a.seq - b.seq)) {
      admitToModel(model, e);
      entries.set(e.requestId, e);
    }
    moveLegacyRuns(ctx);
    const running = new Map<string, RunningDispatch>();
    const reserved = new Map<string, { cores: number; memory: number }>();
    const leases: Lease[] = [];
    const remembered: [string, RememberedAt][] = [];
    for (const [requestId, run] of ctx.store('dispatched').entries()) {
      if (!run.forgotten) remembered.push([requestId, run]);
      if (!isRunning(run)) continue;
      running.set(requestId, run);
      const user = userOfRun(run);
      if (user !== undefined) model.runStarted(user);
      reserve(reserved, run.instanceId, run.cores, run.memoryBytes);
      const untilMs = leaseUntil(run);
      if (untilMs !== undefined) leases.push({ untilMs, requestId });
    }
    const recent = new RecentRequests(recentOptions);
    recent.restore(remembered);
    const t: TaskModel = {
      model, entries, running, reserved, bins: [], share: 0, widest: 0, roomiest: 0, fullPassDue: true, lastFullPass: -Infinity,
      oldestUncapped: Infinity, recent, poolTimeMs: ctx.store('sequence').get(POOL_TIME_KEY) ?? -Infinity,
      leases: KeyedMinHeap.of(leases, leaseOrder, (l) => l.requestId),
    };
    resize(t, ctx.partition, shareOf(ctx.store('fleet').get(c.pool)));
    restorePass(ctx, t);
    models.set(ctx, t);
    return t;
  }

  /**
   * The last full pass as the stores keep it (see TaskModel.lastFullPass); none kept, or one that
   * no longer matches the queue or the bins, leaves a full pass due.
   */
  function restorePass(ctx: Ctx, t: TaskModel): void {
    const sequence = ctx.store('sequence');
    const at = sequence.get(PASS_AT_KEY);
    if (at === undefined) return;
    const stopperSeq = sequence.get(STOPPER_SEQ_KEY);
    let stopper: ScoredJob | undefined;
    if (stopperSeq !== undefined) {
      let id: string | undefined;
      for (const e of t.entries.values()) if (e.seq === stopperSeq) id = e.requestId;
      const q = id === undefined ? undefined : t.model.queued(id);
      if (!q) return;
      stopper = scoredJob(q, sequence.get(STOPPER_SCORE_KEY) ?? -Infinity);
    }
    const holdBin = sequence.get(HOLD_BIN_KEY);
    let hold: Reservation | undefined;
    if (holdBin !== undefined) {
      const bin = t.bins[holdBin];
      if (!bin) return;
      hold = {
        bin: bin.id, startsAt: sequence.get(HOLD_STARTS_AT_KEY) ?? Infinity,
        spareCores: sequence.get(HOLD_SPARE_CORES_KEY) ?? 0, spareMemory: sequence.get(HOLD_SPARE_MEMORY_KEY) ?? 0,
      };
    }
    Object.assign(t, { fullPassDue: false, lastFullPass: at, stopper, hold, oldestUncapped: t.model.oldestUncapped(at) });
  }

  /** Keeps the last full pass and what it decided in the `sequence` store (see TaskModel.lastFullPass). */
  function savePass(ctx: Ctx, t: TaskModel): void {
    const sequence = ctx.store('sequence');
    keep(sequence, PASS_AT_KEY, t.lastFullPass);
    keep(sequence, STOPPER_SEQ_KEY, t.stopper && t.entries.get(t.stopper.job.id)?.seq);
    keep(sequence, STOPPER_SCORE_KEY, t.stopper?.score);
    saveHold(ctx, t);
  }

  function saveHold(ctx: Ctx, t: TaskModel): void {
    const sequence = ctx.store('sequence');
    const hold = t.hold;
    const at = hold && t.bins.findIndex((b) => b.id === hold.bin);
    keep(sequence, HOLD_BIN_KEY, at);
    keep(sequence, HOLD_STARTS_AT_KEY, hold?.startsAt);
    keep(sequence, HOLD_SPARE_CORES_KEY, hold?.spareCores);
    keep(sequence, HOLD_SPARE_MEMORY_KEY, hold?.spareMemory);
  }

  /** Moves the runs of the legacy `running` store into `dispatched`, in the record's transaction. */
  function moveLegacyRuns(ctx: Ctx): void {
    const legacy = ctx.store('running');
    if (legacy.size === 0) return;
    const dispatched = ctx.store('dispatched');
    for (const [id, run] of [...legacy.entries()]) {
      const known = dispatched.get(id);
      // An id not remembered any more was forgotten while its run ran.
      dispatched.put(id, known ? { ...known, ...run } : { ...run, atMs: ctx.streamTime, seq: -1, forgotten: true });
      legacy.delete(id);
    }
  }

  /**
   * Forgets the dispatched ids past their retention. By stream time, the latest event time the
   * task has seen (a changelogged part of its state), so a replay forgets exactly the same ids.
   */
  function forgetExpired(ctx: Ctx, t: TaskModel): void {
    for (const id of t.recent.expire(ctx.streamTime)) forget(ctx, t, id);
  }

  /**
   * Forgets the users idle for the horizon (Scheduler.forgetIdle: nothing queued, no run, state
   * last written FORGET_AFTER_HALF_LIVES half-lives before) and deletes their `users` entries in
   * the same record, at most USERS_FORGOTTEN_PER_RECORD a record. By stream time, as ids are: the
   * users store and the queue and runs say who is idle since when, so a task rebuilt from its
   * stores forgets exactly the users the live one does.
   */
  function forgetIdleUsers(ctx: Ctx, t: TaskModel): void {
    const forgotten = t.model.forgetIdle(ctx.streamTime / 1000, USERS_FORGOTTEN_PER_RECORD);
    if (forgotten.length === 0) return;
    const users = ctx.store('users');
    for (const user of forgotten) users.delete(user);
  }

  /** Drops a request id the task no longer remembers from the store, or marks it so while its run still runs. */
  function forget(ctx: Ctx, t: TaskModel, id: string): void {
    const dispatched = ctx.store('dispatched');
    const run = t.running.get(id);
    if (!run) {
      dispatched.delete(id);
      return;
    }
    const kept = { ...run, forgotten: true };
    t.running.set(id, kept);
    dispatched.put(id, kept);
  }

  /** The request's run ended (settled, or presumed lost): its entry keeps the id while it is remembered. */
  function endRun(ctx: Ctx, t: TaskModel, id: string, run: RunningDispatch): void {
    t.running.delete(id);
    t.leases.delete(id);
    const user = userOfRun(run);
    if (user !== undefined) t.model.runEnded(user);
    if (t.recent.has(id)) ctx.store('dispatched').put(id, { atMs: run.atMs, seq: run.seq });
    else ctx.store('dispatched').delete(id);
  }

  function admit(ctx: Ctx, t: TaskModel, p: PredictedDemand): void {
    const id = p.requestId;
    // A redelivered prediction must not queue or dispatch the job twice.
    if (t.entries.has(id) || t.running.has(id)) return;
    // Nor one resent after its run finished: a handled outcome, counted, not a dead letter.
    if (t.recent.has(id)) {
      bump(ctx.store('sequence'), RESENT_DROPPED_KEY, 1);
      logger.info('resent request dropped: already dispatched', {
        reason: 'dispatched-recently', requestId: id, userId: p.userId, partition: ctx.partition, dispatchedAtMs: ctx.store('dispatched').get(id)?.atMs,
      });
      return;
    }
    if (t.entries.size >= maxQueue) throw new Error(`queue of task ${ctx.partition} holds its limit of ${maxQueue} jobs; ${id} not admitted`);
    const entry = queued(p, nextSeq(ctx.store('sequence')));
    admitToModel(t.model, entry);
    t.entries.set(id, entry);
    dispatchWhatFits(ctx, t, id);
    // Written only if it stays queued: a job dispatched at once never touches the queue's changelog.
    if (t.entries.has(id)) ctx.store('queue').put(id, entry);
  }

  function release(ctx: Ctx, t: TaskModel, telemetry: ExecutionTelemetry): void {
    const id = telemetry.requestId;
    const actualSeconds = (telemetry.endedAt.getTime() - telemetry.startedAt.getTime()) / 1000;
    const r = t.running.get(id);
    // The run first: telemetry past its own lease settles it rather than finding it lost.
    if (r && attemptOf(r.job) === attemptOf(telemetry)) settle(ctx, t, telemetry, r, actualSeconds);
    else if (r || t.entries.has(id)) ofAnotherRun(ctx, t, telemetry, actualSeconds);
    advancePoolTime(ctx, t, telemetry.endedAt.getTime());
    dispatchWhatFits(ctx, t);
  }

  /**
   * Telemetry of a run other than the one the request has running or queued now: a duplicate of
   * a run that ran out of memory (its retry must not be settled by it), or the run presumed lost
   * reporting after all. While that run's retry still waits, it is taken back: the request ran.
   * Not if the report says the run never started, or ran out of memory (the retry it owed).
   */
  function ofAnotherRun(ctx: Ctx, t: TaskModel, telemetry: ExecutionTelemetry, actualSeconds: number): void {
    const id = telemetry.requestId;
    const sequence = ctx.store('sequence');
    const retry = t.entries.get(id);
    const ran = telemetry.exitStatus !== 'NOT_RUN' && telemetry.exitStatus !== 'OOM';
    if (retry && ran && attemptOf(retry) > attemptOf(telemetry)) {
      t.model.withdraw(id);
      t.entries.delete(id);
      ctx.store('queue').delete(id);
      bump(sequence, RETRIES_WITHDRAWN_KEY, 1);
      settleUser(ctx, t, id, retry, retry.memoryBytes, actualSeconds);
      logger.info('run presumed lost reported after all: its queued retry taken back', {
        requestId: id, userId: telemetry.userId, attempt: attemptOf(telemetry), retryAttempt: attemptOf(retry), exitStatus: telemetry.exitStatus, partition: ctx.partition,
      });
      return;
    }
    bump(sequence, STALE_TELEMETRY_KEY, 1);
    logger.info('telemetry of another run of the request: settles nothing', {
      requestId: id, userId: telemetry.userId, attempt: attemptOf(telemetry), exitStatus: telemetry.exitStatus, partition: ctx.partition,
    });
  }

  function settle(ctx: Ctx, t: TaskModel, telemetry: ExecutionTelemetry, r: RunningDispatch, actualSeconds: number): void {
    const id = telemetry.requestId;
    endRun(ctx, t, id, r);
    unreserve(ctx, t, r);
    const charged = r.job ?? r.charged;
    if (charged) settleUser(ctx, t, id, charged, r.memoryBytes, actualSeconds);
    if (telemetry.exitStatus === 'OOM' && r.job) requeueAfterOom(ctx, t, r.job, telemetry.endedAt.getTime());
  }

  /** Settles the user's fair share and guard to what the run took (`charged`: what its dispatch charged). */
  function settleUser(ctx: Ctx, t: TaskModel, id: string, charged: ChargedRun, memoryBytes: number, actualSeconds: number): void {
    if (!Number.isFinite(actualSeconds)) return;
    const { userId, cores, durationP50Ms, durationP90Ms } = charged;
    const now = ctx.eventTime / 1000;
    t.model.complete(
      { job: { id, user: userId, tier: 0, arrival: now, cores, memory: memoryBytes, replicas: 1 }, forecast: { p50: durationP50Ms / 1000, p90: durationP90Ms / 1000 }, seq: 0 },
      Math.max(0, actualSeconds),
      now,
    );
    saveUser(ctx, t, userId);
  }

  function unreserve(ctx: Ctx, t: TaskModel, r: RunningEntry): void {
    reserve(t.reserved, r.instanceId, -r.cores, -r.memoryBytes);
    const bin = t.bins.find((b) => b.id === r.instanceId);
    if (bin) {
      bin.freeCores += r.cores;
      bin.freeMemory += r.memoryBytes;
      if (t.largestRoom) {
        t.largestRoom.cores = Math.max(t.largestRoom.cores, bin.freeCores);
        t.largestRoom.memory = Math.max(t.largestRoom.memory, bin.freeMemory);
      }
    } else {
      resize(t, ctx.partition, t.share); // it was charged to the bins a smaller share left (see resize)
    }
  }

  /** When a running entry's lease ends, in the pool's time; undefined for an entry written before leases. */
  function leaseUntil(r: RunningEntry): number | undefined {
    return r.leaseFromMs === undefined || r.job === undefined ? undefined : r.leaseFromMs + r.job.timeoutMs + leaseGraceMs;
  }

  /**
   * Moves the pool's time on to a reported run's end, and frees the reservations of runs whose
   * lease it has passed without their telemetry: presumed lost, and queued again while attempts
   * remain. Their users are not settled (what a lost run used is unknown) until telemetry comes
   * after all (`ofAnotherRun`).
   */
  function advancePoolTime(ctx: Ctx, t: TaskModel, endedAtMs: number): void {
    if (!(endedAtMs > t.poolTimeMs)) return;
    t.poolTimeMs = endedAtMs;
    const sequence = ctx.store('sequence');
    sequence.put(POOL_TIME_KEY, endedAtMs);
    let expired = 0;
    for (let lease = t.leases.peek(); lease && lease.untilMs < t.poolTimeMs; lease = t.leases.peek()) {
      const r = t.running.get(lease.requestId);
      if (!r) throw new Error(`the lease of ${lease.requestId} outlived its run`);
      endRun(ctx, t, lease.requestId, r);
      unreserve(ctx, t, r);
      expired++;
      // Its request has not run: it goes back to the queue while attempts remain (an OOM retry
      // already queued for it, from a duplicate report, is not doubled).
      const retry = r.job && attemptOf(r.job) < maxAttempts && !t.entries.has(lease.requestId) ? requeue(ctx, t, r.job, t.poolTimeMs, LOST_RETRIES_KEY) : undefined;
      logger.warn(RUN_PRESUMED_LOST, {
        requestId: lease.requestId, userId: r.job?.userId, instanceId: r.instanceId, cores: r.cores, memoryBytes: r.memoryBytes,
        leaseUntilMs: lease.untilMs, poolTimeMs: t.poolTimeMs, partition: ctx.partition, attempt: attemptOf(r.job), retryAttempt: retry?.attempt ?? null,
      });
    }
    if (expired > 0) bump(sequence, LEASES_EXPIRED_KEY, expired);
  }

  /**
   * Queues a run that ended out of memory again with twice the memory (at most an instance's),
   * while attempts remain and the reservation can still grow.
   */
  function requeueAfterOom(ctx: Ctx, t: TaskModel, job: QueuedEntry, endedAtMs: number): void {
    const attempt = attemptOf(job);
    const memoryBytes = Math.min(c.instanceMemoryBytes, job.memoryBytes * 2);
    raiseSiblings(ctx, t, job, memoryBytes);
    if (attempt >= maxAttempts || memoryBytes <= job.memoryBytes || t.entries.has(job.requestId)) return;
    const entry = requeue(ctx, t, { ...job, memoryBytes }, endedAtMs, OOM_RETRIES_KEY);
    if (entry) logger.info('out-of-memory run queued again with more memory', {
      requestId: job.requestId, userId: job.userId, attempt: entry.attempt, memoryBytes, previousMemoryBytes: job.memoryBytes, partition: ctx.partition,
    });
  }

  /**
   * Queues the job's next run, no earlier than `notBeforeMs`, counted under `countKey`. It keeps
   * its submission time, so ageing ranks it by how long the request has waited in all, and takes
   * a new admission number. Not when the queue holds its limit: the retry is refused (logged and
   * counted) rather than failing the record that ended the run, which would undo the run's end
   * too, and, for a lease, fail every record after it until the queue drains, which it then
   * could not.
   */
  function requeue(ctx: Ctx, t: TaskModel, job: QueuedEntry, notBeforeMs: number, countKey: string): QueuedEntry | undefined {
    const sequence = ctx.store('sequence');
    if (t.entries.size >= maxQueue) {
      bump(sequence, RETRIES_REFUSED_KEY, 1);
      logger.warn('retry not queued: the queue holds its limit', { requestId: job.requestId, userId: job.userId, attempt: attemptOf(job) + 1, maxQueue, partition: ctx.partition });
      return undefined;
    }
    bump(sequence, countKey, 1);
    const entry: QueuedEntry = { ...job, attempt: attemptOf(job) + 1, seq: nextSeq(sequence), notBeforeMs };
    admitToModel(t.model, entry);
    t.entries.set(entry.requestId, entry);
    queuedSincePass(t, entry.requestId);
    ctx.store('queue').put(entry.requestId, entry);
    return entry;
  }

  /**
   * The same user's queued jobs reserved like the one that ran out of memory (at least half its
   * reservation) would run out too: a burst of one batch job's tasks is predicted alike. They
   * get the retry's memory now instead of each failing once in turn.
   */
  function raiseSiblings(ctx: Ctx, t: TaskModel, failed: QueuedEntry, memoryBytes: number): void {
    for (const e of t.entries.values()) {
      if (e.userId !== failed.userId || e.memoryBytes >= memoryBytes || e.memoryBytes < failed.memoryBytes / 2) continue;
      if (!t.model.setQueuedMemory(e.requestId, memoryBytes)) continue;
      const raised = { ...e, memoryBytes };
      t.entries.set(e.requestId, raised);
      ctx.store('queue').put(e.requestId, raised);
    }
  }

  /**
   * Tells the planner what this task holds queued (prm.scheduler-backlog): the pool's metrics
   * show only what runs, and jobs waiting for room are exactly the demand to scale out for. At
   * once when the queue empties or fills, else at most every BACKLOG_MIN_GAP_MS of event time
   * while it changes, and every BACKLOG_HEARTBEAT_MS while it holds jobs, so the planner can tell
   * a live backlog from a stale one. When it last reported is in the `sequence` store.
   */
  function reportBacklog(ctx: Ctx, t: TaskModel): void {
    const sequence = ctx.store('sequence');
    const lastAt = sequence.get(BACKLOG_AT_KEY) ?? -Infinity;
    const lastJobs = sequence.get(BACKLOG_JOBS_KEY) ?? 0;
    const lastReserved = sequence.get(BACKLOG_RESERVED_KEY) ?? 0;
    const jobs = t.entries.size;
    const reservedCores = heldCores(t);
    const since = ctx.eventTime - lastAt;
    const changed = jobs !== lastJobs || Math.abs(reservedCores - lastReserved) > 1e-9;
    const holds = jobs > 0 || reservedCores > 1e-9;
    const due = (jobs === 0) !== (lastJobs === 0) || (changed && since >= BACKLOG_MIN_GAP_MS) || (holds && since >= BACKLOG_HEARTBEAT_MS);
    if (!due) return;
    let cores = 0;
    let coreSeconds = 0;
    let oldest = Infinity;
    for (const e of t.entries.values()) {
      const dominant = Math.max(e.cores / c.instanceCores, e.memoryBytes / c.instanceMemoryBytes) * c.instanceCores;
      cores += dominant;
      coreSeconds += dominant * (e.durationP50Ms / 1000);
      oldest = Math.min(oldest, e.submittedAtMs);
    }
    sequence.put(BACKLOG_AT_KEY, ctx.eventTime);
    sequence.put(BACKLOG_JOBS_KEY, jobs);
    sequence.put(BACKLOG_RESERVED_KEY, reservedCores);
    ctx.forward('backlog', {
      key: c.pool,
      value: {
        pool: c.pool, task: ctx.partition, at: new Date(ctx.eventTime), queuedJobs: jobs, queuedCores: cores, queuedCoreSeconds: coreSeconds,
        reservedCores, oldestSubmittedAt: jobs > 0 ? new Date(oldest) : null,
      },
    });
  }

  /** What the task's running jobs hold, in cores of the instance shape: per bin, the larger of its cores and memory held. */
  function heldCores(t: TaskModel): number {
    let cores = 0;
    for (const r of t.reserved.values()) cores += Math.max(0, r.cores / c.instanceCores, r.memory / c.instanceMemoryBytes) * c.instanceCores;
    return cores;
  }

  function follow(ctx: Ctx, t: TaskModel, share: FleetShare): void {
    const fleet = ctx.store('fleet');
    const known = fleet.get(c.pool);
    const atMs = share.at.getTime();
    if (known && known.atMs > atMs) return; // an older share, overtaken
    const entry: FleetEntry = { instancesRunning: share.instancesRunning, shareInstances: share.shareInstances, atMs };
    fleet.put(c.pool, entry);
    // The pool's own time, from its samples: what moves the lease clock of a task whose runs
    // all went silent. It comes on another topic than the telemetry, with no order between the
    // two (a restarted task may read its shares before the telemetry stamped before them), so
    // it counts one grace less: a run is presumed lost by it only a grace later than by telemetry.
    if (share.sampledAt) advancePoolTime(ctx, t, share.sampledAt.getTime() - leaseGraceMs);
    resize(t, ctx.partition, shareOf(entry));
    dispatchWhatFits(ctx, t);
  }

  /** The task's share: the fleet-broadcast's allotment, or an equal split of what is known to run. */
  function shareOf(fleet: FleetEntry | undefined): number {
    return fleet?.shareInstances ?? (fleet?.instancesRunning ?? c.instances) / c.tasks;
  }

  /**
   * This task's bins for a share of `share` instances, less what running jobs hold. A job on a
   * bin the share no longer has (it shrank) still holds capacity on the pool, so its reservation
   * is charged to the remaining bins, roomiest first, until it ends.
   */
  function resize(t: TaskModel, partition: number, share: number): void {
    t.share = share;
    t.bins = taskBins(partition, share, c);
    t.unheldBins = undefined;
    t.largestRoom = undefined;
    t.widest = Math.max(...t.bins.map((b) => b.freeCores));
    t.roomiest = Math.max(...t.bins.map((b) => b.freeMemory));
    const byId = new Map(t.bins.map((b) => [b.id, b]));
    const orphaned: { cores: number; memory: number }[] = [];
    for (const [id, r] of t.reserved) {
      const b = byId.get(id);
      if (!b) orphaned.push(r);
      else {
        b.freeCores -= r.cores;
        b.freeMemory -= r.memory;
      }
    }
    if (t.bins.length === 0) return;
    for (const r of orphaned) {
      let { cores, memory } = r;
      for (const b of [...t.bins].sort((x, y) => y.freeCores - x.freeCores)) {
        const take = { cores: Math.min(cores, Math.max(0, b.freeCores)), memory: Math.min(memory, Math.max(0, b.freeMemory)) };
        b.freeCores -= take.cores;
        b.freeMemory -= take.memory;
        cores -= take.cores;
        memory -= take.memory;
      }
      // More than the share holds: the remainder makes a bin negative, so nothing fits until jobs end.
      t.bins[0]!.freeCores -= cores;
      t.bins[0]!.freeMemory -= memory;
    }
  }

  /**
   * Dispatches, best ranked first, every queued job that fits. With `arrived`, only that job can
   * (nothing else fitted after the previous record and no room was added), unless a rebuild is
   * owed a full pass.
   */
  function dispatchWhatFits(ctx: Ctx, t: TaskModel, arrived?: string): void {
    if (t.entries.size === 0) {
      // Nothing queued (the last job taken back): nothing for a pass to protect.
      if (t.stopper || t.oldestUncapped !== Infinity) {
        Object.assign(t, { stopper: undefined, hold: undefined, unheldBins: undefined, oldestUncapped: Infinity });
        if (!t.fullPassDue) savePass(ctx, t);
      }
      return;
    }
    if (t.bins.length === 0) return;
    const now = ctx.eventTime / 1000;
    if (arrived !== undefined && !passDue(t, now)) {
      const q = t.model.queued(arrived)!;
      const job = scoredJob(q, t.model.score(q, now));
      if (mightFit(t, q)) place(ctx, t, job, now, arrived);
      if (t.entries.has(arrived)) queuedSincePass(t, arrived);
      return;
    }
    fullPass(ctx, t, now, arrived);
    t.fullPassDue = false;
    t.lastFullPass = now;
    t.oldestUncapped = t.model.oldestUncapped(now);
    savePass(ctx, t);
  }

  /**
   * Whether a record's arrival gets a full pass, not only a try of its own: before the task's
   * first, a minute of event time after the last, or once a job queued before the arrival has
   * waited the ageing cap since the last, so it is protected (TaskModel.stopper) from then on.
   * Only from what the stores keep and the record, so a task rebuilt from them passes when the
   * live one would. An arrival that has waited the cap already (a prediction half an hour late)
   * makes no pass of its own, or a task catching up would pass at every record: the next pass
   * protects it.
   */
  function passDue(t: TaskModel, now: number): boolean {
    return t.fullPassDue || !(now - t.lastFullPass < FULL_PASS_EVERY_SECONDS) || t.model.capped(t.oldestUncapped, now);
  }

  /** A job queued since the last full pass: `oldestUncapped` as a rebuild from the queue store finds it. */
  function queuedSincePass(t: TaskModel, id: string): void {
    const arrival = t.model.queued(id)!.job.arrival;
    if (arrival < t.oldestUncapped && !t.model.capped(arrival, t.lastFullPass)) t.oldestUncapped = arrival;
  }

  /** `dispatchWhatFits` over the whole queue. */
  function fullPass(ctx: Ctx, t: TaskModel, now: number, arrived: string | undefined): void {
    // A wide job that waited past the ageing cap is not overtaken by smaller ones any more, or
    // they would fill every gap it needs (backfill starvation): a bin is held for it.
    const ranking = t.model.rankingAt(now);
    t.stopper = ranking.stopper((q) => !fitsNow(t, q));
    t.hold = t.stopper && holdFor(ctx, t, t.stopper, now);
    t.unheldBins = undefined;
    // In rank order, each job that fits is placed. Freed room usually admits a job or two, so
    // pick the best job that might still fit a few times before ranking all that might.
    const tried = new Set<string>();
    const untried = (q: QueuedJob) => !tried.has(q.job.id) && mightFit(t, q);
    for (let picks = 0; ; picks++) {
      if (picks === 8) {
        for (const job of ranking.all(untried)) place(ctx, t, job, now, arrived);
        return;
      }
      const smallest = t.model.smallest();
      if (!smallest || !mightFitSize(t, smallest.cores, smallest.memory)) return;
      const job = ranking.best(untried);
      if (!job) return;
      tried.add(job.job.id);
      place(ctx, t, job, now, arrived);
    }
  }

  /**
   * Dispatches the job if it fits this task's bins now (those not held for a starved job ranked
   * above it); `arrived` is a job not yet in the queue store.
   */
  function place(ctx: Ctx, t: TaskModel, job: ScoredJob, now: number, arrived: string | undefined): void {
    // A job bigger than this task's share of an instance reserves the whole share: the pool
    // runs it on a whole instance, and the reservation still throttles this task.
    const cores = Math.min(job.job.cores, t.widest);
    const memory = Math.min(job.job.memory, t.roomiest);
    const entry = t.entries.get(job.job.id)!;
    const hold = t.stopper !== undefined && byRank(job, t.stopper) >= 0 ? t.hold : undefined;
    const bins = hold ? (t.unheldBins ??= t.bins.filter((b) => b.id !== hold.bin)) : t.bins;
    let [placed] = bestFit(bins, cores, memory, 1, c.instanceCores, c.instanceMemoryBytes);
    let backfilledFor: string | undefined;
    if (!placed && hold) {
      const held = t.bins.find((b) => b.id === hold.bin);
      if (held && partsThatFit(held, cores, memory) > 0 && backfill(hold, cores, memory, poolNowMs(t, now), entry.timeoutMs)) {
        placed = { bin: held, replicas: 1 };
        backfilledFor = t.stopper!.job.id;
        saveHold(ctx, t); // the room it takes of what the hold has spare
      }
    }
    if (!placed) return;
    placed.bin.freeCores -= cores;
    placed.bin.freeMemory -= memory;
    t.largestRoom = undefined;
    reserve(t.reserved, placed.bin.id, cores, memory);
    const priority = breakdown(t.model, job, now);
    t.model.dispatch(job.job.id, now);
    t.entries.delete(entry.requestId);
    if (entry.requestId !== arrived) ctx.store('queue').delete(entry.requestId);
    // The record that freed the room can be older than the job: topics are read at their own
    // pace, so a run's end (or a fleet change) stamped before the job's submission, or before
    // the end of the run a retry repeats, may come in after it. The job leaves no earlier.
    const dispatchedAtMs = Math.max(ctx.eventTime, entry.submittedAtMs, entry.notBeforeMs ?? -Infinity);
    const { entry: remembered, forgotten } = t.recent.remember(entry.requestId, ctx.streamTime);
    const running: RunningDispatch = {
      atMs: remembered.atMs, seq: remembered.seq,
      instanceId: placed.bin.id, cores, memoryBytes: memory,
      job: entry,
      leaseFromMs: Math.max(dispatchedAtMs, t.poolTimeMs),
    };
    // Set only when let onto a held bin: an absent optional field is how the state schema logs "none".
    if (backfilledFor !== undefined) running.backfilledFor = backfilledFor;
    startRun(ctx, t, entry.requestId, running, forgotten);
    saveUser(ctx, t, entry.userId);
    const dispatch: JobDispatch = {
      requestId: entry.requestId,
      userId: entry.userId,
      pool: c.pool,
      instanceId: placed.bin.id,
      dispatchedAt: new Date(dispatchedAtMs),
      allocation: { cpuMillicores: Math.round(entry.cores * 1000), memoryBytes: Math.round(entry.memoryBytes), timeoutMs: entry.timeoutMs },
      queuedMs: dispatchedAtMs - entry.submittedAtMs,
      priorityScore: job.score,
      priority,
      attempt: attemptOf(entry),
    };
    ctx.forward('dispatches', { key: c.pool, value: dispatch });
  }

  /** The reservation for a starved job, with its expected start from the running jobs' expected ends. */
  function holdFor(ctx: Ctx, t: TaskModel, q: QueuedJob, now: number): Reservation | undefined {
    const nowMs = poolNowMs(t, now);
    // One pass over the running jobs: per bin, when each is expected to end, and what those let in for this job hold.
    const runningOn = new Map<string, RunningRoom[]>();
    const returning = new Map<string, { cores: number; memory: number }>();
    for (const r of t.running.values()) {
      let onBin = runningOn.get(r.instanceId);
      if (!onBin) runningOn.set(r.instanceId, (onBin = []));
      onBin.push({ cores: r.cores, memory: r.memoryBytes, endsAt: expectedEnd(r, nowMs) });
      if (r.backfilledFor === q.job.id) reserve(returning, r.instanceId, r.cores, r.memoryBytes);
    }
    const cores = Math.min(q.job.cores, t.widest);
    const memory = Math.min(q.job.memory, t.roomiest);
    return reserveFor(t.bins, (bin) => runningOn.get(bin) ?? [], cores, memory, nowMs, c.instanceCores, c.instanceMemoryBytes, (bin) => returning.get(bin));
  }

  /**
   * When a running job is expected to give its room back: from its lease's start (about when the
   * pool started it), after its p90 duration; once that has passed, by its timeout at the latest
   * (the executor kills it there), and once that has too, at any moment. Unknown (Infinity) for an
   * entry written before leases.
   */
  function expectedEnd(r: RunningEntry, nowMs: number): number {
    if (r.leaseFromMs === undefined || r.job === undefined) return Infinity;
    const predicted = r.leaseFromMs + r.job.durationP90Ms;
    return predicted > nowMs ? predicted : Math.max(nowMs, r.leaseFromMs + r.job.timeoutMs);
  }

  /** Now, in the pool's time: the record's event time, or the pool's as last reported if later. */
  function poolNowMs(t: TaskModel, nowSeconds: number): number {
    return Math.max(nowSeconds * 1000, t.poolTimeMs);
  }

  /**
   * A necessary condition for placing the job in this pass (room only shrinks while dispatching),
   * with slack over bestFit's rounding so it never refuses a job that would fit.
   */
  function mightFit(t: TaskModel, q: QueuedJob): boolean {
    return mightFitSize(t, q.job.cores, q.job.memory);
  }

  /**
   * Whether the job fits on one of this task's bins now, as `place` would reserve it (before any
   * hold): what makes a job that has waited the ageing cap the pass's stopper when false.
   * `mightFit` alone is not enough: the most free cores and the most free memory can be on
   * different bins, and a job that fits on neither would then never get a bin held, while
   * smaller jobs kept filling the gaps it needs. `mightFit` first, as a cheap prefilter: the
   * per-bin look is only for a capped job it lets through.
   */
  function fitsNow(t: TaskModel, q: QueuedJob): boolean {
    if (!mightFit(t, q)) return false;
    const cores = Math.min(q.job.cores, t.widest);
    const memory = Math.min(q.job.memory, t.roomiest);
    for (const b of t.bins) if (partsThatFit(b, cores, memory) > 0) return true;
    return false;
  }

  /** `mightFit` for a replica of `jobCores` and `jobMemory`. */
  function mightFitSize(t: TaskModel, jobCores: number, jobMemory: number): boolean {
    if (t.bins.length === 0) return false;
    const room = (t.largestRoom ??= largestRoom(t.bins));
    const cores = Math.min(jobCores, t.widest);
    const memory = Math.min(jobMemory, t.roomiest);
    return cores <= room.cores * (1 + 1e-6) && (memory <= 0 || memory <= room.memory * (1 + 1e-6));
  }

  /**
   * Stores the request's run, remembered as dispatched, as its entry of the `dispatched` store;
   * `forgotten`: the ids remembering it made the task forget.
   */
  function startRun(ctx: Ctx, t: TaskModel, id: string, run: RunningDispatch, forgotten: readonly string[]): void {
    t.running.set(id, run);
    const user = userOfRun(run);
    if (user !== undefined) t.model.runStarted(user);
    t.leases.push({ untilMs: leaseUntil(run)!, requestId: id });
    ctx.store('dispatched').put(id, run);
    for (const old of forgotten) forget(ctx, t, old);
  }

  function saveUser(ctx: Ctx, t: TaskModel, user: string): void {
    const state = t.model.userState(user);
    if (state) ctx.store('users').put(user, state);
  }

  function admitToModel(model: Scheduler, e: QueuedEntry): void {
    const admission = model.admit(
      {
        id: e.requestId, user: e.userId, tier: tierIndex(e), arrival: e.submittedAtMs / 1000, cores: e.cores, memory: e.memoryBytes, replicas: 1,
        deadline: e.deadlineMs === undefined ? undefined : e.deadlineMs / 1000,
      },
      { p50: e.durationP50Ms / 1000, p90: e.durationP90Ms / 1000 },
    );
    if (!admission.admitted) throw new Error(admission.explanation);
  }

  function queued(p: PredictedDemand, seq: number): QueuedEntry {
    const cores = clamp(p.cpuMs.p50 / Math.max(1, p.durationMs.p50), c.minCores, Math.min(c.maxCoresPerJob, c.instanceCores));
    const entry: QueuedEntry = {
      requestId: p.requestId,
      userId: p.userId,
      tier: p.tier,
      priority: p.priority,
      submittedAtMs: p.submittedAt.getTime(),
      cores,
      memoryBytes: clamp(p.peakMemoryBytes.p90 * MEMORY_MARGIN, c.minMemoryBytes, c.instanceMemoryBytes),
      timeoutMs: Math.round(clamp(p.durationMs.p99 * c.timeoutFactor, c.minTimeoutMs, c.maxTimeoutMs)),
      durationP50Ms: p.durationMs.p50,
      durationP90Ms: p.durationMs.p90,
      seq,
    };
    // Set only when given: an absent optional field is how the state schema logs "none".
    if (p.deadline) entry.deadlineMs = p.deadline.getTime();
    return entry;
  }
}

/** Puts `value` under `key`, or deletes the key for undefined; writes nothing when the store holds it already. */
function keep(store: KeyValueStore<number>, key: string, value: number | undefined): void {
  const known = store.get(key);
  if (value === undefined) {
    if (known !== undefined) store.delete(key);
  } else if (!Object.is(known, value)) {
    store.put(key, value);
  }
}

/** How many of the entries hold a run: the task's running jobs. */
function reserve(reserved: Map<string, { cores: number; memory: number }>, instanceId: string, cores: number, memory: number): void {
  const r = reserved.get(instanceId);
  if (r) {
    r.cores += cores;
    r.memory += memory;
  } else {
    reserved.set(instanceId, { cores, memory });
  }
}

/** The most free cores and the most free memory over `bins`. */
function largestRoom(bins: readonly TaskBin[]): { cores: number; memory: number } {
  let cores = -Infinity;
  let memory = -Infinity;
  for (const b of bins) {
    if (b.freeCores > cores) cores = b.freeCores;
    if (b.freeMemory > memory) memory = b.freeMemory;
  }
  return { cores, memory };
}

/**
 * The bins scheduler task `partition` places jobs on for a share of `share` instances: one whole
 * instance's shape per whole instance of the share, and the fraction left as a smaller bin. The
 * bins are the task's budget, not the pool's machines (the pool places each job on its own
 * instances, the dispatch's instance id is a hint), so the tasks together never reserve more
 * than runs as long as their shares add up to the fleet.
 */
export function taskBins(partition: number, share: number, c: Required<SchedulerPoolConfig>): TaskBin[] {
  const s = Number.isFinite(share) && share > 0 ? share : 0;
  const whole = Math.floor(s + 1e-9);
  const bins: TaskBin[] = [];
  const bin = (j: number, fraction: number): TaskBin => {
    const [cores, memory] = [c.instanceCores * fraction, c.instanceMemoryBytes * fraction];
    return { id: `${c.pool}-t${partition}-${j}`, cores, memory, freeCores: cores, freeMemory: memory };
  };
  for (let j = 0; j < whole; j++) bins.push(bin(j, 1));
  const rest = s - whole;
  if (rest > 1e-6) bins.push(bin(whole, rest));
  return bins;
}

/** A part of the task's share: an instance, or the fraction of one left over. */
export interface TaskBin extends Bin {
  id: string;
  /** Its size, before reservations. */
  cores: number;
  memory: number;
}

/**
 * Splits the model's score into the event's parts by asking the model itself: each time-dependent
 * term is what the score loses without it (see Scheduler.scoreParts); the rest is the tier term
 * less the user's fair-share penalty.
 */
function breakdown(s: Scheduler, q: QueuedJob & { score: number }, now: number): JobDispatch['priority'] {
  const { aging, size, deadline, startWithinSeconds } = s.scoreParts(q, now);
  const base = q.score - aging - size - deadline;
  let explanation =
    `score ${q.score.toFixed(3)} = tier/priority and fair share ${base.toFixed(3)} + ageing ${aging.toFixed(3)} + predicted size ${size.toFixed(3)}`;
  if (startWithinSeconds !== undefined) {
    explanation += startWithinSeconds >= 0
      ? ` + deadline ${deadline.toFixed(3)} (latest start in ${startWithinSeconds.toFixed(0)} s)`
      : ` + deadline ${deadline.toFixed(3)} (${(-startWithinSeconds).toFixed(0)} s past its latest start: predicted to finish late)`;
  }
  return { base, aging, size, deadlineUrgency: deadline, explanation };
}

function tierIndex(e: QueuedEntry): number {
  return tierRank[e.tier] * prioritiesPerTier + (prioritiesPerTier - 1 - e.priority);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : hi));
}

function checkRecentRequests(o: RecentRequestsOptions): RecentRequestsOptions {
  if (!(o.retentionMs > 0)) throw new ConfigError(`recentRequests.retentionMs must be positive, got ${o.retentionMs}`);
  if (!Number.isInteger(o.maxIds) || o.maxIds < 1) throw new ConfigError(`recentRequests.maxIds must be a positive integer, got ${o.maxIds}`);
  return o;
}

export function checkSchedulerPool(p: SchedulerPoolConfig): Required<SchedulerPoolConfig> {
  const c: Required<SchedulerPoolConfig> = {
    tasks: userKeyedPartitions, minCores: 0.1, maxCoresPerJob: 1, minMemoryBytes: 64 * MIB,
    timeoutFactor: 3, minTimeoutMs: 1000, maxTimeoutMs: 5 * 60_000, ...p,
  };
  if (!/^[a-zA-Z0-9._-]+$/.test(c.pool)) throw new ConfigError(`pool name '${c.pool}' must match [a-zA-Z0-9._-]+`);
  if (!Number.isInteger(c.tasks) || c.tasks < 1) throw new ConfigError(`tasks must be a positive integer, got ${c.tasks}`);
  if (!Number.isInteger(c.instances) || c.instances < 1) throw new ConfigError(`instances must be a positive integer, got ${c.instances}`);
  if (!(c.instanceCores > 0) || !(c.instanceMemoryBytes > 0)) throw new ConfigError('instanceCores and instanceMemoryBytes must be positive');
  if (!(c.minCores > 0 && c.minCores <= c.maxCoresPerJob && c.minCores <= c.instanceCores)) throw new ConfigError('need 0 < minCores <= maxCoresPerJob and <= instanceCores');
  if (!(c.minMemoryBytes > 0 && c.minMemoryBytes <= c.instanceMemoryBytes)) throw new ConfigError('need 0 < minMemoryBytes <= instanceMemoryBytes');
  if (!(c.timeoutFactor > 0 && c.minTimeoutMs > 0 && c.maxTimeoutMs >= c.minTimeoutMs)) throw new ConfigError('need timeoutFactor > 0 and 0 < minTimeoutMs <= maxTimeoutMs');
  return c;
}
