import type { ClusterPoint, ReportData, UserSeries } from '../../../sinks/report';

/**
 * A hand-built report of a 2-hour run (deterministic curves, no randomness): what the unit and
 * browser tests render. `hostile` is a user id and a scale reason that try to inject markup.
 */
export const HOSTILE = '<script>alert(1)</script>';
const from = Date.parse('2026-11-28T08:00:00Z');
const bucketMs = 60_000;
const buckets = 120;

function wave(i: number, period: number, phase = 0): number {
  return 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / period + phase);
}

function cluster(): ClusterPoint[] {
  return Array.from({ length: buckets }, (_, i) => {
    const arrived = 2 + 10 * wave(i, 60) + 2 * wave(i, 7, 1);
    const instances = Math.max(1, Math.round((2 + 10 * wave(i - 4, 60)) / 2));
    return {
      t: from + i * bucketMs,
      executedCores: 2 + 10 * wave(i - 1, 60) + 1.5 * wave(i, 7, 2),
      arrivedCores: arrived,
      predictedP50Cores: arrived * (0.85 + 0.2 * wave(i, 13)),
      predictedP90Cores: arrived * (1.25 + 0.2 * wave(i, 13)),
      requests: Math.round(30 * arrived),
      instancesRunning: instances,
      instancesBooting: i % 17 === 3 ? 1 : 0,
      capacityCores: instances * 4,
      usedCores: arrived * 0.9,
      forecastCores: i >= 10 ? 2 + 10 * wave(i + 3, 60) : null,
    };
  });
}

function user(userId: string, scale: number, n: number): UserSeries {
  const points = Array.from({ length: 40 }, (_, i) => {
    const actual = scale * (1 + wave(i, 11 + n));
    return {
      t: from + i * 180_000,
      requests: 5 + ((i * (n + 3)) % 9),
      predictedCpuMsP50: actual * (0.8 + 0.4 * wave(i, 5, n)),
      predictedCpuMsP90: actual * (1.4 + 0.3 * wave(i, 5, n)),
      actualCpuMs: actual,
      predictedDurationMsP50: actual * 3,
      actualDurationMs: actual * 3.2,
    };
  });
  return { userId, requests: 900 - n * 120, compared: 880 - n * 120, maeCpuMsP50: scale * 0.21, coverageP90: 0.92 - n * 0.03, points };
}

export function sampleReport(): ReportData {
  return {
    scope: { runId: 'run-2026-11-28', pool: 'replay-pool-1', from, to: from + buckets * bucketMs, bucketMs, userBucketMs: 180_000 },
    totals: {
      requests: 4218, users: 37, predictions: 4218, dispatches: 4199, retries: 9, telemetry: 4190, failedExecutions: 12,
      instanceHours: 11.42, meanCpuUtilization: 0.634, meanMemoryUtilization: 0.412, meanReservedFraction: 0.871, peakInstances: 6, metricsSamples: 720, scaleOuts: 7, scaleIns: 5,
      maeCpuMsP50: 182.4, coverageP90: 0.87, dispatchToStartMsP50: 850, dispatchToStartMsP95: 4_200, runMsP50: 5_300, firstSubmittedAt: from + 400, lastEndedAt: from + buckets * bucketMs - 2000,
    },
    cluster: cluster(),
    users: [user('alice', 400, 0), user(HOSTILE, 1200, 1), user('carol', 90, 2), user('dave', 2500, 3), user('erin', 650, 4), user('frank', 180, 5)],
    scaleCommands: [
      { t: from + 5 * 60_000, action: 'SCALE_OUT', targetInstances: 4, deltaInstances: null, effectiveBy: from + 6 * 60_000, reason: 'FORECAST_DEMAND', explanation: 'forecast p90 10.2 cores above capacity 8' },
      { t: from + 18 * 60_000, action: 'SCALE_OUT', targetInstances: null, deltaInstances: 2, effectiveBy: from + 19 * 60_000, reason: HOSTILE, explanation: 'queue <b>growing</b> & "quoted"' },
      { t: from + 47 * 60_000, action: 'SCALE_IN', targetInstances: null, deltaInstances: 2, effectiveBy: from + 48 * 60_000, reason: 'IDLE_CAPACITY', explanation: 'utilisation under 40% for 10 min' },
      { t: from + 70 * 60_000, action: 'SCALE_OUT', targetInstances: 6, deltaInstances: null, effectiveBy: from + 71 * 60_000, reason: 'FORECAST_DEMAND', explanation: 'forecast p90 above capacity' },
      { t: from + 105 * 60_000, action: 'SCALE_IN', targetInstances: 2, deltaInstances: null, effectiveBy: from + 106 * 60_000, reason: 'IDLE_CAPACITY', explanation: 'utilisation under 40%' },
    ],
    queueDelay: [
      { tier: 'ENTERPRISE', dispatches: 410, meanMs: 120, p50Ms: 80, p95Ms: 400, p99Ms: 900, maxMs: 1500 },
      { tier: 'PREMIUM', dispatches: 980, meanMs: 260, p50Ms: 150, p95Ms: 900, p99Ms: 1800, maxMs: 3200 },
      { tier: 'STANDARD', dispatches: 1850, meanMs: 700, p50Ms: 420, p95Ms: 2600, p99Ms: 4100, maxMs: 9000 },
      { tier: 'FREE', dispatches: 959, meanMs: 1900, p50Ms: 1100, p95Ms: 6200, p99Ms: 9800, maxMs: 15_000 },
    ],
    predictionError: [
      { model: 'code-ridge', version: 'v1', samples: 4190, firstSeen: from + 1000, lastSeen: from + 7_000_000, maeCpuMsP50: 310, biasCpuMsP50: -40, coverageP90: 0.78, meanActualCpuMs: 820, memoryFitsReservation: 0.61 },
      { model: 'combined', version: 'code-ridge@v1 + profile-ewma@v1', samples: 2100, firstSeen: from + 1000, lastSeen: from + 3_600_000, maeCpuMsP50: 210, biasCpuMsP50: 25, coverageP90: 0.85, meanActualCpuMs: 820, memoryFitsReservation: 0.97 },
      { model: 'profile-ewma', version: 'v1', samples: 2100, firstSeen: from + 1000, lastSeen: from + 3_600_000, maeCpuMsP50: 240, biasCpuMsP50: 60, coverageP90: 0.83, meanActualCpuMs: 820, memoryFitsReservation: 0.95 },
      { model: 'combined', version: 'code-ridge@v1 + profile-ewma@v2', samples: 2090, firstSeen: from + 3_600_500, lastSeen: from + 7_000_000, maeCpuMsP50: 160, biasCpuMsP50: 10, coverageP90: 0.9, meanActualCpuMs: 830, memoryFitsReservation: 0.98 },
      { model: 'profile-ewma', version: 'v2', samples: 2090, firstSeen: from + 3_600_500, lastSeen: from + 7_000_000, maeCpuMsP50: 170, biasCpuMsP50: 12, coverageP90: 0.89, meanActualCpuMs: 830, memoryFitsReservation: 0.96 },
    ],
  };
}

/** The same run with nothing recorded: every chart must say so. */
export function emptyReport(): ReportData {
  const full = sampleReport();
  return {
    ...full,
    totals: { ...full.totals, requests: 0, users: 0, predictions: 0, dispatches: 0, telemetry: 0, failedExecutions: 0, instanceHours: 0, meanCpuUtilization: null, meanMemoryUtilization: null, meanReservedFraction: null, peakInstances: null, metricsSamples: 0, scaleOuts: 0, scaleIns: 0, maeCpuMsP50: null, coverageP90: null, dispatchToStartMsP50: null, dispatchToStartMsP95: null, runMsP50: null, firstSubmittedAt: null, lastEndedAt: null },
    cluster: full.cluster.map((p) => ({ ...p, executedCores: 0, arrivedCores: 0, predictedP50Cores: 0, predictedP90Cores: 0, requests: 0, instancesRunning: null, instancesBooting: null, capacityCores: null, usedCores: null, forecastCores: null })),
    users: [],
    scaleCommands: [],
    queueDelay: [],
    predictionError: [],
  };
}
