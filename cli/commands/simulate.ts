import { writeFileSync } from 'node:fs';
import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';

const FORMATS = ['bitbrains', 'alibaba-batch', 'azure-llm', 'jobs'] as const;
type Format = (typeof FORMATS)[number];

const usage = `
usage: prm simulate --trace FILE [--trace FILE ...] --format bitbrains|alibaba-batch|azure-llm|jobs
                    --train-until ISO [--policy static,reactive,predictive,oracle]
                    [--boot-delay 300] [--instance-cores 8] [--slo-delay 60] [--json OUT]
                    [--control-interval 60] [--seed 1] [--quantile p50] [--coverage 0.95]
                    [--max-instances 10000] [--boot-jitter 0] [--sweep]

Replays a real trace in a deterministic discrete-event simulator under each scaling policy:
  static      a fixed fleet sized for the peak demand before --train-until
  reactive    the Kubernetes HPA algorithm (target 0.7, tolerance 0.1, 5-minute scale-down window)
  predictive  PRM's planner: forecast quantile x adaptive headroom, one boot delay ahead
  oracle      knows the future (the demand; each job's arrival, run time, cores and memory) and
              holds exactly the instances that let no work wait, launched one boot delay ahead:
              the fewest instance-hours of any policy under which no work waits (the bound; a
              policy may pay less only by letting work wait)
Everything before --train-until trains (forecaster choice, static peak, predictive history); the
rest is simulated. Reports instance-hours, utilization, the share of work that waited longer than
--slo-delay seconds (core-seconds for bitbrains, jobs otherwise) and delay percentiles.

Formats: bitbrains  GWA-T-12 per-VM CSV (gzip ok); each VM is one user, MHz -> cores per VM.
         alibaba-batch  Alibaba 2018 batch_task.csv; a task is a job, tier = job id mod 10 (see
                    models/traces/alibaba.ts); trace seconds are read as Unix seconds.
         azure-llm  Azure LLM inference trace; size from tokens (models/traces/azure-llm.ts).
         jobs       PRM's own JSON-lines job format (models/traces/jobs.ts).

  --quantile Q      forecast quantile the predictive policy's headroom multiplies: p50 (default,
                    the point forecast; the headroom alone sets the coverage), p90, p99
  --coverage C      share of recent targets its adaptive headroom must cover (default 0.95)
  --boot-jitter S   each launch takes an extra uniform [0, S) seconds, drawn from --seed
  --sweep           also print the trade-off curve: predictive at several coverages, reactive at
                    several targets, as (instance_hours, slo_miss_fraction) points
`;

export const command: Command = {
  name: 'simulate',
  summary: 'Compare scaling policies (static, reactive HPA, predictive, oracle) on a real trace',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      trace: { type: 'string', multiple: true },
      format: { type: 'string' },
      'train-until': { type: 'string' },
      policy: { type: 'string' },
      'boot-delay': { type: 'string' },
      'boot-jitter': { type: 'string' },
      'instance-cores': { type: 'string' },
      'slo-delay': { type: 'string' },
      'control-interval': { type: 'string' },
      'max-instances': { type: 'string' },
      seed: { type: 'string' },
      quantile: { type: 'string' },
      coverage: { type: 'string' },
      json: { type: 'string' },
      sweep: { type: 'boolean' },
    });
    if (!values.trace?.length) throw new UsageError('at least one --trace is required');
    const format = values.format as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}${values.format ? `, got '${values.format}'` : ''}`);
    const trainUntil = parseTime(values['train-until']);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { POLICY_NAMES } = require('../../models/simulation/policies') as typeof import('../../models/simulation/policies');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const policies = (values.policy ?? POLICY_NAMES.join(',')).split(',').map((p) => p.trim());
    for (const p of policies) if (!(POLICY_NAMES as readonly string[]).includes(p)) throw new UsageError(`unknown policy '${p}' (expected ${POLICY_NAMES.join(', ')})`);
    const quantile = values.quantile ?? 'p50';
    if (quantile !== 'p50' && quantile !== 'p90' && quantile !== 'p99') throw new UsageError(`--quantile must be p50, p90 or p99, got '${quantile}'`);
    const settings = {
      bootDelaySeconds: positive('boot-delay', values['boot-delay'], 300, true),
      bootJitterSeconds: positive('boot-jitter', values['boot-jitter'], 0, true),
      instanceCores: positive('instance-cores', values['instance-cores'], 8),
      sloDelaySeconds: positive('slo-delay', values['slo-delay'], 60, true),
      controlSeconds: positive('control-interval', values['control-interval'], 60),
      maxInstances: positive('max-instances', values['max-instances'], 10_000),
      seed: numberFlag('seed', values.seed, 1),
      quantile: quantile as 'p50' | 'p90' | 'p99',
      coverage: numberFlag('coverage', values.coverage, 0.95),
    };
    if (!(settings.coverage > 0 && settings.coverage < 1)) throw new UsageError('--coverage must be in (0, 1)');
    if (!Number.isInteger(settings.maxInstances)) throw new UsageError('--max-instances must be an integer');
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { runSimulation } = require('../../models/simulation/run') as typeof import('../../models/simulation/run');
    const { readLines } = require('../read-lines') as typeof import('../read-lines');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const report = await runSimulation({
      traces: values.trace, readLines, format, trainUntil, policies: policies as (typeof POLICY_NAMES)[number][], sweep: values.sweep ?? false, ...settings,
      log: (line) => process.stderr.write(`simulate: ${line}\n`),
      print: (text) => process.stdout.write(text),
    });
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};

function parseTime(value: string | undefined): number {
  if (value === undefined) throw new UsageError('--train-until is required (ISO date-time, e.g. 2013-08-01T00:00:00Z)');
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`--train-until must be an ISO date-time, got '${value}'`);
  return ms / 1000;
}

function positive(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  const n = numberFlag(name, value, fallback);
  if (allowZero ? n < 0 : n <= 0) throw new UsageError(`--${name} must be ${allowZero ? '>= 0' : '> 0'}, got ${n}`);
  return n;
}
