import { backfill, expectedStart, reserveFor, type RunningRoom, type SizedBin } from '../../../models/scheduling/reservation';

const bin = (id: string, freeCores: number, freeMemory: number): SizedBin => ({ id, cores: 8, memory: 32, freeCores, freeMemory });
const run = (cores: number, memory: number, endsAt: number): RunningRoom => ({ cores, memory, endsAt });

describe('reserveFor (EASY shadow time on the held bin)', () => {
  const on = (running: Record<string, RunningRoom[]>) => (id: string) => running[id] ?? [];

  it('holds the bin where the job lacks the least room now, and says when its running jobs are expected to have made room there', () => {
    // a lacks 6 cores, b 7: a is held, though b's run is expected to end first. Runs outlive
    // their predictions, and a hold that followed them would jump from bin to bin.
    const bins = [bin('a', 2, 32), bin('b', 1, 32)];
    const running = on({ a: [run(3, 0, 500), run(3, 0, 100)], b: [run(7, 0, 200)] });
    expect(reserveFor(bins, running, 8, 4, 0, 8, 32)).toEqual({ bin: 'a', startsAt: 500, spareCores: 0, spareMemory: 28 });
  });

  it('counts as free on a bin the room of the jobs let onto it, which leave before the job starts or fit beside it', () => {
    // a lacks 6 cores, b 5; but 2 of a's taken cores are a backfilled job's: a lacks 4, and stays held.
    const bins = [bin('a', 2, 32), bin('b', 3, 32)];
    expect(reserveFor(bins, on({}), 8, 0, 0, 8, 32)?.bin).toBe('b');
    expect(reserveFor(bins, on({}), 8, 0, 0, 8, 32, (id) => (id === 'a' ? { cores: 2, memory: 0 } : undefined))?.bin).toBe('a');
  });

  it('never holds a bin too small for the job', () => {
    const small = { ...bin('small', 8, 32), cores: 4 };
    expect(reserveFor([small], on({}), 6, 0, 0, 8, 32)).toBeUndefined();
  });
});

describe('expectedStart', () => {
  it('counts as spare the room of every run that ends by the start, and starts no earlier than now', () => {
    const running = [run(4, 0, 50), run(2, 0, 50), run(2, 0, 900)];
    expect(expectedStart(bin('a', 0, 32), running, 4, 0, 70)).toEqual({ startsAt: 70, spareCores: 2, spareMemory: 32 });
  });

  it('is never (Infinity) when the runs expected to end do not make room', () => {
    expect(expectedStart(bin('a', 1, 32), [run(3, 0, 10), run(4, 0, Infinity)], 6, 0, 0)).toMatchObject({ startsAt: Infinity });
    expect(expectedStart(bin('a', -2, 32), [run(4, 0, 10)], 6, 0, 0)).toMatchObject({ startsAt: Infinity }); // charged past its size
  });
});

describe('backfill onto the held bin', () => {
  it('lets a job in that is killed by the start at the latest, or that fits in the spare room (which it uses up), and no other', () => {
    const held = { bin: 'a', startsAt: 1000, spareCores: 1, spareMemory: 4 };
    expect(backfill(held, 6, 20, 0, 1000)).toBe(true); // its timeout ends at the start: the room is back in time
    expect(held).toMatchObject({ spareCores: 1, spareMemory: 4 });
    expect(backfill(held, 2, 1, 0, 1001)).toBe(false); // outlasts it, and more cores than spare
    expect(backfill(held, 1, 3, 0, 5000)).toBe(true); // outlasts it, within the spare room
    expect(held).toMatchObject({ spareCores: 0, spareMemory: 1 });
    expect(backfill(held, 0.5, 0.5, 0, 5000)).toBe(false); // the spare room is taken
  });

  it('lets nothing in while the start is unknown: the hold is strict', () => {
    expect(backfill({ startsAt: Infinity, spareCores: 8, spareMemory: 32 }, 0.1, 0.1, 0, 1)).toBe(false);
  });
});
