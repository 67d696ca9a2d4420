import { writeFileSync } from 'node:fs';
import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';

/** One benchmark: `prm bench <name> ...`. Add new ones (e.g. `pipeline`) to BENCHES. */
interface Bench {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Memory and CPU readings for the in-process benches: a full GC before each memory reading makes a heap delta the state's size, not garbage. */
function measuring() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const v8 = require('node:v8') as typeof import('node:v8');
  const vm = require('node:vm') as typeof import('node:vm');
  /* eslint-enable @typescript-eslint/no-require-imports */
  v8.setFlagsFromString('--expose-gc');
  const fullGc = vm.runInNewContext('gc') as () => void;
  return {
    // One full collection can leave garbage that a second frees: a single one made bench
    // scheduler's retained bytes per ended run 8 to 37 where two made them 0.1. So collect until
    // the heap stops shrinking.
    gc: () => {
      let used = Infinity;
      for (let k = 0; k < 5; k++) {
        fullGc();
        const now = process.memoryUsage().heapUsed;
        if (used - now < 64 * 1024) return;
        used = now;
      }
    },
    memory: () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; },
    cpuClock: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; },
    log: (line: string) => process.stderr.write(`${line}\n`),
  };
}

/** A figure per row: name, value, goal. */
function printRows(rows: [string, string, string][]): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`${rows.map(([k, v, g]) => `${k.padEnd(w)}  ${v.padStart(12)}  ${g}`).join('\n')}\n`);
}

const profiles: Bench = {
  summary: 'memory per user profile and profile updates per second on one core',
  usage: `prm bench profiles [--users 100000] [--events 50] [--updates 2000000] [--seed 1] [--json FILE]
  --users N     profiles held in memory at once (default 100000)
  --events E    events given to each profile before memory is measured (default 50)
  --updates U   timed updates, round-robin over the users (default 2000000)`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      users: { type: 'string' }, events: { type: 'string' }, updates: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' },
    });
    const users = numberFlag('users', values.users, 100_000);
    const eventsPerUser = numberFlag('events', values.events, 50);
    const updates = numberFlag('updates', values.updates, 2_000_000);
    for (const [name, v] of [['users', users], ['events', eventsPerUser], ['updates', updates]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runProfileBench } = require('../../models/profiles/profile-benchmark') as typeof import('../../models/profiles/profile-benchmark');
    const report = runProfileBench({ users, eventsPerUser, updates, seed: numberFlag('seed', values.seed, 1), clock: () => performance.now(), ...measuring() });
    printRows([
      ['profiles in memory', report.users.toLocaleString('en'), ''],
      ['bytes per profile (heap + buffers)', report.bytes_per_profile_in_memory.toFixed(0), 'goal <= 2048'],
      ['bytes per profile (binary)', report.bytes_per_profile_binary.toFixed(0), 'goal <= 2048'],
      ['bytes per profile (JSON snapshot)', report.bytes_per_profile_json.toFixed(0), ''],
      ['updates per CPU-second (one core)', Math.round(report.updates_per_second).toLocaleString('en'), 'goal >= 200,000'],
      ['updates per wall-second (shared machine)', Math.round(report.updates_per_wall_second).toLocaleString('en'), ''],
      ['ns per update', report.ns_per_update.toFixed(0), ''],
    ]);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};

const scheduler: Bench = {
  summary: 'what a scheduler task holds per running job and per ended run, and records per CPU-second',
  usage: `prm bench scheduler [--running 50000] [--recent 500000] [--ended 2000000] [--users 1000] [--json FILE]
  --running N   jobs kept running (dispatched, their telemetry not yet come) through the run (default 50000)
  --recent N    request ids a task remembers as dispatched, its recentRequests.maxIds (default the scheduler's, 500000)
  --ended N     runs dispatched and settled by their telemetry, at least four times --recent (default four times)
Through one scheduler task in this process, its stores in memory (no Kafka). The last row must be
about zero: a task's state is bounded by its running and queued jobs and the ids it remembers.`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      running: { type: 'string' }, recent: { type: 'string' }, ended: { type: 'string' }, users: { type: 'string' }, json: { type: 'string' },
    });
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { DEFAULT_RECENT_REQUESTS } = require('../../streams/processors/scheduler') as typeof import('../../streams/processors/scheduler');
    const { runSchedulerStateBench } = require('../../streams/bench/scheduler-state') as typeof import('../../streams/bench/scheduler-state');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const running = numberFlag('running', values.running, 50_000);
    const recentIds = numberFlag('recent', values.recent, DEFAULT_RECENT_REQUESTS.maxIds);
    const ended = numberFlag('ended', values.ended, 4 * recentIds);
    const users = numberFlag('users', values.users, 1000);
    for (const [name, v] of [['running', running], ['recent', recentIds], ['ended', ended], ['users', users]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer`);
    }
    if (ended < 4 * recentIds) throw new UsageError(`--ended must be at least four times --recent (${4 * recentIds})`);
    const report = runSchedulerStateBench({ running, recentIds, ended, users, ...measuring() });
    printRows([
      ['running jobs', report.running.toLocaleString('en'), ''],
      ['bytes per running job (heap + buffers)', report.bytes_per_running_job.toFixed(0), ''],
      [`bytes per ended run, first ${(report.ended / 2).toLocaleString('en')} (remembered ids fill up, turn over)`, report.bytes_per_ended_run_filling.toFixed(1), ''],
      [`bytes per ended run, next ${(report.ended / 2).toLocaleString('en')}`, report.bytes_per_ended_run_after.toFixed(1), 'goal ~0 (bounded state)'],
      ['records per CPU-second (predictions + telemetry)', Math.round(report.records_per_cpu_second).toLocaleString('en'), ''],
    ]);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};

const schedulerQueue: Bench = {
  summary: 'what a dispatch pass costs a scheduler task whose pool is full, by the depth of its queue',
  usage: `prm bench scheduler-queue [--depths 0,1000,10000] [--running 1000] [--instances 50] [--cycles 3000] [--users 200] [--json FILE]
  --depths D      queued jobs behind the full pool, one measurement each on a fresh task; the first is
                  the baseline the others are compared with (default 0,1000,10000: up to a task's limit)
  --running N     jobs running at once, which fill the pool (default 1000)
  --instances N   instances the pool has, each a bin of the task's (default 50)
  --cycles C      runs ended per depth, each followed by a new request (default 3000)
Through one scheduler task in this process, its stores in memory (no Kafka). Each run's end frees one
job's room, which a pass over the queue fills, so the queue keeps its depth.`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      depths: { type: 'string' }, running: { type: 'string' }, instances: { type: 'string' }, cycles: { type: 'string' }, users: { type: 'string' }, json: { type: 'string' },
    });
    const depths = (values.depths ?? '0,1000,10000').split(',').map((d) => numberFlag('depths', d.trim(), 0));
    if (depths.some((d) => !Number.isInteger(d) || d < 0)) throw new UsageError('--depths must be a comma-separated list of integers >= 0');
    const running = numberFlag('running', values.running, 1000);
    const instances = numberFlag('instances', values.instances, 50);
    const cycles = numberFlag('cycles', values.cycles, 3000);
    const users = numberFlag('users', values.users, 200);
    for (const [name, v] of [['running', running], ['instances', instances], ['cycles', cycles], ['users', users]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer`);
    }
    if (running % instances !== 0) throw new UsageError('--running must be a multiple of --instances (as many jobs on each)');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runSchedulerQueueBench } = require('../../streams/bench/scheduler-queue') as typeof import('../../streams/bench/scheduler-queue');
    const { cpuClock, log } = measuring();
    const report = runSchedulerQueueBench({ depths, running, instances, cycles, users, cpuClock, log });
    printRows([
      ['running jobs (the pool full) / instances', `${report.running.toLocaleString('en')} / ${report.instances}`, ''],
      ...report.depths.map((d): [string, string, string] => [
        `queued ${d.queued.toLocaleString('en')}: records per CPU-second / µs per ended run`,
        `${Math.round(d.records_per_cpu_second).toLocaleString('en')} / ${d.us_per_ended_run.toFixed(0)}`,
        `${d.ratio_to_baseline.toFixed(3)} of queued ${report.depths[0]!.queued.toLocaleString('en')}`,
      ]),
    ]);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};

const pipeline: Bench = {
  summary: 'the decision path on Kafka (exactly-once): throughput, latency, ratio to a raw loop',
  usage: `prm bench pipeline [--rate 5000] [--duration 20] [--backlog 200000] [--users 2000] [--novel-code 0]
                   [--estimator quantile-mlp|log-ridge] [--max-records N] [--instances 1] [--unfused] [--seed 1] [--keep] [--json FILE]
  --rate R          requests/s offered in the latency phase (default 5000)
  --duration S      seconds each phase measures (default 20)
  --backlog N       requests published first and drained as fast as possible by the throughput
                    phases (pipeline, raw loop with and without transactions; default 200000)
  --users U         distinct users, Zipf-distributed activity (default 2000)
  --novel-code F    share of requests with first-seen code, missing the analyser's cache (default 0)
  --estimator M     the shipped code estimator's model the predictor runs (default: the artifact's choice)
  --max-records N   records per transaction (default the runtime's, 2000)
  --instances N     processes per system under test, one consumer group (default 1; the raw loop gets as many)
  --unfused         run predictor and scheduler as two processors, two exactly-once hops through
                    prm.demand-predictions (default: fused, one task and transaction per partition)
  --keep            keep the run's topics, groups and schema subjects (default: deleted)
Runs on the configured Kafka (KAFKA_BROKERS / SCHEMA_REGISTRY_URL, else the local stack), on topics
prefixed bench.pipeline.<run>.; progress on stderr, the table on stdout. The worker processes run
with the node flags recommended for processors (--v8-pool-size: one core fewer than the machine
has); PRM_BENCH_WORKER_NODE_FLAGS adds to them or overrides them. PRM_BENCH_ALLOC_PROFILE_DIR=dir
writes each worker's sampling heap profile of its measured window; PRM_BENCH_ALLOC_PROFILE_KEEP
says of which objects: all (default), survivors (no scavenge collected them: the old generation's
share, garbage included) or live (alive at the end).`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      rate: { type: 'string' }, duration: { type: 'string' }, backlog: { type: 'string' }, users: { type: 'string' },
      'novel-code': { type: 'string' }, estimator: { type: 'string' }, 'max-records': { type: 'string' }, instances: { type: 'string' }, seed: { type: 'string' },
      keep: { type: 'boolean' }, unfused: { type: 'boolean' }, json: { type: 'string' },
    });
    const rate = numberFlag('rate', values.rate, 5000);
    const duration = numberFlag('duration', values.duration, 20);
    const backlog = numberFlag('backlog', values.backlog, 200_000);
    const users = numberFlag('users', values.users, 2000);
    const novelCode = numberFlag('novel-code', values['novel-code'], 0);
    const maxRecords = values['max-records'] === undefined ? undefined : numberFlag('max-records', values['max-records'], 2000);
    const instances = numberFlag('instances', values.instances, 1);
    if (!(rate > 0)) throw new UsageError('--rate must be positive');
    if (!(duration >= 1)) throw new UsageError('--duration must be at least 1 second');
    for (const [name, v] of [['backlog', backlog], ['users', users], ['max-records', maxRecords ?? 1], ['instances', instances]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer`);
    }
    if (!(novelCode >= 0 && novelCode <= 1)) throw new UsageError('--novel-code must be between 0 and 1');
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const { artifactPath } = require('../../models/code/estimator') as typeof import('../../models/code/estimator');
    const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
    const { runPipelineBench } = require('../../streams/bench/pipeline-bench') as typeof import('../../streams/bench/pipeline-bench');
    const { renderTable, print, emitJson } = require('../output') as typeof import('../output');
    const { allocationsKept } = require('../../streams/bench/allocation-profile') as typeof import('../../streams/bench/allocation-profile');
    /* eslint-enable @typescript-eslint/no-require-imports */
    try {
      allocationsKept(process.env.PRM_BENCH_ALLOC_PROFILE_KEEP);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const estimator = values.estimator ?? (JSON.parse(readFileSync(artifactPath, 'utf8')) as { selected: string }).selected;
    if (estimator !== 'quantile-mlp' && estimator !== 'log-ridge') throw new UsageError('--estimator must be quantile-mlp or log-ridge');
    const endpoints = resolveEndpoints({ DATABASE_URL: 'unused', ...process.env });
    const report = await runPipelineBench({
      brokers: endpoints.kafkaBrokers, registryUrl: endpoints.schemaRegistryUrl, rate, durationSeconds: duration, backlog, users, novelCode,
      estimator, maxRecordsPerTransaction: maxRecords, instances, fused: values.unfused !== true, seed: numberFlag('seed', values.seed, 1), keep: values.keep === true,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const cell = (x: number | null, digits = 0) => (x === null || !Number.isFinite(x) ? '-' : x.toLocaleString('en', { maximumFractionDigits: digits }));
    const ratio = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
    print(renderTable([
      ['phase', 'offered/s', 'achieved/s', 'p50 ms', 'p99 ms', 'vs raw EOS', 'vs raw plain', 'CPU ms/1000', 'load 1m'],
      ...report.phases.map((p) => [
        p.phase + (p.sustained === false ? ' (not sustained)' : ''),
        p.offeredPerSecond === null ? 'backlog' : cell(p.offeredPerSecond),
        cell(p.achievedPerSecond), cell(p.p50Ms, 1), cell(p.p99Ms, 1), ratio(p.ratioToRawEos), ratio(p.ratioToRawPlain),
        cell(p.cpuMsPer1000, 1), `${p.loadAverage.start[0]!.toFixed(2)}->${p.loadAverage.end[0]!.toFixed(2)}`,
      ]),
    ]));
    const stage = (s: { p50: number; p99: number } | undefined) => (s === undefined ? '-' : `${cell(s.p50, 1)} / ${cell(s.p99, 1)}`);
    // A backlog's records wait from their publication before the phase: their wait says nothing.
    print('\nwhere the workers\' committed chunks spent their time, p50 / p99 ms (latency phases: the measured window; waiting: from the first record\'s send;\n a pipeline transaction carries every task\'s chunk of a round, a raw loop\'s one chunk)');
    print(renderTable([
      ['phase', 'chunks', 'records p50', 'written per record', 'waiting', 'processing', 'committing'],
      ...report.phases.map((p) => [
        p.phase, cell(p.transactions?.count ?? null), cell(p.transactions?.recordsP50 ?? null), p.transactions ? p.transactions.writtenPerRecord.toFixed(2) : '-',
        p.offeredPerSecond === null ? '-' : stage(p.transactions?.waitMs), stage(p.transactions?.processMs), stage(p.transactions?.commitMs),
      ]),
    ]));
    const latencyPhases = report.phases.filter((p) => p.recordPath);
    if (latencyPhases.length > 0) {
      // Per record, so a stall weighs as the records that waited behind it (the end-to-end p99 is per record too).
      print('\nlatency phases, per record: p50 / p99 ms from its send until its batch was fetched, its chunk taken up, processed, committed; end-to-end adds the\n commit markers and the reader\'s fetch');
      print(renderTable([
        ['phase', 'fetched', 'taken up', 'processed', 'committed', 'end-to-end'],
        ...latencyPhases.map((p) => [p.phase, stage(p.recordPath?.fetchedMs), stage(p.recordPath?.startedMs), stage(p.recordPath?.processedMs), stage(p.recordPath?.committedMs), stage(p.p50Ms === null || p.p99Ms === null ? undefined : { p50: p.p50Ms, p99: p.p99Ms })]),
      ]));
    }
    // Throughput on a shared machine is its cores over the CPU each output costs all processes, so
    // the ratio to the raw loop is split here into who spends it.
    print('\nCPU per 1000 outputs, ms (backlog phases: from the workers\' start to the drain\'s end; latency phases: the measured window); machine: every\n process on it; busy and steal: shares of all cores\' time');
    const share = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);
    print(renderTable([
      ['phase', 'worker', 'broker', 'this process', 'machine', 'busy', 'steal'],
      ...report.phases.map((p) => [p.phase, cell(p.cpuMsPer1000, 1), cell(p.cpu.brokerMsPer1000, 1), cell(p.cpu.harnessMsPer1000, 1), cell(p.cpu.machineMsPer1000, 1), share(p.cpu.machineBusyShare), share(p.cpu.stealShare)]),
    ]));
    const drains = report.phases.filter((p) => p.bound);
    if (drains.length > 0) print(`\nwhat held each drain back:\n${drains.map((p) => `  ${p.phase.padEnd(14)} ${p.bound!.reason}`).join('\n')}`);
    print(`\nrequests ${report.setup.requestBytes} B, dispatches ${report.setup.dispatchBytes} B (Avro, mean); estimator ${estimator}; ${values.unfused ? 'unfused' : 'fused'}; ${instances} process(es) per system under test (node ${report.setup.workerNodeFlags.join(' ')}); ` +
      `${report.machine.cpus} cpus, load average ${report.machine.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} at start, ` +
      `${report.machine.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at end`);
    print(report.goals.map((g) => `goal ${g.goal}: ${g.measured} -> ${g.met === null ? 'not judged' : g.met ? 'met' : 'MISSED'}`).join('\n'));
    emitJson(values.json, report);
    return 0;
  },
};

const BENCHES: Record<string, Bench> = { profiles, scheduler, 'scheduler-queue': schedulerQueue, pipeline };

const usage = `usage: prm bench <name> [options]

benchmarks:
${Object.entries(BENCHES).map(([name, b]) => `  ${name.padEnd(15)} ${b.summary}`).join('\n')}

${Object.values(BENCHES).map((b) => b.usage).join('\n\n')}`;

export const command: Command = {
  name: 'bench',
  summary: 'Benchmarks that print a table and write JSON (profiles, scheduler, pipeline)',
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    const bench = name ? BENCHES[name] : undefined;
    if (!bench) throw new UsageError(name ? `unknown benchmark '${name}'` : 'name a benchmark');
    return bench.run(rest);
  },
};
