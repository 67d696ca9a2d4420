import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { numberFlag, parseFlags } from '../args';
import type { Command } from '../command';
import { UsageError } from '../command';

const usage = `
usage: prm start [--speed N] [--duration SPAN] [--workload FILE --format F] [--keep-running]
                 [--report-dir DIR]

Runs PRM end to end on this machine with no configuration:
  1. brings the local stack up (Kafka, schema registry, embedded TimescaleDB), or uses
     KAFKA_BROKERS, SCHEMA_REGISTRY_URL and DATABASE_URL when they are set;
  2. creates the topics, registers their schemas and migrates the history database;
  3. runs every processor (predictor, profiler, forecaster, planner, fleet broadcast, scheduler),
     a simulated VM pool that scales on the planner's commands, and the sink into the database,
     on the run's own topics runs.<run id>.prm.*;
  4. replays the bundled workload (data/workload/workload.jsonl: 3,775 requests from 48 users of
     the Bitbrains and Alibaba traces over 6 hours) at --speed times its pace, with a progress bar;
  5. when every request has run (or on Ctrl-C), prints a summary and writes an HTML report with
     charts: predicted vs actual demand for the cluster and per user, instances vs demand with
     the scale commands, queue delay by tier, prediction error by model version.
The last line printed is the path of the HTML report.

  --speed N          trace seconds per wall second (default 60). Every 100 ms the pipeline takes
                     to hand a job's telemetry back is speed/10 s of the trace's time: at high
                     speeds short jobs hold their reservations visibly longer than they run
  --duration SPAN    replay only the first SPAN of the workload's time, e.g. 90m, 2h, 3600s
                     (default 3h: about 3 minutes at 60x; 6h replays all of it)
  --workload FILE    another trace instead of the bundled one (with --format: jobs,
                     bitbrains, alibaba-batch, azure-llm; see 'prm replay --help')
  --keep-running     after the report, keep the processors running until Ctrl-C (publish more with
                     'prm replay FILE --format F --topic-prefix runs.<run id>.')
  --report-dir DIR   where reports go (default ./reports); the run's is DIR/<run id>/report.html
Ctrl-C stops the replay, reports what finished and shuts everything down cleanly.
`;

const SPAN_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const command: Command = {
  name: 'start',
  summary: 'run PRM end to end: stack, topics, processors, a replay of the bundled workload, and a report',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      speed: { type: 'string' },
      duration: { type: 'string' },
      workload: { type: 'string' },
      format: { type: 'string' },
      'keep-running': { type: 'boolean' },
      'report-dir': { type: 'string' },
    });
    const speed = numberFlag('speed', values.speed, 60);
    if (!(speed >= 1)) throw new UsageError('--speed must be at least 1');
    const traceSpanMs = parseSpan(values.duration ?? '3h');
    if (values.format !== undefined && values.workload === undefined) throw new UsageError('--format goes with --workload');
    const workload = values.workload ?? join(__dirname, '..', '..', 'data', 'workload', 'workload.jsonl');
    const format = values.format ?? 'jobs';
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { TRACE_FORMATS } = require('../../streams/executors/replay-workload') as typeof import('../../streams/executors/replay-workload');
    /* eslint-enable @typescript-eslint/no-require-imports */
    if (!(TRACE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${TRACE_FORMATS.join(', ')}`);

    for (const step of [{ command: 'stack', argv: ['up'] }, { command: 'topics', argv: ['create'] }, { command: 'db', argv: ['migrate'] }]) {
      // A configured deployment brings its own services: only the local stack is ours to start.
      if (step.command === 'stack' && process.env.KAFKA_BROKERS) continue;
      process.stderr.write(`prm start: prm ${step.command} ${step.argv.join(' ')}\n`);
      const code = await load(step.command).run(step.argv);
      if (code !== 0) {
        process.stderr.write(`prm start: 'prm ${step.command} ${step.argv.join(' ')}' failed with exit code ${code}\n`);
        return code;
      }
    }
    return runLive({
      workload, format: format as (typeof TRACE_FORMATS)[number], speed, traceSpanMs,
      keepRunning: values['keep-running'] === true, reportDir: resolve(values['report-dir'] ?? 'reports'),
    });
  },
};

interface LiveRun {
  workload: string;
  format: import('../../streams/executors/replay-workload').TraceFormat;
  speed: number;
  traceSpanMs: number;
  keepRunning: boolean;
  reportDir: string;
}

async function runLive(o: LiveRun): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { connectionFromEnv } = require('../../stack/connection') as typeof import('../../stack/connection');
  const { connectDatabase } = require('../../sinks') as typeof import('../../sinks');
  const { refreshAggregates } = require('../../sinks/aggregates') as typeof import('../../sinks/aggregates');
  const { defaultPool } = require('../../streams/live/pipeline') as typeof import('../../streams/live/pipeline');
  const { defaultRunId, liveReplay } = require('../../streams/live/replay-run') as typeof import('../../streams/live/replay-run');
  const { writeRunReport } = require('../../sinks/report') as typeof import('../../sinks/report');
  const { jsonLogger } = require('../../streams/runtime/logger') as typeof import('../../streams/runtime/logger');
  const { CODE_MODEL_NAME } = require('../../models/training/artifact') as typeof import('../../models/training/artifact');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const connection = connectionFromEnv();
  const db = await connectDatabase({ url: connection.databaseUrl });
  // Processor logs are for operators: they go to the run's folder, the terminal shows progress.
  const runId = defaultRunId(Date.now());
  const runDir = join(o.reportDir, runId);
  mkdirSync(runDir, { recursive: true });
  const logPath = join(runDir, 'pipeline.log');
  const log = createWriteStream(logPath, { flags: 'a' });
  const logger = jsonLogger({ write: (line) => log.write(line) });
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nprm start: stopping: reporting what has finished (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tty = process.stderr.isTTY === true;
  try {
    process.stderr.write(`prm start: run ${runId}: replaying ${o.workload} at ${o.speed}x through the live pipeline (logs: ${logPath})\n`);
    const run = await liveReplay({
      runId,
      connection, database: db, trace: o.workload, format: o.format, speed: o.speed, traceSpanMs: o.traceSpanMs,
      pool: defaultPool, logger, signal: abort.signal,
      progress: (line) => process.stderr.write(tty ? `\r${line}` : `${line}\n`),
      onTrainingCycle: (result) => {
        for (const m of result.models.filter((x) => x.status === 'promoted')) {
          process.stderr.write(`${tty ? '\n' : ''}prm start: trainer promoted ${m.model} ${m.candidateVersion} over ${m.currentVersion} (${m.reason}); the ${m.model === CODE_MODEL_NAME ? 'predictor' : 'forecaster'} swaps it in\n`);
        }
      },
    });
    if (tty) process.stderr.write('\n');
    try {
      await refreshAggregates(db).catch(() => undefined);
      const scope = { runId: run.runId, pool: run.pool, from: new Date(run.fromMs), to: new Date(run.toMs + 1) };
      const written = await writeRunReport(db, scope, runDir, {
        notes: [`workload ${o.workload} (${o.format}) replayed at ${o.speed}x`, `pipeline log ${logPath}`],
      });
      process.stdout.write(`${written.summary}\n`);
      process.stdout.write(
        `run ${run.runId}: ${run.counts.finished}/${run.requests} requests from ${run.users} users finished in ${(run.wallMs / 1000).toFixed(0)} s` +
          `${run.finished ? '' : ` (${run.requests - run.counts.finished} still queued or running when the drain ended: jobs longer than the replay leaves time for)`}` +
          `; topics ${run.topicPrefix}prm.*, application ${run.app}\n`,
      );
      if (o.keepRunning && !abort.signal.aborted) {
        process.stderr.write(`prm start: processors keep running on ${run.topicPrefix}prm.*; Ctrl-C to stop\n`);
        process.stdout.write(`${written.htmlPath}\n`);
        await Promise.race([new Promise((r) => abort.signal.addEventListener('abort', r, { once: true })), run.pipeline.stopped]);
        await run.pipeline.stop();
        return 0;
      }
      await run.pipeline.stop();
      process.stdout.write(`${written.htmlPath}\n`);
      // A drain that timed out is in the summary and the report; the run itself did its job.
      return 0;
    } catch (err) {
      await run.pipeline.stop();
      throw err;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.close();
    log.end();
  }
}

function parseSpan(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--duration '${text}' is not a span like 90m, 2h or 3600s`);
  const ms = Number(m[1]) * SPAN_UNITS[m[2] || 's']!;
  if (!(ms > 0)) throw new UsageError('--duration must be positive');
  return ms;
}

function load(name: string): Command {
  // require, not import(): cli/prm.cjs registers tsx for CommonJS only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`./${name}`) as { command: Command }).command;
}
