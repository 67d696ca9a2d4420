import type { Series } from '../forecasting/forecaster';
import type { ForecastQuantile } from '../planning/proactive-planner';
import { selectForecaster } from '../planning/select-forecaster';
import { BitbrainsGridBuilder, parseBitbrainsLine } from '../traces/bitbrains';
import { bitbrainsDemandCores, peakBetween, splitSeries } from './bitbrains-demand';
import { simulateFluid } from './fluid';
import { buildPolicy, type PolicyContext, type PolicyName, type PolicySettings } from './policies';
import type { PolicyResult } from './result';
import { simulateJobs, type JobPolicyResult, type JobSimulationOptions } from './jobs';
import { neededInstancesPlan } from './job-oracle';
import type { NeededInstances } from '../planning/oracle-policy';
import { concurrencyProfile } from './job-demand';
import { ALIBABA_MACHINE_CORES, parseAlibabaTaskLine } from '../traces/alibaba';
import { parseAzureLlmLine } from '../traces/azure-llm';
import { parseJobLine, type TraceJob } from '../traces/jobs';

export interface SimulationRunOptions {
  traces: string[];
  /** Lines of a trace file (the CLI passes its gzip-aware reader; tests pass arrays). */
  readLines: (path: string) => AsyncIterable<string>;
  format: 'bitbrains' | 'alibaba-batch' | 'azure-llm' | 'jobs';
  trainUntil: number;
  policies: PolicyName[];
  sweep: boolean;
  bootDelaySeconds: number;
  /** Extra boot time, uniform in [0, jitter), drawn from the seeded generator. */
  bootJitterSeconds: number;
  instanceCores: number;
  sloDelaySeconds: number;
  controlSeconds: number;
  maxInstances: number;
  seed: number;
  quantile: ForecastQuantile;
  coverage: number;
  log: (line: string) => void;
  print: (text: string) => void;
}

export interface SweepPoint {
  policy: PolicyName;
  setting: string;
  instance_hours: number;
  slo_miss_fraction: number;
}

export interface SimulationReport {
  trace: { format: string; files: string[]; train_until: string; simulated_from: string; simulated_to: string };
  settings: Record<string, number | string>;
  forecaster: { chosen: string; validation_mae: Record<string, number> };
  policies: Partial<Record<PolicyName, PolicyResult | JobPolicyResult>>;
  sweep?: SweepPoint[];
}

const SWEEP_COVERAGES = [0.8, 0.9, 0.95, 0.98, 0.99];
const SWEEP_HPA_TARGETS = [0.5, 0.6, 0.7, 0.8, 0.9];

/** Loads the trace, trains on data before `trainUntil`, simulates the rest under each policy. */
export async function runSimulation(o: SimulationRunOptions): Promise<SimulationReport> {
  if (o.format !== 'bitbrains') return runJobSimulation(o);
  const demand = await loadBitbrainsDemand(o);
  const [history, future] = splitSeries(demand, o.trainUntil);
  if (history.values.length < 3 || future.values.length < 1) {
    throw new RangeError(`--train-until must leave training data before it and simulated data after it (trace covers ${iso(demand.startSeconds)}..${iso(demand.startSeconds + demand.values.length * demand.stepSeconds)})`);
  }
  const horizon = Math.ceil((o.bootDelaySeconds + o.controlSeconds) / demand.stepSeconds) + 1;
  const choice = selectForecaster(history, horizon);
  o.log(`forecaster for the predictive policy: ${choice.forecaster.name} (validation MAE ${fmtMae(choice.validationMae)})`);
  const ctx: PolicyContext = {
    history, forecaster: choice.forecaster, instanceCores: o.instanceCores, bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds,
    controlSeconds: o.controlSeconds, oracleNeeds: (from, to) => Math.ceil(peakBetween(future, from, to) / o.instanceCores - 1e-9),
  };
  const run = (name: PolicyName, s: PolicySettings): PolicyResult => simulateFluid(buildPolicy(name, ctx, s), {
    demand: future, instanceCores: o.instanceCores, bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds, controlSeconds: o.controlSeconds,
    sloDelaySeconds: o.sloDelaySeconds, minInstances: 1, maxInstances: o.maxInstances, seed: o.seed,
    initialInstances: initialInstances(history, o.instanceCores),
  });
  const report: SimulationReport = {
    trace: {
      format: o.format, files: o.traces, train_until: iso(o.trainUntil), simulated_from: iso(future.startSeconds),
      simulated_to: iso(future.startSeconds + future.values.length * future.stepSeconds),
    },
    settings: {
      boot_delay_s: o.bootDelaySeconds, boot_jitter_s: o.bootJitterSeconds, instance_cores: o.instanceCores, slo_delay_s: o.sloDelaySeconds,
      control_interval_s: o.controlSeconds, seed: o.seed, predictive_quantile: o.quantile, predictive_coverage: o.coverage,
    },
    forecaster: { chosen: choice.forecaster.name, validation_mae: choice.validationMae },
    policies: {},
  };
  return runPolicies(o, report, run);
}

/** Runs each policy, then the sweep, printing as it goes. */
function runPolicies<R extends PolicyResult>(o: SimulationRunOptions, report: SimulationReport, run: (name: PolicyName, s: PolicySettings) => R): SimulationReport {
  const defaults: PolicySettings = { quantile: o.quantile, coverage: o.coverage };
  for (const name of o.policies) {
    o.log(`simulating ${name}`);
    report.policies[name] = run(name, defaults);
  }
  o.print(formatPolicies(report.policies));
  if (o.format !== 'bitbrains') o.print(formatTiers(report.policies as Partial<Record<PolicyName, JobPolicyResult>>));
  if (o.sweep) {
    report.sweep = [];
    for (const coverage of SWEEP_COVERAGES) {
      o.log(`sweep: predictive coverage ${coverage}`);
      const r = run('predictive', { quantile: o.quantile, coverage });
      report.sweep.push({ policy: 'predictive', setting: `coverage=${coverage}`, instance_hours: r.instance_hours, slo_miss_fraction: r.slo_miss_fraction });
    }
    for (const hpaTarget of SWEEP_HPA_TARGETS) {
      o.log(`sweep: reactive target ${hpaTarget}`);
      const r = run('reactive', { hpaTarget });
      report.sweep.push({ policy: 'reactive', setting: `target=${hpaTarget}`, instance_hours: r.instance_hours, slo_miss_fraction: r.slo_miss_fraction });
    }
    o.print(formatSweep(report.sweep, report.policies.reactive));
  }
  return report;
}

const JOB_STEP_SECONDS = 60;

async function runJobSimulation(o: SimulationRunOptions): Promise<SimulationReport> {
  const { jobs, skipped } = await loadJobs(o);
  if (jobs.length === 0) throw new RangeError('the trace holds no runnable jobs');
  o.log(`${jobs.length} jobs${Object.keys(skipped).length ? `; skipped rows: ${JSON.stringify(skipped)}` : ''}`);
  const first = Math.min(...jobs.map((j) => j.arrival));
  const end = Math.max(...jobs.map((j) => j.arrival + j.durationSeconds));
  const training = jobs.filter((j) => j.arrival < o.trainUntil);
  const simulated = jobs.filter((j) => j.arrival >= o.trainUntil);
  if (training.length === 0 || simulated.length === 0) {
    throw new RangeError(`--train-until must leave jobs before and after it (arrivals span ${iso(first)}..${iso(Math.max(...jobs.map((j) => j.arrival)))})`);
  }
  const start = Math.floor(first / JOB_STEP_SECONDS) * JOB_STEP_SECONDS;
  const cut = Math.floor(o.trainUntil / JOB_STEP_SECONDS) * JOB_STEP_SECONDS;
  // Training demand counts only what was known by then: jobs arrived before the cut.
  const history = concurrencyProfile(training, start, cut, JOB_STEP_SECONDS);
  const horizon = Math.ceil((o.bootDelaySeconds + o.controlSeconds) / JOB_STEP_SECONDS) + 1;
  const choice = selectForecaster(history, horizon);
  o.log(`forecaster for the predictive policy: ${choice.forecaster.name} (validation MAE ${fmtMae(choice.validationMae)})`);
  const instanceMemory = o.format === 'alibaba-batch' ? o.instanceCores / ALIBABA_MACHINE_CORES : Infinity;
  const trainingJobs = training.filter((j) => j.arrival + j.durationSeconds <= o.trainUntil);
  const simulation: JobSimulationOptions = {
    jobs: simulated, trainingJobs, startSeconds: o.trainUntil, instanceCores: o.instanceCores, instanceMemory,
    bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds, controlSeconds: o.controlSeconds, sloDelaySeconds: o.sloDelaySeconds,
    minInstances: 1, maxInstances: o.maxInstances, seed: o.seed, initialInstances: Math.min(o.maxInstances, initialInstances(history, o.instanceCores)),
  };
  // The oracle's plan is a simulation of its own: made only when the oracle runs. The first
  // control decision is one interval in, so no launch is ready before then plus the boot delay.
  let plan: NeededInstances | undefined;
  const ctx: PolicyContext = {
    history, forecaster: choice.forecaster, instanceCores: o.instanceCores, bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds,
    controlSeconds: o.controlSeconds,
    oracleNeeds: (from, to) => (plan ??= neededInstancesPlan(simulation, o.trainUntil + o.controlSeconds + o.bootDelaySeconds))(from, to),
  };
  const run = (name: PolicyName, s: PolicySettings): JobPolicyResult => simulateJobs(buildPolicy(name, ctx, s), simulation);
  const report: SimulationReport = {
    trace: { format: o.format, files: o.traces, train_until: iso(o.trainUntil), simulated_from: iso(o.trainUntil), simulated_to: iso(end) },
    settings: {
      boot_delay_s: o.bootDelaySeconds, boot_jitter_s: o.bootJitterSeconds, instance_cores: o.instanceCores, instance_memory: instanceMemory === Infinity ? 'unbounded' : instanceMemory,
      slo_delay_s: o.sloDelaySeconds, control_interval_s: o.controlSeconds, seed: o.seed, predictive_quantile: o.quantile, predictive_coverage: o.coverage,
    },
    forecaster: { chosen: choice.forecaster.name, validation_mae: choice.validationMae },
    policies: {},
  };
  return runPolicies(o, report, run);
}

async function loadJobs(o: SimulationRunOptions): Promise<{ jobs: TraceJob[]; skipped: Record<string, number> }> {
  const jobs: TraceJob[] = [];
  const skipped: Record<string, number> = {};
  for (const path of o.traces) {
    let n = 0;
    for await (const line of o.readLines(path)) {
      n++;
      if (o.format === 'alibaba-batch') {
        const r = parseAlibabaTaskLine(line, n);
        if (typeof r === 'string') { if (r !== 'header') skipped[r] = (skipped[r] ?? 0) + 1; } else jobs.push(r);
      } else {
        const r = o.format === 'azure-llm' ? parseAzureLlmLine(line, n) : parseJobLine(line, n);
        if (r) jobs.push(r);
      }
    }
  }
  return { jobs, skipped };
}

function formatTiers(policies: Partial<Record<PolicyName, JobPolicyResult>>): string {
  const rows: string[][] = [];
  for (const [name, r] of Object.entries(policies)) {
    for (const [tier, t] of Object.entries(r.per_tier)) {
      rows.push([name, tier, String(t.jobs), String(t.rejected), t.p50_wait_s.toFixed(1), t.p95_wait_s.toFixed(1), t.p99_wait_s.toFixed(1), t.max_wait_s.toFixed(1)]);
    }
  }
  return `
wait per tier (tier 0 highest; max_s of the last tier is the lowest tier's longest wait)
${table(['policy', 'tier', 'jobs', 'rejected', 'p50_s', 'p95_s', 'p99_s', 'max_s'], rows)}`;
}

async function loadBitbrainsDemand(o: SimulationRunOptions): Promise<Series> {
  const builder = new BitbrainsGridBuilder({ metrics: ['cpuUsageMhz'] });
  for (const path of o.traces) {
    let n = 0;
    for await (const line of o.readLines(path)) {
      const s = parseBitbrainsLine(line, ++n);
      if (s) builder.add(s);
      if (n % 1_000_000 === 0) o.log(`${path}: ${n.toLocaleString('en')} lines`);
    }
  }
  const grid = builder.build();
  o.log(`${grid.vmIds.length} VMs (users) x ${grid.steps} steps of ${grid.stepSeconds}s`);
  return bitbrainsDemandCores(grid);
}

/** Every policy starts from the same fleet: the last training step's demand at 70% utilization. */
function initialInstances(history: Series, instanceCores: number): number {
  for (let i = history.values.length - 1; i >= 0; i--) {
    const v = history.values[i]!;
    if (Number.isFinite(v)) return Math.max(1, Math.ceil(v / 0.7 / instanceCores));
  }
  return 1;
}

function formatPolicies(policies: Partial<Record<PolicyName, PolicyResult>>): string {
  const reactive = policies.reactive;
  const rows = Object.entries(policies).map(([name, r]) => [
    name, r.instance_hours.toFixed(0), reactive ? (r.instance_hours / reactive.instance_hours).toFixed(2) : '-',
    r.mean_utilization.toFixed(3), r.slo_miss_fraction.toFixed(4),
    reactive && reactive.slo_miss_fraction > 0 ? (r.slo_miss_fraction / reactive.slo_miss_fraction).toFixed(2) : '-',
    r.p50_delay_s.toFixed(0), r.p95_delay_s.toFixed(0), r.p99_delay_s.toFixed(0), String(r.scale_actions),
  ]);
  return table(['policy', 'instance_h', 'x_reactive', 'mean_util', 'slo_miss', 'x_reactive', 'p50_s', 'p95_s', 'p99_s', 'actions'], rows);
}

function formatSweep(points: SweepPoint[], reactive: PolicyResult | undefined): string {
  const rows = points.map((p) => [
    p.policy, p.setting, p.instance_hours.toFixed(0), reactive ? (p.instance_hours / reactive.instance_hours).toFixed(2) : '-',
    p.slo_miss_fraction.toFixed(4), reactive && reactive.slo_miss_fraction > 0 ? (p.slo_miss_fraction / reactive.slo_miss_fraction).toFixed(2) : '-',
  ]);
  return `\ntrade-off curve (x_reactive relative to reactive at its default target)\n${table(['policy', 'setting', 'instance_h', 'x_reactive', 'slo_miss', 'x_reactive'], rows)}`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function fmtMae(m: Record<string, number>): string {
  return Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
