import { backfill, reserveFor, type RunningRoom, type SizedBin } from '../../../models/scheduling/reservation';

const bin = (id: string, freeCores: number, freeMemory: number): SizedBin => ({ id, cores: 8, memory: 32, freeCores, freeMemory });
const run = (cores: number, memory: number, endsAtMs: number): RunningRoom => ({ cores, memory, endsAtMs });

describe('reserveFor (EASY shadow time per bin)', () => {
  it('holds the bin where the job is expected to start soonest, not the one lacking least room now', () => {
    // a lacks 6 cores, b 7; but a's runs end at 100 and 500, b's at 200.
    const bins = [bin('a', 2, 32), bin('b', 1, 32)];
    const running = new Map([['a', [run(3, 0, 500), run(3, 0, 100)]], ['b', [run(7, 0, 200)]]]);
    expect(reserveFor(bins, running, 8, 4, 0, 8, 32)).toEqual({ bin: 'b', startsAtMs: 200, spareCores: 0, spareMemory: 28 });
  });

  it('counts as spare the room of every run that ends by the start, and starts no earlier than now', () => {
    const running = new Map([['a', [run(4, 0, 50), run(2, 0, 50), run(2, 0, 900)]]]);
    expect(reserveFor([bin('a', 0, 32)], running, 4, 0, 70, 8, 32)).toEqual({ bin: 'a', startsAtMs: 70, spareCores: 2, spareMemory: 32 });
  });

  it('starts at Infinity on a bin whose runs never make room, and among equals holds the one lacking least', () => {
    const bins = [bin('a', 1, 32), bin('b', 3, 32), bin('small', 8, 32)];
    bins[2]!.cores = 4; // too small for the job: never held
    const running = new Map([['a', [run(7, 0, Infinity)]], ['b', [run(5, 0, Infinity)]]]);
    expect(reserveFor(bins, running, 6, 0, 0, 8, 32)).toMatchObject({ bin: 'b', startsAtMs: Infinity });
    expect(reserveFor([bins[2]!], running, 6, 0, 0, 8, 32)).toBeUndefined();
  });
});

describe('backfill onto the held bin', () => {
  it('lets a job in that ends before the start, or that fits in the spare room (which it uses up), and no other', () => {
    const held = { bin: 'a', startsAtMs: 1000, spareCores: 1, spareMemory: 4 };
    expect(backfill(held, 6, 20, 0, 1000)).toBe(true); // ends at the start: the room is back in time
    expect(held).toMatchObject({ spareCores: 1, spareMemory: 4 });
    expect(backfill(held, 2, 1, 0, 1001)).toBe(false); // outlasts it, and more cores than spare
    expect(backfill(held, 1, 3, 0, 5000)).toBe(true); // outlasts it, within the spare room
    expect(held).toMatchObject({ spareCores: 0, spareMemory: 1 });
    expect(backfill(held, 0.5, 0.5, 0, 5000)).toBe(false); // the spare room is taken
  });

  it('lets nothing in while the start is unknown: the hold is strict', () => {
    expect(backfill({ bin: 'a', startsAtMs: Infinity, spareCores: 8, spareMemory: 32 }, 0.1, 0.1, 0, 1)).toBe(false);
  });
});
