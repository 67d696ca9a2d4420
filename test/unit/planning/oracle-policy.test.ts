import { oraclePolicy } from '../../../models/planning/oracle-policy';

const base = { ready: 2, booting: 0, instanceCores: 8, windowSeconds: 60, utilization: 1, demandCores: 16, backlogCoreSeconds: 0 };

describe('oraclePolicy', () => {
  it('launches exactly one boot delay ahead of a jump and keeps what is needed now', () => {
    const needed = (_from: number, to: number) => (to > 1000 ? 10 : 2); // 2 instances until t=1000, then 10
    const o = oraclePolicy(needed, 300, 60);
    expect(o.decide({ ...base, now: 600 }).desired).toBe(2);
    expect(o.decide({ ...base, now: 700 }).desired).toBe(10); // ready at 1000, the last decision that is
  });

  it('keeps through a dip the instances needed again before a relaunch could be ready', () => {
    // 10 instances needed only in [300, 360): at 200 the window of the next decision's launches
    // (ready at 560) starts after it, so they must be kept now, though idle until 300.
    const needed = (from: number, to: number) => (from < 360 && to > 300 ? 10 : 2);
    const o = oraclePolicy(needed, 300, 60);
    expect(o.decide({ ...base, now: 200 }).desired).toBe(10);
    expect(o.decide({ ...base, now: 360 }).desired).toBe(2);
  });

  it('adds what drains waiting fluid work over the next interval', () => {
    const o = oraclePolicy(() => 2, 300, 60);
    expect(o.decide({ ...base, now: 0, backlogCoreSeconds: 8 * 60 * 3 }).desired).toBe(5);
  });
});
