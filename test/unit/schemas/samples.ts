import type { DecayedDistribution, EventName, EventTypes, Quantiles } from '../../../schemas/types.generated';

const q = (p50: number, p90: number, p99: number): Quantiles => ({ p50, p90, p99 });

function distribution(scale: number): DecayedDistribution {
  return {
    weight: 12.5, ewma: 3 * scale, ewmVariance: 0.75 * scale * scale, p50: 2 * scale, p90: 5 * scale, p99: 9 * scale, max: 11 * scale,
    bucketUpperBounds: [scale, 4 * scale, 16 * scale], bucketWeights: [4.5, 6, 2],
  };
}

/** One valid event of every kind, every optional field filled, times at `now` or before (whole ms). */
export function sampleEvents(now: Date): { [K in EventName]: EventTypes[K] } {
  const t = (offsetMs: number) => new Date(now.getTime() + offsetMs);
  const model = { name: 'user-demand-lstm', version: '2026-11-28T05-00Z' };
  return {
    ExecutionRequest: {
      requestId: 'req-1', userId: 'user-7', tier: 'PREMIUM', priority: 6, language: 'TYPESCRIPT',
      code: 'const xs: number[] = [];\nfor (let i = 0; i < 1e5; i++) xs.push(i * i);\nconsole.log(xs.length);\n',
      submittedAt: t(-5_000), deadline: t(60_000),
      resourceHints: { cpuMs: 1250.5, memoryBytes: 64 * 1024 * 1024, timeoutMs: 30_000 },
    },
    ExecutionTelemetry: {
      requestId: 'req-1', userId: 'user-7', instanceId: 'vm-a-3', startedAt: t(-4_000), endedAt: t(-1_500),
      cpuMs: 1234.75, peakMemoryBytes: 48 * 1024 * 1024, ioReadBytes: 4096, ioWriteBytes: 1 << 20,
      exitStatus: 'TIMEOUT', exitCode: 137, allocated: { cpuMillicores: 500, memoryBytes: 128 * 1024 * 1024, timeoutMs: 2_500 }, attempt: 2,
    },
    ClusterMetrics: {
      pool: 'default', at: t(-1_000), instancesRunning: 8, instancesBooting: 2, cpuCapacityMillicores: 16_000,
      memoryCapacityBytes: 64 * 1024 ** 3, cpuUtilization: 0.625, memoryUtilization: 0.4, ioUtilization: 0.125, queueDepth: 17, reservedFraction: 0.75,
    },
    PoolClock: { pool: 'default', at: t(-1_000), source: 'replay-1' },
    CodeFeatures: {
      requestId: 'req-1', userId: 'user-7', analyzedAt: t(-5_000), language: 'TYPESCRIPT', parseStatus: 'OK',
      codeBytes: 96, lines: 3, cyclomaticComplexity: 2, maxNestingDepth: 1, loopCount: 1, maxLoopNesting: 1,
      functionCount: 0, recursiveFunctionCount: 0, importCount: 1, externalDependencies: ['lodash'], literalBytes: 12, parseMs: 1.5,
    },
    UserProfile: {
      userId: 'user-7', updatedAt: t(-1_500), firstSeenAt: t(-86_400_000), lastSeenAt: t(-1_500), halfLifeMs: 7 * 86_400_000,
      observations: 41, exitCounts: { ok: 37, error: 2, timeout: 1, oom: 1 },
      cpuMs: distribution(100), peakMemoryBytes: distribution(1 << 20), ioBytes: distribution(4096),
      durationMs: distribution(250), interArrivalMs: distribution(60_000),
      hourOfWeekRates: Array.from({ length: 168 }, (_, i) => (i % 24) / 8),
    },
    PredictedDemand: {
      requestId: 'req-1', userId: 'user-7', predictedAt: t(-5_000), submittedAt: t(-5_000), tier: 'PREMIUM', priority: 6,
      deadline: t(60_000), cpuMs: q(900, 1500, 2600), peakMemoryBytes: q(40e6, 60e6, 90e6), ioBytes: q(1e5, 1e6, 4e6),
      durationMs: q(1100, 2000, 3500),
      components: [
        { source: 'USER_PROFILE', model, weight: 0.7, cpuMs: q(1000, 1600, 2800), peakMemoryBytes: q(42e6, 61e6, 95e6),
          ioBytes: q(1e5, 1e6, 4e6), durationMs: q(1200, 2100, 3600), evidence: 11.67 },
        { source: 'CODE_ANALYSIS', model: { name: 'code-ridge', version: '3' }, weight: 0.3, cpuMs: q(700, 1300, 2200),
          peakMemoryBytes: q(35e6, 55e6, 80e6), ioBytes: q(1e5, 9e5, 3e6), durationMs: q(900, 1800, 3200), evidence: null },
      ],
      profileObservations: 41,
    },
    ClusterLoadForecast: {
      forecastId: 'fc-default-1', pool: 'default', issuedAt: t(-1_000), metric: 'CPU_CORES', stepMs: 300_000,
      model: { name: 'holt-winters', version: '12' },
      points: [
        { at: t(299_000), expected: 9.5, p50: 9.25, p90: 11.5, p99: 14 },
        { at: t(599_000), expected: 10.5, p50: 10.25, p90: 12.75, p99: 15.5 },
      ],
    },
    ScaleCommand: {
      commandId: 'cmd-1', pool: 'default', issuedAt: t(-1_000), action: 'SCALE_OUT', targetInstances: null, deltaInstances: 3,
      effectiveBy: t(299_000), reason: 'FORECAST_DEMAND',
      explanation: 'p90 load 11.5 cores in 5 min exceeds 10 cores of capacity after 15% headroom', forecastId: 'fc-default-1',
    },
    JobDispatch: {
      requestId: 'req-1', userId: 'user-7', pool: 'default', instanceId: 'vm-a-3', dispatchedAt: t(-4_100),
      allocation: { cpuMillicores: 500, memoryBytes: 128 * 1024 * 1024, timeoutMs: 2_500 }, queuedMs: 900, priorityScore: 7.25,
      priority: { base: 6, aging: 0.75, size: 0.5, deadlineUrgency: 0, explanation: 'PREMIUM tier priority 6, waited 0.9 s, small job' }, attempt: 2,
    },
    SchedulerBacklog: {
      pool: 'default', task: 4, at: t(-3_000), queuedJobs: 12, queuedCores: 9.5, queuedCoreSeconds: 5_700, reservedCores: 6.25, oldestSubmittedAt: t(-95_000),
    },
    FleetShare: { pool: 'default', task: 4, at: t(-2_000), instancesRunning: 12, shareInstances: 5.5, demandInstances: 7.25, sampledAt: t(-2_500) },
    ModelUpdated: {
      modelName: 'user-demand-lstm', version: '2026-11-28T05-00Z', algorithm: 'lstm', trainedAt: t(-600_000),
      windowStart: t(-7 * 86_400_000), windowEnd: t(-3_600_000), trainingRows: 120_000,
      validationMetrics: { mae: 120.5, pinball_p90: 80.25 }, baselineMetrics: { mae: 150, pinball_p90: 95.5 }, promoted: true,
      artifactUri: 'file:///var/lib/prm/models/user-demand-lstm/2026-11-28T05-00Z',
    },
    DeadLetter: {
      sourceTopic: 'prm.requests', sourcePartition: 2, sourceOffset: 12345, sourceTimestamp: t(-2_000), processor: 'predictor',
      failedAt: t(-1_000), reason: 'INVALID_VALUE', errorClass: 'InvalidRecordError', errorMessage: 'userId is empty',
      schemaId: 3, key: Buffer.from('user-7'), value: Buffer.from([0, 0, 0, 0, 3, 2, 4]),
      headers: [{ key: 'trace', value: Buffer.from('abc') }, { key: 'empty', value: null }],
    },
  };
}
