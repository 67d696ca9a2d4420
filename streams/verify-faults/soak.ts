import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from '../../stack/connection';
import { groupPosition } from './group-progress';
import { Harness } from './harness';
import { bundledWorkload } from './traffic';

export interface SoakOptions {
  connection: Connection;
  minutes: number;
  /** Requests per wall second. */
  rate: number;
  /** Seconds between samples. */
  sampleSeconds: number;
  /** Event ms per wall ms; slowed down for long soaks (see Harness). Default 30. */
  speed?: number;
  /** Flat: RSS may grow at most this many MiB per hour over the second half. Default 50. */
  maxRssSlopeMiBPerHour?: number;
  /**
   * Growth over the second half that is noise, not a leak (RSS moves by tens of MiB with GC and
   * allocator timing): a short soak allows this many MiB over its second half. Default 32.
   */
  rssNoiseMiB?: number;
  /**
   * Growth of a process's live heap (after full collections) over the second half that is noise:
   * it may grow at most this many MiB over it, as its slope says. Default 4: stable processes
   * moved 1-3 MiB there in 30-minute soaks, a leak of 400 bytes a request at 40 requests/s 13.
   */
  liveNoiseMiB?: number;
  /** Bounded: total lag over the second half may not exceed this many records. Default: 60 s of traffic. */
  maxLag?: number;
  keep?: boolean;
  workload?: string;
  say(line: string): void;
}

export interface SoakSample {
  /** Seconds since the traffic started. */
  t: number;
  /** Resident MiB per processor type. */
  rssMiB: Record<string, number>;
  /** The V8 heap in use, garbage included (see heap-probe.ts). */
  heapMiB: Record<string, number>;
  /** The V8 heap in use after the process's latest full collection (none before its first). */
  liveMiB: Record<string, number>;
  /** The V8 heap's committed MiB, the nursery included. */
  heapCommittedMiB: Record<string, number>;
  /** The V8 nursery's committed MiB. */
  nurseryMiB: Record<string, number>;
  /** MiB outside the V8 heap (Buffers, ArrayBuffers). */
  externalMiB: Record<string, number>;
  /** Records behind, per consumer group (processor type). */
  lag: Record<string, number>;
  totalLag: number;
  requests: number;
  finished: number;
}

export interface SoakProcessFacts {
  rssStartMiB: number;
  rssEndMiB: number;
  /** Least-squares slope of RSS over the second half, MiB per hour. */
  rssSlopeMiBPerHour: number;
  heapSlopeMiBPerHour: number | null;
  /** Of the heap after full collections: a leak of JavaScript objects grows this. */
  liveSlopeMiBPerHour: number | null;
  /** Of the V8 heap's committed size less the nursery: the old generation V8 keeps, live or not. */
  oldCommittedSlopeMiBPerHour: number | null;
  /** Of RSS less the V8 heap's committed size: native memory (Buffers, malloc, code). */
  outsideHeapSlopeMiBPerHour: number | null;
  externalSlopeMiBPerHour: number | null;
  /** How much the nursery's committed size grew over the second half. */
  nurseryGrowthMiB: number | null;
  /** Least-squares slope of RSS less the nursery's committed size over the second half, MiB per hour; what `flat` judges. */
  outsideNurserySlopeMiBPerHour: number | null;
  maxLagSecondHalf: number;
  /** The live heap's slope within the allowed; null for a process without the heap probe's samples. */
  liveFlat: boolean | null;
  /** The judged RSS within its allowed slope, and the live heap within its own. */
  flat: boolean;
}

/** The slopes a process's memory may grow at over the second half, MiB per hour. */
export interface AllowedSlopes {
  /** Of RSS less the nursery (or the plain RSS for a process without the heap probe). */
  rss: number;
  /** Of the live heap. */
  live: number;
}

export interface SoakReport {
  runId: string;
  minutes: number;
  rate: number;
  speed: number;
  requests: number;
  finished: number;
  processes: Record<string, SoakProcessFacts>;
  memoryFlat: boolean;
  /** The RSS slope allowed: the threshold, or the noise over the second half when that is larger. */
  allowedRssSlopeMiBPerHour: number;
  /** The live heap's slope allowed: its noise over the second half. */
  allowedLiveSlopeMiBPerHour: number;
  maxLagSecondHalf: number;
  lagBound: number;
  lagBounded: boolean;
  samples: SoakSample[];
}

/**
 * The pipeline under steady load for a while (not in CI): one process per processor type as in
 * the fault suite, requests at a constant rate, and every few seconds each process's resident
 * memory and V8 heap and each consumer group's lag. Memory is flat when no process's RSS grows
 * faster than the threshold over the second half (the first half is warm-up: JIT, caches, stores
 * filling to their windows) and no process's live heap grows by more than its noise there; lag
 * is bounded when the second half's total never exceeds the bound.
 *
 * The live heap is judged as well as RSS because V8 hides a leak of objects in RSS for a long
 * time, then multiplies it: a leak of 400 bytes a request grew the pool's live heap 51 MiB an hour
 * and its RSS by anything from 25 to 160 MiB an hour from one soak to the next, as V8 sized its
 * old generation, so only some soaks failed on it.
 *
 * The RSS judged leaves out the V8 nursery's committed size. V8 doubles the nursery when enough
 * survives its scavenges, up to `--max-semi-space-size` (processorNodeFlags: 64 MB a semi-space,
 * 128 MiB for the two), and keeps it: a quiet process gets there late, in one step. In two
 * 30-minute soaks at 40 requests/s the fleet broadcast's RSS stepped up by about 50 MiB in the
 * second half and stayed there, failing the threshold; with this probe, its nursery went 64 ->
 * 128 MiB at the sample where the step began (the RSS follows as the new pages are first
 * written), and its RSS less the nursery fell slightly over the second half. That growth is
 * bounded by the flag, where a leak's is not: it is reported (`nurseryGrowthMiB`, and the plain
 * RSS slope), not judged.
 */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const wallMs = o.minutes * 60_000;
  const h = new Harness({
    connection: o.connection, kind: 'soak', rate: o.rate, speed: o.speed ?? 30, maxWallMs: wallMs + 10 * 60_000,
    workload: o.workload ?? bundledWorkload, probeHeap: true, say: o.say,
  });
  const samples: SoakSample[] = [];
  try {
    await h.start();
    h.traffic.label = 'soak';
    h.traffic.allow(Infinity);
    const started = Date.now();
    while (Date.now() - started < wallMs) {
      await sleep(o.sampleSeconds * 1000);
      const s = await sample(h, (Date.now() - started) / 1000);
      samples.push(s);
      const rss = Object.values(s.rssMiB).reduce((a, b) => a + b, 0);
      o.say(`t=${s.t.toFixed(0)} s  requests ${s.requests}  finished ${s.finished}  RSS total ${rss.toFixed(0)} MiB  lag ${s.totalLag}`);
    }
  } finally {
    // A failing cleanup must not hide why the run failed.
    await h.stop(o.keep === true).catch((err: unknown) => o.say(`cleanup failed: ${(err as Error).message}`));
  }
  const second = samples.filter((s) => s.t >= (wallMs / 1000) / 2);
  const processes: Record<string, SoakProcessFacts> = {};
  const halfHours = o.minutes / 60 / 2;
  const allowed: AllowedSlopes = {
    rss: round(Math.max(o.maxRssSlopeMiBPerHour ?? 50, (o.rssNoiseMiB ?? 32) / halfHours)),
    live: round((o.liveNoiseMiB ?? 4) / halfHours),
  };
  for (const type of h.types) processes[type] = processFacts(samples, second, type, allowed);
  const maxLag = Math.max(0, ...second.map((s) => s.totalLag));
  const lagBound = o.maxLag ?? Math.max(100, 60 * o.rate * 4);
  const last = samples.at(-1);
  return {
    runId: h.runId, minutes: o.minutes, rate: o.rate, speed: h.speed, requests: last?.requests ?? 0, finished: last?.finished ?? 0,
    processes, memoryFlat: Object.values(processes).every((p) => p.flat),
    allowedRssSlopeMiBPerHour: allowed.rss, allowedLiveSlopeMiBPerHour: allowed.live, maxLagSecondHalf: maxLag, lagBound, lagBounded: maxLag <= lagBound, samples,
  };
}

async function sample(h: Harness, t: number): Promise<SoakSample> {
  const rssMiB: Record<string, number> = {};
  const heapMiB: Record<string, number> = {};
  const liveMiB: Record<string, number> = {};
  const heapCommittedMiB: Record<string, number> = {};
  const nurseryMiB: Record<string, number> = {};
  const externalMiB: Record<string, number> = {};
  const lag: Record<string, number> = {};
  for (const type of h.types) {
    const s = h.processes.sample(type);
    if (s) {
      rssMiB[type] = round(s.rssBytes / 2 ** 20);
      if (s.heap) {
        heapMiB[type] = round(s.heap.heapUsed / 2 ** 20);
        if (s.heap.liveAfterFullGc !== null) liveMiB[type] = round(s.heap.liveAfterFullGc / 2 ** 20);
        heapCommittedMiB[type] = round(s.heap.heapTotal / 2 ** 20);
        nurseryMiB[type] = round(s.heap.nursery / 2 ** 20);
        externalMiB[type] = round(s.heap.external / 2 ** 20);
      }
    }
    const position = await groupPosition(h.admin, h.groupOf(type)).catch(() => undefined);
    if (position) lag[type] = position.lag;
  }
  const finished = await h.telemetryRows().then((rows) => rows.size).catch(() => -1);
  return { t: round(t), rssMiB, heapMiB, liveMiB, heapCommittedMiB, nurseryMiB, externalMiB, lag, totalLag: Object.values(lag).reduce((a, b) => a + b, 0), requests: h.traffic.sent, finished };
}

/**
 * One process's memory and lag over a soak: `second` is the samples of its second half, which
 * `flat` judges (RSS less the nursery, or the plain RSS for a process without the heap probe's
 * samples, and the live heap) against the allowed slopes.
 */
export function processFacts(samples: readonly SoakSample[], second: readonly SoakSample[], type: string, allowed: AllowedSlopes): SoakProcessFacts {
  const rss = pointsOf(second, (s) => s.rssMiB[type]);
  const heap = pointsOf(second, (s) => s.heapMiB[type]);
  const live = pointsOf(second, (s) => s.liveMiB[type]);
  const oldCommitted = pointsOf(second, (s) => minus(s.heapCommittedMiB[type], s.nurseryMiB[type]));
  const outsideHeap = pointsOf(second, (s) => minus(s.rssMiB[type], s.heapCommittedMiB[type]));
  const external = pointsOf(second, (s) => s.externalMiB[type]);
  const nursery = pointsOf(second, (s) => s.nurseryMiB[type]);
  const outsideNursery = pointsOf(second, (s) => minus(s.rssMiB[type], s.nurseryMiB[type]));
  const rssSlope = slopePerHour(rss);
  const judgedSlope = outsideNursery.length >= 2 ? slopePerHour(outsideNursery) : rssSlope;
  const liveSlope = slopeOrNull(live);
  const liveFlat = liveSlope === null ? null : liveSlope <= allowed.live;
  return {
    rssStartMiB: samples.find((s) => s.rssMiB[type] !== undefined)?.rssMiB[type] ?? 0,
    rssEndMiB: samples.at(-1)?.rssMiB[type] ?? 0,
    rssSlopeMiBPerHour: round(rssSlope),
    heapSlopeMiBPerHour: slopeOrNull(heap),
    liveSlopeMiBPerHour: liveSlope,
    oldCommittedSlopeMiBPerHour: slopeOrNull(oldCommitted),
    outsideHeapSlopeMiBPerHour: slopeOrNull(outsideHeap),
    externalSlopeMiBPerHour: slopeOrNull(external),
    nurseryGrowthMiB: nursery.length >= 2 ? round(nursery.at(-1)![1] - nursery[0]![1]) : null,
    outsideNurserySlopeMiBPerHour: outsideNursery.length >= 2 ? round(judgedSlope) : null,
    maxLagSecondHalf: Math.max(0, ...second.map((s) => s.lag[type] ?? 0)),
    liveFlat,
    flat: judgedSlope <= allowed.rss && liveFlat !== false,
  };
}

function minus(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

function slopeOrNull(points: readonly (readonly [number, number])[]): number | null {
  return points.length >= 2 ? round(slopePerHour(points)) : null;
}

function pointsOf(samples: readonly SoakSample[], value: (s: SoakSample) => number | undefined): (readonly [number, number])[] {
  return samples.flatMap((s) => {
    const v = value(s);
    return v === undefined ? [] : [[s.t, v] as const];
  });
}

/** Least-squares slope of (seconds, MiB) points, in MiB per hour; 0 for fewer than two points. */
export function slopePerHour(points: readonly (readonly [number, number])[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3600;
}

const round = (x: number) => Math.round(x * 10) / 10;
