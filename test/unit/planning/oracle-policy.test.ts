import { oraclePolicy } from '../../../models/planning/oracle-policy';

describe('oraclePolicy', () => {
  it('launches exactly one boot delay ahead of a jump and keeps what is needed now', () => {
    const peak = (from: number) => (from >= 1000 ? 80 : 16); // 16 cores until t=1000, then 80
    const o = oraclePolicy(peak, 300, 60);
    const base = { ready: 2, booting: 0, instanceCores: 8, windowSeconds: 60, utilization: 1, demandCores: 16, backlogCoreSeconds: 0 };
    expect(o.decide({ ...base, now: 600 }).desired).toBe(2);
    expect(o.decide({ ...base, now: 700 }).desired).toBe(10); // 700 + 300 = 1000: launch now
  });
});
