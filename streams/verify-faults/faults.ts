import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '../../stack/connection';
import type { ServiceName } from '../../stack/service';
import { baselines, waitForProgress } from './group-progress';
import { FUSED_CHAIN, Harness } from './harness';
import { localStackControl, type StackControl } from './stack-control';
import { compareReaders, type ReaderCheck } from './reader-check';
import { type RequestCounts, type Tally, tally } from './tally';
import { bundledWorkload } from './traffic';

/** The fault kinds: a SIGKILL of one processor type, or a stack service going away. */
export const killableTypes = ['predictor', 'profiler', 'forecaster', 'planner', 'fleet-broadcast', 'scheduler', 'simulated-pool', 'sink'] as const;
export const serviceFaults = ['broker-restart', 'db-outage', 'registry-restart'] as const;
export const allFaults: readonly string[] = [...killableTypes.map((t) => `kill-${t}`), ...serviceFaults];
/** The faults of a fused run: the predictor and the scheduler are killed together, as the one process they are. */
export const allFusedFaults: readonly string[] = [
  `kill-${FUSED_CHAIN}`,
  ...allFaults.filter((f) => f !== 'kill-predictor' && f !== 'kill-scheduler'),
];

/** The faults a run can inject: a fused run has no predictor or scheduler of its own to kill. */
export function faultsFor(fused: boolean): readonly string[] {
  return fused ? allFusedFaults : allFaults;
}

export interface FaultsOptions {
  connection: Connection;
  /** Requests over the whole run, spread evenly over the fault phases. */
  requests: number;
  /** Fault names (allFaults), in order. */
  faults: readonly string[];
  /** SIGKILLs of each processor type named in `faults`. */
  killsPerType: number;
  dbOutageSeconds: number;
  /** Requests per wall second. Default 5. */
  rate?: number;
  /** Event ms per wall ms. Default 180: a 30-minute job takes 10 s. */
  speed?: number;
  /** Wall ms to wait after the last fault for every request's telemetry row. Default 240 s. */
  drainTimeoutMs?: number;
  /** Keep the run's topics, groups and rows (to look at them). */
  keep?: boolean;
  workload?: string;
  /** Run the predictor and the scheduler fused, as `prm start` does. */
  fused?: boolean;
  say(line: string): void;
}

/** One fault as reported: summed over its injections. */
export interface FaultResult {
  injections: number;
  /** Requests published during this fault's phases. */
  requests: number;
  lost: number;
  duplicated: number;
  /** Worst over the injections: seconds from the fault's end until every affected processor committed progress; null if one never did. */
  recovered_in_s: number | null;
  recovered_each_s: (number | null)[];
  /** How long the fault itself lasted (a service down), worst over the injections; 0 for a SIGKILL, whose restart is immediate. */
  outage_s: number;
  /** Processes that exited by themselves during the fault (each restarted, as a supervisor would), and stack services that did (restarted too). */
  crashed: string[];
  /**
   * db-outage only: seconds from SIGKILLing the predictor during the outage until its restart
   * committed progress, before the database was back; null if it did not. The request path must
   * not need the history database.
   */
  predictor_restarted_in_outage_s?: number | null;
  /** Where requests were lost or doubled. */
  stages: Tally['stages'];
  /** A few of the request ids lost or doubled, to look up. */
  examples: string[];
}

export interface FaultsReport {
  runId: string;
  faults: Record<string, FaultResult>;
  totals: Tally & {
    drained: boolean; drainSeconds: number; wallSeconds: number; unexpectedExits: string[]; failedSends: number; foreignOutputs: number; speed: number;
    /** Request ids of runs the scheduler presumed lost (ProcessorProcesses.presumedLost): none should be. */
    runsPresumedLost: string[];
    reader: ReaderCheck;
  };
  /** Requests published before the first fault and after the last (no fault of their own). */
  calm: Tally;
}

interface Phase {
  label: string;
  fault: string;
  recoveredS: number | undefined;
  /** db-outage: the predictor's restart during the outage (see FaultResult). */
  predictorRestartS?: number | undefined;
  outageS: number;
  crashed: string[];
}

/**
 * The fault suite: the whole pipeline as one process per processor type, traffic flowing, and
 * each fault injected in its own phase, in the middle of that phase's requests. A phase ends
 * when the pipeline has recovered (every affected processor committed progress again) and its
 * requests are out; the next fault follows. Lost and duplicated are counted per request and
 * attributed to the phase the request was published in: a request in flight when its fault hit
 * (and any still unfinished when the next fault hits) is counted under its own phase.
 */
export async function runFaults(o: FaultsOptions): Promise<FaultsReport> {
  const began = Date.now();
  const say = o.say;
  const phases = planPhases(o.faults, o.killsPerType, faultsFor(o.fused === true));
  const perPhase = Math.max(1, Math.ceil(o.requests / (phases.length + 1)));
  const stack = localStackControl(o.connection, say);
  const needs: Record<string, ServiceName> = { 'broker-restart': 'kafka', 'db-outage': 'timescale', 'registry-restart': 'registry' };
  for (const p of phases) {
    const service = needs[p.fault];
    if (service && !stack.restartable.has(service)) throw new Error(`${p.fault} restarts the local stack's ${service}, but the connection does not point at it`);
  }
  // A generous length of the run (starts, phases, outages, the drain): the event clock must not catch up with the wall clock before.
  const maxWallMs = 3 * 60_000 + phases.length * 40_000 + o.dbOutageSeconds * 1000 * phases.filter((p) => p.fault === 'db-outage').length + (o.drainTimeoutMs ?? 240_000);
  const h = new Harness({ connection: o.connection, kind: 'faults', rate: o.rate ?? 5, speed: o.speed ?? 180, maxWallMs, workload: o.workload ?? bundledWorkload, fused: o.fused, say });
  let drained = false;
  let drainSeconds = 0;
  try {
    await h.start();
    // Calm start: requests flow end to end before the first fault.
    h.traffic.label = 'calm';
    h.traffic.allow(Math.ceil(perPhase / 2));
    await waitFor(() => h.reader.counts.get('prm.dispatches')!.size > 0, 180_000, 'no dispatch within 180 s of the first request');
    await h.traffic.quotaUsed();
    say(`pipeline flowing: ${h.traffic.sent} requests, first dispatches seen; ${phases.length} faults, ${perPhase} requests each`);

    for (const phase of phases) {
      h.traffic.label = phase.label;
      // The fault lands mid-stream: half of the phase's requests are out, the rest follow it.
      const half = h.traffic.attempted + perPhase / 2;
      h.traffic.allow(perPhase);
      await waitFor(() => h.traffic.attempted >= half, 120_000, 'traffic stalled');
      const exitsBefore = h.processes.unexpectedExits.length;
      await inject(h, stack, phase, o, say);
      await h.traffic.quotaUsed();
      phase.crashed.push(...h.processes.unexpectedExits.slice(exitsBefore).map((e) => e.name));
    }
    h.traffic.label = 'calm';
    h.traffic.allow(Math.ceil(perPhase / 2));
    await h.traffic.quotaUsed();

    say(`all faults injected; draining until every request's telemetry row is in the database`);
    const drainStart = Date.now();
    const drainDeadline = drainStart + (o.drainTimeoutMs ?? 240_000);
    let rows = new Map<string, number>();
    while (Date.now() < drainDeadline) {
      rows = await h.telemetryRows().catch(() => rows);
      const done = [...h.traffic.labelOf.keys()].filter((id) => rows.has(id)).length;
      const read = (t: 'prm.demand-predictions' | 'prm.dispatches' | 'prm.telemetry') => h.reader.counts.get(t)!.size;
      say(`drain: ${done}/${h.traffic.sent} requests with a telemetry row (read: ${read('prm.demand-predictions')} predicted, ${read('prm.dispatches')} dispatched, ${read('prm.telemetry')} finished)`);
      if (done >= h.traffic.sent) {
        drained = true;
        break;
      }
      await sleep(3000);
    }
    drainSeconds = (Date.now() - drainStart) / 1000;
    // Anything committed twice lands within moments of the first copy: wait until the outputs are quiet.
    await h.reader.settle(5000, 60_000);
    rows = await h.telemetryRows();
    // Counted by a reader that starts now and reads everything written (the live one, which
    // lived through every fault, only watches progress, and is checked against it).
    const ends = await h.outputEnds();
    const liveBehind = await h.reader.readTo(ends, 60_000);
    const counted = await h.recount(ends, 120_000);
    const readerCheck = compareReaders(h.reader, counted, liveBehind);
    if (readerCheck.disagreeing > 0 || liveBehind.length > 0) {
      say(`the live outputs reader disagrees with the recount on ${readerCheck.disagreeing} request(s); behind on ${liveBehind.length} partition(s)`);
    }

    const countsOf = (id: string): RequestCounts => ({
      requests: counted.count('prm.requests', id), predictions: counted.count('prm.demand-predictions', id),
      dispatches: counted.count('prm.dispatches', id), telemetry: counted.count('prm.telemetry', id), telemetryRows: rows.get(id) ?? 0,
    });
    const byLabel = new Map<string, RequestCounts[]>();
    const idsByLabel = new Map<string, string[]>();
    for (const [id, label] of h.traffic.labelOf) {
      byLabel.set(label, [...(byLabel.get(label) ?? []), countsOf(id)]);
      idsByLabel.set(label, [...(idsByLabel.get(label) ?? []), id]);
    }
    const faults: Record<string, FaultResult> = {};
    for (const phase of phases) {
      const t = tally(byLabel.get(phase.label) ?? []);
      const r = (faults[phase.fault] ??= {
        injections: 0, requests: 0, lost: 0, duplicated: 0, recovered_in_s: 0, recovered_each_s: [], outage_s: 0, crashed: [], stages: tally([]).stages, examples: [],
      });
      r.injections++;
      r.requests += t.requests;
      r.lost += t.lost;
      r.duplicated += t.duplicated;
      for (const [stage, v] of Object.entries(t.stages) as [keyof Tally['stages'], { lost: number; duplicated: number }][]) {
        r.stages[stage].lost += v.lost;
        r.stages[stage].duplicated += v.duplicated;
      }
      const bad = (idsByLabel.get(phase.label) ?? []).filter((id) => {
        const c = countsOf(id);
        return [c.predictions, c.dispatches, c.telemetry, c.telemetryRows].some((n) => n !== 1);
      });
      r.examples.push(...bad.slice(0, Math.max(0, 5 - r.examples.length)));
      r.recovered_each_s.push(phase.recoveredS === undefined ? null : round(phase.recoveredS));
      r.recovered_in_s = r.recovered_each_s.includes(null) ? null : Math.max(...(r.recovered_each_s as number[]));
      r.outage_s = Math.max(r.outage_s, round(phase.outageS));
      if (phase.fault === 'db-outage') {
        const restart = phase.predictorRestartS === undefined ? null : round(phase.predictorRestartS);
        r.predictor_restarted_in_outage_s = r.predictor_restarted_in_outage_s === null || restart === null ? null : Math.max(r.predictor_restarted_in_outage_s ?? 0, restart);
      }
      r.crashed.push(...phase.crashed);
    }
    const all = [...h.traffic.labelOf.keys()];
    const known = new Set(all);
    const foreignOutputs = [...counted.counts.values()].flatMap((m) => [...m.keys()]).filter((id) => !known.has(id)).length;
    return {
      runId: h.runId,
      faults,
      totals: {
        ...tally(all.map(countsOf)), drained, drainSeconds: round(drainSeconds), wallSeconds: round((Date.now() - began) / 1000),
        unexpectedExits: h.processes.unexpectedExits.map((e) => `${e.name}: ${e.why}`), speed: h.speed, failedSends: h.traffic.failedSends, foreignOutputs,
        runsPresumedLost: [...h.processes.presumedLost],
        reader: readerCheck,
      },
      calm: tally(byLabel.get('calm') ?? []),
    };
  } finally {
    // A failing cleanup must not hide why the run failed.
    await h.stop(o.keep === true).catch((err: unknown) => o.say(`cleanup failed: ${(err as Error).message}`));
  }
}

function planPhases(faults: readonly string[], killsPerType: number, known: readonly string[]): Phase[] {
  const unknown = faults.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new Error(`unknown fault ${unknown.join(', ')}: choose from ${known.join(', ')}`);
  const phases: Phase[] = [];
  // Kills round-robin over the types, so a type's second kill meets a pipeline others have since shaken.
  const kills = faults.filter((f) => f.startsWith('kill-'));
  for (let round = 1; round <= killsPerType; round++) {
    for (const f of kills) phases.push({ label: `${f}#${round}`, fault: f, recoveredS: undefined, outageS: 0, crashed: [] });
  }
  for (const f of faults.filter((x) => !x.startsWith('kill-'))) phases.push({ label: `${f}#1`, fault: f, recoveredS: undefined, outageS: 0, crashed: [] });
  return phases;
}

/** Sent after a service outage on top of the phase's share (see recoverAll). */
const REQUESTS_AFTER_OUTAGE = 5;

/** How long a fault may take to recover before it counts as not recovered. */
const RECOVERY_TIMEOUT_MS = 180_000;

async function inject(h: Harness, stack: StackControl, phase: Phase, o: FaultsOptions, say: (line: string) => void): Promise<void> {
  const allGroups = h.types.map((t) => h.groupOf(t));
  if (phase.fault.startsWith('kill-')) {
    const killed = phase.fault.slice('kill-'.length);
    const type = killed === 'simulated-pool' ? `simulated-pool-${h.pool}` : killed;
    phase.recoveredS = await killAndRestart(h, type, RECOVERY_TIMEOUT_MS);
    say(`${phase.label}: SIGKILL ${type}, restarted; committing again after ${fmt(phase.recoveredS)}`);
    return;
  }
  if (phase.fault === 'broker-restart') {
    // No send may be in flight when the broker goes: its outcome would be unknown (see Traffic).
    await h.traffic.pause();
    const down = Date.now();
    await stack.stop('kafka');
    await stack.start('kafka');
    phase.outageS = (Date.now() - down) / 1000;
    await restoreStack(stack, phase, say);
    h.traffic.resume();
    await recoverAll(h, allGroups, phase);
    say(`${phase.label}: broker down and back in ${phase.outageS.toFixed(1)} s; every processor committing again after ${fmt(phase.recoveredS)}`);
    return;
  }
  if (phase.fault === 'db-outage') {
    const down = Date.now();
    await stack.stop('timescale');
    // The sink can commit nothing while its writes fail: its baseline holds for the whole outage.
    const base = await baselines(h.admin, [h.groupOf('sink')]);
    say(`${phase.label}: database stopped for ${o.dbOutageSeconds} s`);
    // The request path must not need the history database: a predictor restarted now decides again before it is back.
    const predictor = h.types.find((t) => t.split('+').includes('predictor'));
    if (predictor) {
      phase.predictorRestartS = await killAndRestart(h, predictor, Math.max(0, o.dbOutageSeconds * 1000 - (Date.now() - down)));
      const outcome = phase.predictorRestartS === undefined ? 'not committing before the database was back' : `committing again after ${fmt(phase.predictorRestartS)}`;
      say(`${phase.label}: SIGKILL ${predictor} during the outage, restarted; ${outcome}`);
    }
    const remaining = o.dbOutageSeconds * 1000 - (Date.now() - down);
    await sleep(Math.max(0, remaining));
    await stack.start('timescale');
    await restoreStack(stack, phase, say);
    const up = Date.now();
    phase.outageS = (up - down) / 1000;
    phase.recoveredS = await waitForProgress(h.admin, base, up, RECOVERY_TIMEOUT_MS);
    say(`${phase.label}: database down for ${phase.outageS.toFixed(1)} s; sink committing again after ${fmt(phase.recoveredS)}`);
    return;
  }
  const down = Date.now();
  await stack.stop('registry');
  await stack.start('registry');
  phase.outageS = (Date.now() - down) / 1000;
  await restoreStack(stack, phase, say);
  await recoverAll(h, allGroups, phase);
  say(`${phase.label}: registry down and back in ${phase.outageS.toFixed(1)} s; every processor committing again after ${fmt(phase.recoveredS)}`);
}

/** SIGKILLs a processor and starts it again: seconds from the kill until it committed progress, undefined past `timeoutMs`. */
async function killAndRestart(h: Harness, type: string, timeoutMs: number): Promise<number | undefined> {
  const at = Date.now();
  await h.processes.kill(type);
  // Taken after the kill: a dead process commits nothing, so any rise is the new one's work.
  const base = await baselines(h.admin, [h.groupOf(type)]);
  h.processes.start(type);
  return waitForProgress(h.admin, base, at, timeoutMs);
}

/** A stack service that died while another was away (the registry without its broker) is a finding; it is started again. */
async function restoreStack(stack: StackControl, phase: Phase, say: (line: string) => void): Promise<void> {
  const restarted = await stack.restoreAll();
  if (restarted.length === 0) return;
  say(`${phase.label}: ${restarted.join(', ')} had exited during the fault; started again`);
  phase.crashed.push(...restarted.map((s) => `stack ${s}`));
}

/**
 * Recovery after a service is back: the baseline is read then (nothing commits while the broker is
 * away). A few requests beyond the phase's share follow it: requests that flowed through the
 * outage (a registry's: the schemas are cached on both sides) can all be processed before it
 * ends, and a processor with no input left commits nothing to show it works.
 */
async function recoverAll(h: Harness, groups: string[], phase: Phase): Promise<void> {
  const up = Date.now();
  const base = await baselines(h.admin, groups);
  h.traffic.allow(REQUESTS_AFTER_OUTAGE);
  phase.recoveredS = await waitForProgress(h.admin, base, up, RECOVERY_TIMEOUT_MS);
}

async function waitFor(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(200);
  }
}

const fmt = (s: number | undefined) => (s === undefined ? 'never (timed out)' : `${s.toFixed(1)} s`);
const round = (s: number) => Math.round(s * 10) / 10;
