import { Histogram, Registry } from 'prom-client';
import { RecordHistogram } from '../../../streams/runtime/record-histogram';

describe('RecordHistogram', () => {
  const buckets = [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 0.5];
  const values = [0, 1e-5, 1.00001e-5, 3e-5, 5e-5, 2e-4, 2e-4, 0.01, 0.5, 0.7, 42];

  it('is exposed exactly as prom-client\'s Histogram of the same observations, per label set', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new RecordHistogram({ name: 'latency_seconds', help: 'per record', labelNames: ['app', 'processor'], buckets, registers: [ours] });
    const reference = new Histogram({ name: 'latency_seconds', help: 'per record', labelNames: ['app', 'processor'], buckets, registers: [theirs] });
    for (const processor of ['predictor', 'scheduler']) {
      const series = fast.labels({ app: 'prm', processor });
      for (const v of processor === 'predictor' ? values : values.slice(3)) {
        series.observe(v);
        reference.labels({ app: 'prm', processor }).observe(v);
      }
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('latency_seconds_bucket{le="0.00001",app="prm",processor="predictor"} 2');
    // prom-client adds an empty exemplar slot to each of its values; the rest is the same.
    const withoutExemplars = (await theirs.getMetricsAsJSON()).map((m) => ({ ...m, values: m.values.map((v) => {
      const { exemplar: _, ...rest } = v as typeof v & { exemplar?: unknown };
      return rest;
    }) }));
    expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars);
  });

  it('hands out one series per label set, and reset empties them', async () => {
    const registry = new Registry();
    const fast = new RecordHistogram({ name: 'h', help: 'h', labelNames: ['app'], buckets, registers: [registry] });
    fast.labels({ app: 'a' }).observe(1);
    fast.labels({ app: 'a' }).observe(1);
    expect(await registry.metrics()).toContain('h_count{app="a"} 2');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('h_count');
  });

  it('refuses buckets that do not ascend', () => {
    expect(() => new RecordHistogram({ name: 'h', help: 'h', labelNames: [], buckets: [1, 1], registers: [] })).toThrow(/ascend/);
  });
});
