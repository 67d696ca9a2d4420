import { lackingRoom, partsThatFit, type Bin } from './placement';

/*
 * EASY backfilling's reservation for a starved wide job. Which bin is held does not go by
 * predictions: it is the one where the job lacks the least room, not counting the room of the
 * jobs let onto it (`backfill`: they leave before the job's expected start, or fit beside it).
 * Lower-ranked jobs cannot make that lack grow, so another bin is held only if it comes closer
 * still, and the job starts in the end. Choosing by predicted ends instead let the hold jump between bins
 * as runs outlived their predictions, and the wide jobs waited longer (prm simulate's figures are
 * in the message of the commit that went back to this rule). Predictions only say when the held bin is
 * expected to have room (the shadow time), which decides what may backfill it. Times are in
 * whatever unit the caller's clock has, the same for every argument.
 */

/** A running job as the reservation sees it: the room it holds and when it is expected to give it back. */
export interface RunningRoom {
  cores: number;
  memory: number;
  /** Expected end; Infinity when unknown. */
  endsAt: number;
}

/** When a job could start on one bin, and what the bin would have to spare then beyond the job's need. */
export interface ExpectedStart {
  startsAt: number;
  spareCores: number;
  spareMemory: number;
}

/** A bin that can hold the job, with its size (a bin smaller than the job is never a candidate). */
export interface SizedBin extends Bin {
  id: string;
  cores: number;
  memory: number;
}

/**
 * The room held for a starved wide job: the bin, when the job is expected to start there (the
 * shadow time), and what the bin will have to spare then. A lower-ranked job may still start on
 * the bin if its kill limit ends before the shadow time, or if it fits in the spare room: either
 * way the wide job's start is not pushed past the shadow time.
 */
export interface Reservation extends ExpectedStart {
  bin: string;
}

/** Slack on a bin's size against the job's, as the scheduler's: a job as large as the bin is never refused for a rounding error. */
const SLACK = 1e-6;

/** Whether the room holds the job, by bestFit's own rounding (partsThatFit). */
function fits(needCores: number, needMemory: number, freeCores: number, freeMemory: number): boolean {
  return partsThatFit({ freeCores, freeMemory }, needCores, needMemory) > 0;
}

/**
 * EASY's shadow time on one bin: its running jobs give their room back in the order they are
 * expected to end, and a job of `cores` and `memory` starts once that plus the bin's free room
 * holds it, no earlier than `now`. Runs ending by then give theirs back too: it is spare. Never
 * (Infinity) when the expected ends do not make room: a run's end unknown, or the bin's free
 * room charged past its size.
 */
export function expectedStart(bin: Bin, running: readonly RunningRoom[], cores: number, memory: number, now: number): ExpectedStart {
  let [freeCores, freeMemory, startsAt] = [bin.freeCores, bin.freeMemory, now];
  const ending = [...running].sort((x, y) => x.endsAt - y.endsAt);
  let i = 0;
  while (!fits(cores, memory, freeCores, freeMemory)) {
    const run = ending[i++];
    if (run === undefined || run.endsAt === Infinity) return { startsAt: Infinity, spareCores: 0, spareMemory: 0 };
    freeCores += run.cores;
    freeMemory += run.memory;
    startsAt = Math.max(startsAt, run.endsAt);
  }
  for (; i < ending.length && ending[i]!.endsAt <= startsAt; i++) {
    freeCores += ending[i]!.cores;
    freeMemory += ending[i]!.memory;
  }
  return { startsAt, spareCores: freeCores - cores, spareMemory: freeMemory - memory };
}

/**
 * The reservation for a job of `cores` and `memory`: of the bins large enough for it, the one
 * where it lacks the least room now (the first of equals), counting as free what `backfilled`
 * says jobs let onto a bin will give back, with its expected start there (`expectedStart`, from
 * `runningOn`, the held bin's running jobs). Undefined when no bin is large enough.
 */
export function reserveFor(
  bins: readonly SizedBin[], runningOn: (bin: string) => readonly RunningRoom[], cores: number, memory: number,
  now: number, binCores: number, binMemory: number, backfilled: (bin: string) => { cores: number; memory: number } | undefined = () => undefined,
): Reservation | undefined {
  let held: SizedBin | undefined;
  let leastLacking = Infinity;
  for (const b of bins) {
    if (b.cores < cores * (1 - SLACK) || b.memory < memory * (1 - SLACK)) continue;
    const back = backfilled(b.id);
    const room = back ? { freeCores: b.freeCores + back.cores, freeMemory: b.freeMemory + back.memory } : b;
    const lacking = lackingRoom(room, cores, memory, binCores, binMemory);
    if (lacking < leastLacking) [held, leastLacking] = [b, lacking];
  }
  return held && { bin: held.id, ...expectedStart(held, runningOn(held.id), cores, memory, now) };
}

/**
 * Whether a lower-ranked job may start on the reserved bin now without pushing the reservation
 * back: it is killed, at the latest, by the shadow time (`killedAfter`: its timeout, not its
 * predicted run time, which a run can outlive), or it fits in the room spare then, which it then
 * takes from the reservation. Never on a bin whose start is unknown (Infinity): there the hold is
 * strict, as no run is known to leave before the wide job needs its room.
 */
export function backfill(r: ExpectedStart, cores: number, memory: number, now: number, killedAfter: number): boolean {
  if (r.startsAt === Infinity) return false;
  if (now + killedAfter <= r.startsAt) return true;
  if (!fits(cores, memory, r.spareCores, r.spareMemory)) return false;
  r.spareCores -= cores;
  r.spareMemory -= memory;
  return true;
}
