import { describeTopology } from '../../../streams/runtime/topology';
import { prmTopology } from '../../../streams/topology';
import { analyzer, opsEstimator, setup } from './fixtures';

describe('the PRM topology', () => {
  it('declares every processor with its inputs, stores and outputs, in flow order', () => {
    const t = prmTopology({
      topics: setup().topics, analyzer, estimator: opsEstimator, estimatorVersion: '1',
      planner: { minInstances: 1, maxInstances: 40, bootDelaySeconds: 120 },
      capacity: { pool: 'pool', instances: 12, instanceCores: 4, instanceMemoryBytes: 16 * 1024 ** 3 },
    });
    expect(t.processors.map((p) => p.name)).toEqual(['predictor', 'profiler', 'forecaster', 'planner', 'fleet-broadcast', 'scheduler']);
    const text = describeTopology(t);
    expect(text).toContain('processor predictor (group prm.predictor)\n  <- prm.requests (requests)\n  <- prm.user-profiles (profiles)');
    expect(text).toContain('[] queue ~ prm.scheduler.queue.changelog');
    expect(text).toContain('-> prm.dispatches (dispatches)');
    // What one processor writes, another reads: the flow is connected end to end.
    const reads = new Set(t.processors.flatMap((p) => Object.values(p.inputs).map((i) => i.name)));
    expect(['prm.demand-predictions', 'prm.user-profiles', 'prm.cluster-forecasts', 'prm.fleet-shares'].every((t) => reads.has(t))).toBe(true);
  });
});
