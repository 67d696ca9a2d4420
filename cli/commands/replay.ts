import { writeFile } from 'node:fs/promises';
import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';

const usage = `
usage: prm replay TRACE --format bitbrains|alibaba-batch|azure-llm|jobs [--speed N] [--limit N]
                        [--start ISO] [--run-id ID] [--seed N] [--topic-prefix P] [--json FILE]

Publishes a trace's execution requests to prm.requests (Avro, keyed by user id) with event
times from the trace, re-based so the trace's first request is at --start (default: now minus
the replayed span, so every event time is in the past and the last is about now).

  --format F        bitbrains: a fluid trace; each VM is a user and the CPU it used in each
                    5-minute step becomes requests of at most 60 CPU-seconds whose sizes sum to
                    it, at seeded random times within the step. alibaba-batch: batch_task.csv,
                    a task is a request. azure-llm: one request per inference. jobs: PRM's JSONL.
  --speed N         trace seconds per wall second (default 60; 0 = as fast as possible)
  --limit N         read at most N records of the trace (default all)
  --start ISO       event time of the first request
  --run-id ID       prefix of the request ids (default replay-<start ms>)
  --seed N          seed of the fluid derivation (default 1)
  --topic-prefix P  publish to P + prm.requests (a test run or a shared cluster)
  --json FILE       write the summary as JSON
Progress goes to stderr; the summary to stdout.
`;

export const command: Command = {
  name: 'replay',
  summary: 'publish a trace as execution requests with their event times (at --speed)',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      format: { type: 'string' },
      speed: { type: 'string' },
      limit: { type: 'string' },
      start: { type: 'string' },
      'run-id': { type: 'string' },
      seed: { type: 'string' },
      'topic-prefix': { type: 'string' },
      json: { type: 'string' },
    }, true);
    const [trace, ...extra] = positionals;
    if (!trace) throw new UsageError('a TRACE file is required');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { TRACE_FORMATS } = require('../../streams/executors/replay-workload') as typeof import('../../streams/executors/replay-workload');
    const { readReplayTrace, replayRequests } = require('../../streams/executors/replay-run') as typeof import('../../streams/executors/replay-run');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const format = values.format as (typeof TRACE_FORMATS)[number] | undefined;
    if (!format || !TRACE_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${TRACE_FORMATS.join(', ')}`);
    const speed = numberFlag('speed', values.speed, 60);
    if (speed < 0) throw new UsageError('--speed must be >= 0');
    const limit = numberFlag('limit', values.limit, Infinity);
    if (!(limit > 0)) throw new UsageError('--limit must be positive');
    const seed = numberFlag('seed', values.seed, 1);
    const start = values.start === undefined ? undefined : Date.parse(values.start);
    if (start !== undefined && !Number.isFinite(start)) throw new UsageError(`--start '${values.start}' is not an ISO time`);

    const jobs = await readReplayTrace(trace, format, limit, seed);
    if (jobs.length === 0) throw new UsageError(`${trace} holds no requests in ${format} format`);
    const summary = await replayRequests({ jobs, speed, start, runId: values['run-id'], topicPrefix: values['topic-prefix'] });
    process.stdout.write(
      `replayed ${summary.requests} requests from ${summary.users} users over ${(summary.spanMs / 3600_000).toFixed(2)} h of event time ` +
      `(${new Date(summary.firstEventMs).toISOString()} .. ${new Date(summary.lastEventMs).toISOString()}) ` +
      `in ${(summary.wallMs / 1000).toFixed(1)} s to ${summary.topic}, run ${summary.runId}\n`,
    );
    if (values.json) await writeFile(values.json, `${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  },
};
