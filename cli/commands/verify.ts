import { writeFileSync } from 'node:fs';
import { numberFlag, parseFlags } from '../args';
import { type Command, UsageError } from '../command';

/**
 * A `prm verify <check>`: each check parses its own flags and returns the exit code. Every check
 * turns all its flags into options before it looks for the stack, so a bad flag is reported as
 * such, not as a missing stack or after a run has started.
 */
interface Check {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Heavy modules load when a check runs, keeping `prm --help` cheap. require, not import():
// under tsx's CommonJS hook (cli/prm.cjs) import() does not resolve extensionless .ts paths.

const say = (message: string) => process.stderr.write(`[verify] ${message}\n`);

function writeJson(file: string | undefined, facts: unknown): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(facts, null, 2)}\n`);
  say(`wrote ${file}`);
}

function table(rows: [string, string | number | boolean][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

async function brokers(): Promise<string[]> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
  return resolveEndpoints().kafkaBrokers;
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  const n = numberFlag(name, value, fallback);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${n}`);
  return n;
}

const checks: Record<string, Check> = {
  'exactly-once': {
    summary: 'count keyed records in child processes while SIGKILLing them; report lost and duplicated',
    async run(argv) {
      const { values } = parseFlags(argv, {
        records: { type: 'string' },
        kills: { type: 'string' },
        pauses: { type: 'string' },
        instances: { type: 'string' },
        partitions: { type: 'string' },
        keys: { type: 'string' },
        seed: { type: 'string' },
        fused: { type: 'boolean' },
        'stable-ids': { type: 'boolean' },
        json: { type: 'string' },
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runExactlyOnce } = require('../../streams/runtime/verify/exactly-once') as typeof import('../../streams/runtime/verify/exactly-once');
      const options = {
        records: positiveInt('records', values.records, 20_000),
        kills: positiveInt('kills', values.kills, 2, 0),
        pauses: positiveInt('pauses', values.pauses, 1, 0),
        instances: positiveInt('instances', values.instances, 2),
        partitions: positiveInt('partitions', values.partitions, 4),
        keys: positiveInt('keys', values.keys, 1000),
        seed: values.seed === undefined ? undefined : positiveInt('seed', values.seed, 0, 0),
        fused: values.fused === true,
        stableIds: values['stable-ids'] === true,
        progress: say,
      };
      const report = await runExactlyOnce({ ...options, brokers: await brokers() });
      const { check: _check, ...facts } = report;
      process.stdout.write(
        table([
          ['records produced', facts.recordsProduced],
          ['records lost', facts.recordsLost],
          ['records duplicated', facts.recordsDuplicated],
          ['final per-key counts correct', facts.finalCountsCorrect],
          ['instances', facts.instances],
          ['kills (SIGKILL + restart)', facts.killsPerformed],
          ['pauses (SIGSTOP past the session timeout: zombies)', facts.pausesPerformed],
          ['restores (non-empty)', facts.restore.restores],
          ['restore time max / mean (ms)', `${facts.restore.maxMs} / ${facts.restore.meanMs}`],
          ['largest restore (records)', facts.restore.maxRecords],
          ['throughput (records/s, incl. failovers)', facts.throughputRecordsPerSec],
          ['longest stall of the outputs (ms)', facts.longestOutputStallMs],
        ]),
      );
      writeJson(values.json, facts);
      return facts.recordsLost === 0 && facts.recordsDuplicated === 0 && facts.finalCountsCorrect ? 0 : 1;
    },
  },
  restore: {
    summary: 'time restoring a keyed store from its changelog (default 1,000,000 keys)',
    async run(argv) {
      const { values } = parseFlags(argv, { keys: { type: 'string' }, json: { type: 'string' } });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runRestoreBench } = require('../../streams/runtime/verify/restore-bench') as typeof import('../../streams/runtime/verify/restore-bench');
      const keys = positiveInt('keys', values.keys, 1_000_000);
      const facts = await runRestoreBench({ brokers: await brokers(), keys, progress: say });
      process.stdout.write(
        table([
          ['keys', facts.keys],
          ['changelog records replayed', facts.records],
          ['restore time (ms)', facts.restoreMs],
          ['  of which group join (ms)', facts.assignMs],
          ['restore rate (records/s)', facts.recordsPerSec],
          ['store size after restore', facts.storeSize],
          ['restored values correct', facts.valuesCorrect],
        ]),
      );
      writeJson(values.json, facts);
      return facts.valuesCorrect && facts.storeSize === facts.keys ? 0 : 1;
    },
  },
  faults: {
    summary: 'SIGKILL each processor type, restart the broker and registry, stop the database; count lost and duplicated',
    async run(argv) {
      const { values } = parseFlags(argv, {
        requests: { type: 'string' },
        faults: { type: 'string' },
        kills: { type: 'string' },
        'db-outage-seconds': { type: 'string' },
        rate: { type: 'string' },
        speed: { type: 'string' },
        'drain-timeout': { type: 'string' },
        fused: { type: 'boolean' },
        keep: { type: 'boolean' },
        json: { type: 'string' },
      });
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { faultsFor, runFaults } = require('../../streams/verify-faults/faults') as typeof import('../../streams/verify-faults/faults');
      const { connectionFromEnv } = require('../../stack/connection') as typeof import('../../stack/connection');
      /* eslint-enable @typescript-eslint/no-require-imports */
      exitOnInterrupt();
      const fused = values.fused === true;
      const known = faultsFor(fused);
      const faults = values.faults?.split(',').map((f) => f.trim()).filter(Boolean) ?? known;
      const unknown = faults.filter((f) => !known.includes(f));
      if (unknown.length > 0) throw new UsageError(`unknown fault ${unknown.join(', ')}: choose from ${known.join(', ')}`);
      const options = {
        requests: positiveInt('requests', values.requests, 600),
        faults,
        killsPerType: positiveInt('kills', values.kills, 2),
        dbOutageSeconds: positiveInt('db-outage-seconds', values['db-outage-seconds'], 60),
        rate: positiveInt('rate', values.rate, 5),
        speed: positiveInt('speed', values.speed, 180, 2),
        drainTimeoutMs: positiveInt('drain-timeout', values['drain-timeout'], 240) * 1000,
        keep: values.keep === true,
        fused,
        say,
      };
      const report = await runFaults({ ...options, connection: connectionFromEnv() });
      process.stdout.write(faultsTable(report));
      writeJson(values.json, report);
      const clean = Object.values(report.faults).every((f) => f.lost === 0 && f.duplicated === 0 && f.recovered_in_s !== null && f.predictor_restarted_in_outage_s !== null);
      const totals = report.totals;
      return clean && totals.lost === 0 && totals.duplicated === 0 && totals.drained && totals.runsPresumedLost.length === 0 ? 0 : 1;
    },
  },
  soak: {
    summary: 'steady load for a while (default 30 min): memory of each process flat, consumer lag bounded',
    async run(argv) {
      const { values } = parseFlags(argv, {
        minutes: { type: 'string' },
        rate: { type: 'string' },
        'sample-seconds': { type: 'string' },
        speed: { type: 'string' },
        'max-rss-slope': { type: 'string' },
        'max-lag': { type: 'string' },
        keep: { type: 'boolean' },
        json: { type: 'string' },
      });
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { runSoak } = require('../../streams/verify-faults/soak') as typeof import('../../streams/verify-faults/soak');
      const { connectionFromEnv } = require('../../stack/connection') as typeof import('../../stack/connection');
      /* eslint-enable @typescript-eslint/no-require-imports */
      exitOnInterrupt();
      const minutes = numberFlag('minutes', values.minutes, 30);
      if (!(minutes > 0)) throw new UsageError(`--minutes must be positive, got ${minutes}`);
      const rate = numberFlag('rate', values.rate, 5);
      if (!(rate > 0)) throw new UsageError(`--rate must be positive, got ${rate}`);
      const options = {
        minutes,
        rate,
        sampleSeconds: positiveInt('sample-seconds', values['sample-seconds'], 10),
        speed: positiveInt('speed', values.speed, 30, 2),
        maxRssSlopeMiBPerHour: numberFlag('max-rss-slope', values['max-rss-slope'], 50),
        maxLag: values['max-lag'] === undefined ? undefined : positiveInt('max-lag', values['max-lag'], 0, 0),
        keep: values.keep === true,
        say,
      };
      const report = await runSoak({ ...options, connection: connectionFromEnv() });
      // Slopes over the second half, MiB/h; the RSS less the nursery and the live heap are judged, the rest say where it grows.
      const rows = [['process', 'RSS start MiB', 'RSS end MiB', 'RSS slope', 'nursery growth MiB', 'RSS less nursery slope', 'old gen committed', 'live heap', 'outside heap', 'max lag (2nd half)', 'flat']];
      for (const [name, p] of Object.entries(report.processes)) {
        rows.push([
          name, String(p.rssStartMiB), String(p.rssEndMiB), String(p.rssSlopeMiBPerHour), String(p.nurseryGrowthMiB ?? '-'), String(p.outsideNurserySlopeMiBPerHour ?? '-'),
          String(p.oldCommittedSlopeMiBPerHour ?? '-'), String(p.liveSlopeMiBPerHour ?? '-'), String(p.outsideHeapSlopeMiBPerHour ?? '-'), String(p.maxLagSecondHalf), String(p.flat),
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      process.stdout.write(`${rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n\n`);
      process.stdout.write(
        table([
          ['minutes / rate (req/s) / event speed', `${report.minutes} / ${report.rate} / x${report.speed.toFixed(0)}`],
          ['requests published / finished', `${report.requests} / ${report.finished}`],
          ['RSS slope allowed (MiB/h)', report.allowedRssSlopeMiBPerHour],
          ['live heap slope allowed (MiB/h)', report.allowedLiveSlopeMiBPerHour],
          ['memory flat (every process)', report.memoryFlat],
          ['max total lag, second half', report.maxLagSecondHalf],
          ['lag bound', report.lagBound],
          ['lag bounded', report.lagBounded],
        ]),
      );
      writeJson(values.json, report);
      return report.memoryFlat && report.lagBounded ? 0 : 1;
    },
  },
};

/** Ctrl-C ends the run at once; the processor processes it started go with it (their exit hook). */
function exitOnInterrupt(): void {
  const exit = () => process.exit(130);
  process.once('SIGINT', exit);
  process.once('SIGTERM', exit);
}

function faultsTable(report: import('../../streams/verify-faults/faults').FaultsReport): string {
  const rows = [['fault', 'injections', 'requests', 'lost', 'duplicated', 'recovered_in_s', 'outage_s', 'processes that gave up']];
  for (const [name, f] of Object.entries(report.faults)) {
    rows.push([
      name, String(f.injections), String(f.requests), String(f.lost), String(f.duplicated),
      f.recovered_each_s.map((s) => (s === null ? 'never' : s)).join(' / '), String(f.outage_s), f.crashed.join(', ') || '-',
    ]);
  }
  const t = report.totals;
  rows.push(['total', '', String(t.requests), String(t.lost), String(t.duplicated), '', '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const stages = Object.entries(t.stages).map(([s, v]) => `${s} lost ${v.lost} duplicated ${v.duplicated}`).join('; ');
  return `${lines.join('\n')}\n\nper stage: ${stages}\nrequests written twice by the producer: ${t.requestsDoubled}; failed sends: ${t.failedSends}; ` +
    `outputs of unknown requests: ${t.foreignOutputs}\ndrained: ${t.drained} (${t.drainSeconds} s); wall time ${t.wallSeconds} s; ` +
    `event time x${t.speed.toFixed(0)}\nprocesses that exited by themselves (restarted): ${t.unexpectedExits.length === 0 ? 'none' : t.unexpectedExits.join('; ')}\n` +
    `live outputs reader against the recount: ${readerFinding(t.reader)}\n` +
    `runs the scheduler presumed lost (their leases ran out early): ${t.runsPresumedLost.length === 0 ? 'none' : t.runsPresumedLost.join(', ')}\n`;
}

/** The live reader's disagreements with the recount, a finding about kafkajs consumers under faults. */
function readerFinding(r: import('../../streams/verify-faults/reader-check').ReaderCheck): string {
  if (r.disagreeing === 0 && r.liveBehind.length === 0) return 'agrees';
  const differ = r.disagreements.map((d) => `${d.topic} ${d.requestId}: ${d.live} live, ${d.recounted} recounted at ${d.at.join(' ') || '-'}`);
  return [`${r.disagreeing} disagreement(s)`, ...differ, ...(r.liveBehind.length > 0 ? [`behind: ${r.liveBehind.join(', ')}`] : [])].join('\n  ');
}

export const command: Command = {
  name: 'verify',
  summary: 'end-to-end checks: exactly-once under SIGKILL, restore time, the fault suite, the soak',
  usage: `
usage: prm verify <check> [options]

checks:
${Object.entries(checks)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}

prm verify exactly-once [--records N] [--kills K] [--pauses Z] [--instances I] [--partitions P] [--keys K] [--seed S] [--fused]
                        [--stable-ids] [--json FILE]
  Runs a keyed counting topology in I child processes, SIGKILLs a random instance K times at
  random points of the stream and restarts it, freezes one Z times (SIGSTOP) past its session
  timeout so it wakes as a zombie whose partitions moved, then reads the outputs
  read_committed. Exit 1 if any record was lost or doubled or a key's final count is wrong.
  Defaults: 20000 records, 2 kills, 1 pause, 2 instances, 4 partitions, 1000 keys. --fused counts through a fused chain: a relay
  processor hands each input to the counter in its task (StreamAppOptions.fuse). --stable-ids
  gives each instance an id kept across its restarts (prm run --instance-id), so a restarted one
  aborts its predecessor's open transaction at once; the report's longest stall of the outputs
  shows the difference.

prm verify restore [--keys N] [--json FILE]
  Writes N distinct keys to a compacted changelog (in transactions, like the runtime) and times
  restoring them into a store with the runtime's restore path. Default 1000000 keys.

prm verify faults [--requests N] [--faults F1,F2] [--kills K] [--db-outage-seconds S] [--rate R]
                  [--speed X] [--drain-timeout S] [--fused] [--keep] [--json FILE]
  Runs every processor type as its own 'prm run' process on fresh topics, with traffic from the
  bundled workload (R requests/s, default 5) and a simulated pool whose time passes X times as
  fast as the wall clock (default 180). Each fault gets its own phase, injected in the middle of
  its share of the N requests (default 600): kill-<type> SIGKILLs that processor K times
  (default 2) and restarts it (types: predictor, profiler, forecaster, planner, fleet-broadcast,
  scheduler, simulated-pool, sink); broker-restart and registry-restart stop and start the local
  stack's service; db-outage stops its database for S seconds (default 60) and SIGKILLs the
  predictor during it, which must commit progress again before the database is back (the
  request path does not need it; JSON predictor_restarted_in_outage_s). Then it drains and
  counts per request, read_committed: one prediction, one dispatch, one telemetry record and one
  row in execution_telemetry. A request is lost or duplicated when any stage lost or doubled
  it, and counts under the fault of its phase. recovered_in_s: seconds from the fault's end (the
  kill; the service back up) until every affected processor committed progress again. Exit 1
  on any loss, duplicate or unrecovered fault, a predictor not back during the outage, or a run
  the scheduler presumed lost (none is: the simulated pool restores its runs, so a lease that
  ran out would have handed a run's room out twice; JSON totals.runsPresumedLost).
  Default faults: all of them. --fused runs the predictor and the scheduler as one fused
  process, as 'prm start' does; its kill fault is kill-predictor+scheduler, in place of
  kill-predictor and kill-scheduler.

prm verify soak [--minutes M] [--rate R] [--sample-seconds S] [--speed X] [--max-rss-slope MIB_PER_H]
                [--max-lag N] [--keep] [--json FILE]
  The same pipeline (one process per processor type) under R requests/s (default 5) for M
  minutes (default 30; not for CI). Every S seconds (default 10) it samples each process's RSS
  and V8 heap and each consumer group's lag. Memory is flat when no process's RSS, less the V8
  nursery's committed size, grows faster than MIB_PER_H (default 50) over the second half (least
  squares), or than 32 MiB over the second half when that is more (a short soak cannot tell noise
  from a leak). The nursery grows in steps to the bound its flag sets (--max-semi-space-size) and
  stays, a quiet process late in a run; its growth and the plain RSS slope are reported beside the
  judged slope, and so is where the memory grows: the old generation V8 keeps committed, the heap
  live after full collections (what a leak of objects grows), and the memory outside the heap.
  The live heap is judged too: it may grow no more than 4 MiB over the second half (its slope),
  since V8 can hide a leak of objects in RSS for a long time before it multiplies it.
  Lag is bounded when the total lag over the second half stays under N (default 4 minutes of
  traffic, at least 100). Exit 1 otherwise. The workload's longest jobs run for hours of pool
  time, so the jobs held (and the instances the planner buys) still grow after 10 hours of it
  (6 minutes at --speed 100): a soak whose second half starts that soon measures the ramp, not a
  leak. The simulated pool may buy up to 48 instances at 5 requests/s, and proportionally more
  at a higher rate.

Kafka comes from KAFKA_BROKERS or the local stack ('npx prm stack up').
`,
  async run(argv) {
    const [name, ...rest] = argv;
    const check = name === undefined ? undefined : checks[name];
    if (!check) throw new UsageError(name ? `unknown check '${name}'` : `which check? (${Object.keys(checks).join(', ')})`);
    return check.run(rest);
  },
};
