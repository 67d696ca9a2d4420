import { validateEvent } from '../../../schemas/validation';
import { sampleEvents } from './samples';

const now = new Date('2026-11-28T06:00:00.000Z');
const ctx = { now: now.getTime() };
const samples = () => sampleEvents(now);

describe('validateEvent', () => {
  it('names negative and NaN usage', () => {
    const t = { ...samples().ExecutionTelemetry, cpuMs: Number.NaN, peakMemoryBytes: -1, ioReadBytes: Number.POSITIVE_INFINITY };
    expect(validateEvent('ExecutionTelemetry', t, ctx)).toEqual(['cpuMs is NaN', 'peakMemoryBytes is -1, below 0', 'ioReadBytes is infinite']);
  });

  it('rejects usage too large for any real job, which would overflow the profile statistics', () => {
    const t = { ...samples().ExecutionTelemetry, cpuMs: 1e300, peakMemoryBytes: 2 ** 51, ioWriteBytes: 2 ** 60 };
    expect(validateEvent('ExecutionTelemetry', t, ctx)).toEqual([
      'cpuMs is 1e+300, above 1000000000000', 'peakMemoryBytes is 2251799813685248, above 1125899906842624', 'ioWriteBytes is 1152921504606847000, above 9007199254740991',
    ]);
    expect(validateEvent('ExecutionTelemetry', { ...t, cpuMs: 1e12, peakMemoryBytes: 2 ** 50, ioWriteBytes: 2 ** 40 }, ctx)).toEqual([]);
  });

  it('rejects an event time far in the future but accepts clock skew within the limit', () => {
    const r = samples().ExecutionRequest;
    expect(validateEvent('ExecutionRequest', { ...r, submittedAt: new Date(now.getTime() + 5 * 60_000), deadline: null }, ctx)).toEqual([]);
    const far = validateEvent('ExecutionRequest', { ...r, submittedAt: new Date(now.getTime() + 86_400_000), deadline: null }, ctx);
    expect(far).toEqual(['submittedAt 2026-11-29T06:00:00.000Z is 86400 s in the future (limit 600 s)']);
  });

  it('takes the future limit from the context', () => {
    const m = { ...samples().ClusterMetrics, at: new Date(now.getTime() + 60_000) };
    expect(validateEvent('ClusterMetrics', m, ctx)).toEqual([]);
    expect(validateEvent('ClusterMetrics', m, { ...ctx, limits: { maxFutureSkewMs: 1_000 } })).toHaveLength(1);
  });

  it('rejects times before 2000 (seconds passed as milliseconds)', () => {
    const m = { ...samples().ClusterMetrics, at: new Date(1_764_000_000) };
    expect(validateEvent('ClusterMetrics', m, ctx)).toEqual(['at 1970-01-21T10:00:00.000Z is before 2000-01-01T00:00:00.000Z']);
  });

  it('rejects empty and blank ids', () => {
    expect(validateEvent('ExecutionRequest', { ...samples().ExecutionRequest, userId: '' }, ctx)).toEqual(['userId is empty']);
    expect(validateEvent('ExecutionTelemetry', { ...samples().ExecutionTelemetry, instanceId: '  ' }, ctx)).toEqual(['instanceId is empty']);
  });

  it('enforces the code size limit in UTF-8 bytes, default 256 KiB, configurable', () => {
    const r = samples().ExecutionRequest;
    const big = { ...r, code: 'é'.repeat(128 * 1024 + 1) };
    expect(validateEvent('ExecutionRequest', big, ctx)).toEqual(['code is 262146 bytes, over the 262144-byte limit']);
    expect(validateEvent('ExecutionRequest', big, { ...ctx, limits: { maxCodeBytes: 1 << 20 } })).toEqual([]);
    expect(validateEvent('ExecutionRequest', { ...r, code: '' }, ctx)).toEqual(['code is empty']);
  });

  it('checks orderings: end after start, deadline after submission, ordered quantiles', () => {
    const t = samples().ExecutionTelemetry;
    expect(validateEvent('ExecutionTelemetry', { ...t, endedAt: new Date(t.startedAt.getTime() - 1) }, ctx)).toEqual(['endedAt is before startedAt']);
    const r = samples().ExecutionRequest;
    expect(validateEvent('ExecutionRequest', { ...r, deadline: new Date(r.submittedAt.getTime() - 1) }, ctx)).toEqual(['deadline is before submittedAt']);
    const p = samples().PredictedDemand;
    expect(validateEvent('PredictedDemand', { ...p, cpuMs: { p50: 10, p90: 5, p99: 20 } }, ctx)).toEqual(['cpuMs quantiles are not ordered p50 <= p90 <= p99']);
  });

  it('counts runs from 1, and bounds the pool time a fleet share carries by its own time and the clock', () => {
    expect(validateEvent('ExecutionTelemetry', { ...samples().ExecutionTelemetry, attempt: 0 }, ctx)).toEqual(['attempt is 0, below 1']);
    expect(validateEvent('JobDispatch', { ...samples().JobDispatch, attempt: -1 }, ctx)).toEqual(['attempt is -1, below 1']);
    const share = samples().FleetShare;
    expect(validateEvent('FleetShare', share, ctx)).toEqual([]);
    expect(validateEvent('FleetShare', { ...share, sampledAt: null }, ctx)).toEqual([]);
    expect(validateEvent('FleetShare', { ...share, sampledAt: new Date(share.at.getTime() + 1) }, ctx)).toEqual(['at is before sampledAt']);
    const farAhead = { ...share, at: new Date(ctx.now + 86_400_000), sampledAt: new Date(ctx.now + 86_400_000) };
    expect(validateEvent('FleetShare', farAhead, ctx)).toEqual([expect.stringMatching(/^at .* in the future/), expect.stringMatching(/^sampledAt .* in the future/)]);
  });

  it('names what is wrong with a prediction\'s component, by index, and accepts the valid ones around it', () => {
    const p = samples().PredictedDemand;
    const good = p.components[0]!;
    const bad = { ...good, model: { ...good.model, name: ' ' }, weight: 1.5, durationMs: { p50: Number.NaN, p90: 1, p99: 2 }, ioBytes: { p50: 3, p90: 2, p99: 4 } };
    expect(validateEvent('PredictedDemand', { ...p, components: [good, bad, good] }, ctx)).toEqual([
      'components[1].model.name is empty',
      'components[1].weight is 1.5, above 1',
      'components[1].ioBytes quantiles are not ordered p50 <= p90 <= p99',
      'components[1].durationMs.p50 is NaN',
    ]);
    expect(validateEvent('PredictedDemand', { ...p, components: [good, { ...good, weight: Number.POSITIVE_INFINITY }] }, ctx)).toEqual(['components[1].weight is infinite']);
    expect(validateEvent('PredictedDemand', { ...p, components: [{ ...good, evidence: -1 }, { ...good, evidence: null }] }, ctx)).toEqual(['components[0].evidence is -1, below 0']);
  });

  it('checks ranges: priority 0-9, utilisation fractions', () => {
    expect(validateEvent('ExecutionRequest', { ...samples().ExecutionRequest, priority: 12 }, ctx)).toEqual(['priority is 12, above 9']);
    expect(validateEvent('ClusterMetrics', { ...samples().ClusterMetrics, cpuUtilization: 1.5 }, ctx)).toEqual(['cpuUtilization is 1.5, above 1']);
  });

  it('wants exactly one of target and delta on a scale command', () => {
    const c = samples().ScaleCommand;
    expect(validateEvent('ScaleCommand', { ...c, targetInstances: 10 }, ctx)).toEqual(['exactly one of targetInstances and deltaInstances must be set']);
    expect(validateEvent('ScaleCommand', { ...c, deltaInstances: null }, ctx)).toEqual(['exactly one of targetInstances and deltaInstances must be set']);
    expect(validateEvent('ScaleCommand', { ...c, deltaInstances: null, targetInstances: 4 }, ctx)).toEqual([]);
  });

  it('checks forecast points ascend after issue time and profiles have 168 hourly rates', () => {
    const f = samples().ClusterLoadForecast;
    const [a, b] = f.points;
    expect(validateEvent('ClusterLoadForecast', { ...f, points: [b!, a!] }, ctx)).toEqual(['points[1].at is not after points[0].at']);
    expect(validateEvent('ClusterLoadForecast', { ...f, points: [] }, ctx)).toEqual(['points is empty']);
    const p = samples().UserProfile;
    expect(validateEvent('UserProfile', { ...p, hourOfWeekRates: [1, 2] }, ctx)).toEqual(['hourOfWeekRates has 2 entries, expected 168']);
  });

  it('reports every violation, not just the first', () => {
    const t = { ...samples().ExecutionTelemetry, userId: '', cpuMs: -3, allocated: { cpuMillicores: 0, memoryBytes: 1, timeoutMs: 1 } };
    expect(validateEvent('ExecutionTelemetry', t, ctx)).toEqual(['userId is empty', 'cpuMs is -3, below 0', 'allocated.cpuMillicores is 0, below 1']);
  });
});
