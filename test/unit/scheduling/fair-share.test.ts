import { FairShare } from '../../../models/scheduling/fair-share';

describe('FairShare', () => {
  it('is 0 for a user given nothing, 1/2 at the mean of the waiting users, towards 1 for one holding nearly all', () => {
    const f = new FairShare(3600);
    for (const u of ['idle', 'even-a', 'even-b', 'hog']) f.enqueued(u);
    f.charge('even-a', 10, 0, 0);
    f.charge('even-b', 10, 0, 0);
    f.charge('hog', 1000, 0, 0);
    const p = f.penalties(0);
    expect(p('idle')).toBe(0);
    // The mean of the four is 255 core-seconds: the hog holds 3.9 times it, the others 0.04 times.
    const penalty = (d: number) => d / (1 + d);
    expect(p('hog')).toBeCloseTo(penalty(1000 / 255), 12);
    expect(p('even-a')).toBeCloseTo(penalty(10 / 255), 12);
    expect(p('even-b')).toBe(p('even-a'));
  });

  it('gives a lone user 1/2 whatever it used, and nobody anything when nobody used anything', () => {
    const f = new FairShare(3600);
    f.enqueued('alone');
    expect(f.penalties(0)('alone')).toBe(0);
    f.charge('alone', 1e-6, 0, 0);
    expect(f.penalties(0)('alone')).toBeCloseTo(0.5, 12);
    f.charge('alone', 1e9, 0, 0);
    expect(f.penalties(0)('alone')).toBeCloseTo(0.5, 12);
  });

  it('does not depend on how large the jobs are: scaling everyone\'s usage leaves every penalty as it was', () => {
    const penalties = (scale: number) => {
      const f = new FairShare(3600);
      for (const [u, used, at] of [['a', 3, 0], ['b', 40, 100], ['c', 0.5, 900]] as const) {
        f.enqueued(u);
        f.charge(u, used * scale, used * scale * 2, at);
      }
      const p = f.penalties(1000);
      return ['a', 'b', 'c'].map(p);
    };
    const unit = penalties(1);
    for (const scale of [1e-6, 1e6]) penalties(scale).forEach((x, i) => expect(x).toBeCloseTo(unit[i]!, 12));
  });

  it('compares only with users that still wait, and counts a user scored without queued work among them', () => {
    const f = new FairShare(3600);
    f.enqueued('a');
    f.enqueued('gone');
    f.charge('a', 10, 0, 0);
    f.charge('gone', 1000, 0, 0);
    f.dequeued('gone');
    // 'gone' has nothing queued: 'a' is compared with itself alone.
    expect(f.penalties(0)('a')).toBeCloseTo(0.5, 12);
    // A what-if score of 'gone': the mean of 'a' and 'gone' is 505, it holds 1000.
    expect(f.penalties(0)('gone')).toBeCloseTo(1000 / 505 / (1 + 1000 / 505), 12);
  });

  it('gives bit-identical penalties whatever order the users were queued in (a rebuilt model ranks as the old one did)', () => {
    const users = Array.from({ length: 50 }, (_, i) => `user-${(i * 37) % 50}`);
    const build = (order: string[]) => {
      const f = new FairShare(3600);
      for (const u of order) {
        f.enqueued(u);
        f.charge(u, 0.1 + (Number(u.slice(5)) % 7) / 3, 1 / (1 + Number(u.slice(5))), Number(u.slice(5)));
      }
      return users.map(f.penalties(100));
    };
    expect(build([...users].reverse())).toEqual(build(users));
  });

  it('ranks users alike whenever it is read, hundreds of half-lives on included, until usage or the queue changes', () => {
    const f = new FairShare(3600);
    for (const [u, cores, memory, at] of [['a', 3, 1, 0], ['b', 40, 2, 100], ['c', 0.5, 9, 900]] as const) {
      f.enqueued(u);
      f.charge(u, cores, memory, at);
    }
    const at = (now: number) => ['a', 'b', 'c'].map(f.penalties(now));
    const first = at(1000);
    for (const now of [5000, 64 * 3600 + 1, 300 * 3600]) at(now).forEach((p, i) => expect(p).toBeCloseTo(first[i]!, 12));
    // Everyone's usage has decayed to nothing: nobody is penalised rather than every ratio 0/0.
    expect(at(1e12)).toEqual([0, 0, 0]);
    // A charge changes the ranking: 'c' now holds all the recent usage, three times the mean of three.
    f.charge('c', 1000, 0, 300 * 3600);
    const [a, b, c] = at(300 * 3600);
    expect(c).toBeCloseTo(3 / 4, 12);
    // 'b' stood highest in cores, where it is now nothing next to 'c'; 'a' in memory, which did not change.
    expect(b).toBeLessThan(first[1]! / 2);
    expect(a).toBeCloseTo(first[0]!, 12);
  });

  it('survives a snapshot and restore of both resources', () => {
    const f = new FairShare(600);
    f.enqueued('a');
    f.enqueued('b');
    f.charge('a', 5, 0, 0);
    f.charge('b', 5, 50, 0);
    const g = new FairShare(600);
    g.enqueued('a');
    g.enqueued('b');
    for (const u of ['a', 'b']) g.restore(u, f.snapshot(u)!);
    expect(['a', 'b'].map(g.penalties(600))).toEqual(['a', 'b'].map(f.penalties(600)));
    expect(f.penalties(600)('b')).toBeGreaterThan(f.penalties(600)('a'));
  });

  it('forgets a user with nothing queued, and then scores it as a user never charged (penalties cached before are not reused)', () => {
    const f = new FairShare(3600);
    f.enqueued('a');
    f.charge('gone', 1000, 10, 0);
    f.charge('a', 0, 0, 0);
    // A what-if score of 'gone' against 'a', who used nothing: twice the mean of the two.
    expect(f.penalties(0)('gone')).toBeCloseTo(2 / 3, 12);
    expect(f.forget('a')).toBe(false); // queued: kept
    expect(f.forget('gone')).toBe(true);
    expect(f.snapshot('gone')).toBeUndefined();
    expect(f.writtenAt('gone')).toBeUndefined();
    expect(f.penalties(0)('gone')).toBe(0);
    expect(f.queued('a')).toBe(1);
  });

  it('restores a usage refunded to nothing with the time it was written, so a rebuilt model forgets the user when the live one does', () => {
    const f = new FairShare(3600);
    f.charge('u', 10, 5, 0);
    f.charge('u', -20, -10, 100);
    expect(f.snapshot('u')).toEqual({ coreSeconds: { value: 0, at: 100 }, memorySeconds: { value: 0, at: 100 } });
    const g = new FairShare(3600);
    g.restore('u', f.snapshot('u')!);
    expect(g.writtenAt('u')).toBe(100);
    expect(g.snapshot('u')).toEqual(f.snapshot('u'));
  });
});
