import { hpaPolicy } from '../../../models/planning/hpa';
import type { ClusterView } from '../../../models/planning/types';

function view(now: number, ready: number, utilization: number): ClusterView {
  return { now, ready, booting: 0, instanceCores: 8, windowSeconds: 60, utilization, demandCores: 0, backlogCoreSeconds: 0 };
}

describe('hpaPolicy (Kubernetes HPA algorithm)', () => {
  it('scales to ceil(current x utilization / target)', () => {
    const hpa = hpaPolicy();
    expect(hpa.decide(view(60, 10, 0.9)).desired).toBe(13); // ceil(10 x 0.9 / 0.7)
  });

  it('ignores changes within the tolerance', () => {
    const hpa = hpaPolicy();
    const d = hpa.decide(view(60, 10, 0.75));
    expect(d.desired).toBe(10);
    expect(d.reason).toBe('hpa_tolerance');
  });

  it('holds scale-down for the stabilization window', () => {
    const hpa = hpaPolicy();
    expect(hpa.decide(view(0, 10, 0.7)).desired).toBe(10);
    const held = hpa.decide(view(60, 10, 0.35));
    expect(held.desired).toBe(10);
    expect(held.reason).toBe('hpa_stabilization');
    let d = held;
    for (let t = 120; t <= 360; t += 60) d = hpa.decide(view(t, 10, 0.35));
    expect(d.desired).toBe(5); // the 10-instance recommendation left the 300 s window
  });

  it('rejects a target outside (0, 1]', () => {
    expect(() => hpaPolicy({ target: 1.5 })).toThrow(RangeError);
  });
});
