import { lackingRoom, type Bin } from './placement';

/** A running job as the reservation sees it: the room it holds and when it is expected to give it back. */
export interface RunningRoom {
  cores: number;
  memory: number;
  /** Expected end (ms); Infinity when unknown. */
  endsAtMs: number;
}

/** A bin that can hold the job, with its size (a bin smaller than the job is never a candidate). */
export interface SizedBin extends Bin {
  id: string;
  cores: number;
  memory: number;
}

/**
 * The room held for a starved wide job, as an EASY-backfilling reservation: the bin where it is
 * expected to start soonest, when (the shadow time), and what that bin will have to spare then
 * beyond the job's own need. A lower-ranked job may still start on the bin if it is expected to
 * end before the shadow time, or if it fits in the spare room: either way the wide job's start
 * is not pushed back, as long as runs end when expected.
 */
export interface Reservation {
  bin: string;
  startsAtMs: number;
  spareCores: number;
  spareMemory: number;
}

/** Slack on fits, as bestFit's rounding: a job that fits is never refused for a rounding error. */
const SLACK = 1e-6;

function fits(needCores: number, needMemory: number, freeCores: number, freeMemory: number): boolean {
  return needCores <= freeCores * (1 + SLACK) + SLACK && needMemory <= freeMemory * (1 + SLACK) + SLACK;
}

/**
 * The reservation for a job of `cores` and `memory` (EASY's shadow time, per bin): each bin's
 * running jobs give their room back in the order they are expected to end, and the job starts
 * once the room freed plus the bin's free room holds it. The bin where that comes soonest is
 * held; among equals (every run already overdue, say) the one where the job lacks the least
 * room now, then the first. A bin whose expected ends never make room (its runs' ends unknown,
 * or its free room charged past its size) starts at Infinity. Undefined when no bin is large
 * enough.
 */
export function reserveFor(
  bins: readonly SizedBin[], running: ReadonlyMap<string, readonly RunningRoom[]>, cores: number, memory: number,
  nowMs: number, binCores: number, binMemory: number,
): Reservation | undefined {
  let best: Reservation | undefined;
  let bestLacking = Infinity;
  for (const b of bins) {
    if (b.cores < cores * (1 - SLACK) || b.memory < memory * (1 - SLACK)) continue;
    let [freeCores, freeMemory, startsAtMs] = [b.freeCores, b.freeMemory, nowMs];
    const ending = [...(running.get(b.id) ?? [])].sort((x, y) => x.endsAtMs - y.endsAtMs);
    let i = 0;
    while (!fits(cores, memory, freeCores, freeMemory)) {
      const run = ending[i++];
      if (run === undefined || run.endsAtMs === Infinity) {
        startsAtMs = Infinity;
        break;
      }
      freeCores += run.cores;
      freeMemory += run.memory;
      startsAtMs = Math.max(startsAtMs, run.endsAtMs);
    }
    // Runs that end by then too give their room back before the job starts: it is spare.
    for (; startsAtMs !== Infinity && i < ending.length && ending[i]!.endsAtMs <= startsAtMs; i++) {
      freeCores += ending[i]!.cores;
      freeMemory += ending[i]!.memory;
    }
    const lacking = lackingRoom(b, cores, memory, binCores, binMemory);
    if (best === undefined || startsAtMs < best.startsAtMs || (startsAtMs === best.startsAtMs && lacking < bestLacking)) {
      best = { bin: b.id, startsAtMs, spareCores: freeCores - cores, spareMemory: freeMemory - memory };
      bestLacking = lacking;
    }
  }
  return best;
}

/**
 * Whether a lower-ranked job may start on the reserved bin now without pushing the reservation
 * back: it is expected to end by the shadow time, or it fits in the room spare then, which it
 * then takes from the reservation. Never on a bin whose start is unknown (Infinity): there the
 * hold is strict, as no run is known to leave before the wide job needs its room.
 */
export function backfill(r: Reservation, cores: number, memory: number, nowMs: number, expectedRunMs: number): boolean {
  if (r.startsAtMs === Infinity) return false;
  if (nowMs + expectedRunMs <= r.startsAtMs) return true;
  if (!fits(cores, memory, r.spareCores, r.spareMemory)) return false;
  r.spareCores -= cores;
  r.spareMemory -= memory;
  return true;
}
