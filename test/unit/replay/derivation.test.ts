import type { BitbrainsSample } from '../../../models/traces/bitbrains';
import { validateEvent } from '../../../schemas/validation';
import {
  BITBRAINS_STEP_SECONDS, derivationRandom, deriveBitbrainsRequests, MAX_DERIVED_CPU_SECONDS, parseReplayLine, toExecutionRequest, usageByRequest,
} from '../../../streams/executors/replay-workload';

const sample = (cpuUsageMhz: number): BitbrainsSample => ({
  vmId: 7, timestampSeconds: 1_372_629_804, cpuCores: 2, cpuCapacityMhz: 5000, cpuUsageMhz,
  memCapacityKb: 8e6, memUsageKb: 1e6, diskReadKbps: 0, diskWriteKbps: 0, netRxKbps: 0, netTxKbps: 0,
});

describe('bitbrains request derivation', () => {
  it('cuts a step of CPU into requests whose sizes sum to it, within the step, reproducibly', () => {
    // 3750 MHz of 2500 MHz cores = 1.5 cores for 300 s = 450 CPU-seconds.
    const jobs = deriveBitbrainsRequests(sample(3750), derivationRandom(3));
    expect(jobs.reduce((s, j) => s + j.cpuMs, 0)).toBe(450_000);
    expect(jobs.length).toBe(Math.ceil(450 / MAX_DERIVED_CPU_SECONDS));
    const stepStart = 1_372_629_804_000;
    for (const j of jobs) {
      expect(j.userId).toBe('vm-7');
      expect(j.cpuMs).toBeGreaterThan(0);
      expect(j.traceTimeMs).toBeGreaterThanOrEqual(stepStart);
      expect(j.traceTimeMs).toBeLessThan(stepStart + BITBRAINS_STEP_SECONDS * 1000);
    }
    expect(deriveBitbrainsRequests(sample(3750), derivationRandom(3))).toEqual(jobs);
    expect(deriveBitbrainsRequests(sample(0), derivationRandom(3))).toEqual([]);
  });

  it('makes valid execution requests whose event times keep the trace gaps', () => {
    const random = derivationRandom(1);
    const instances = parseReplayLine('alibaba-batch', '6459,6524,3,4,2,Terminated,50,0.0079', 2, random);
    // Two instances of half a core each: two requests of 32.5 CPU-seconds.
    expect(instances.map((j) => j.id)).toEqual(['3/4#0', '3/4#1']);
    const a = instances[0]!;
    expect(a).toMatchObject({ userId: 'job-3', durationMs: 65_000, cores: 0.5, cpuMs: 32_500 });
    const b = parseReplayLine('alibaba-batch', '6500,6524,3,5,1,Terminated,50,0.0079', 3, random)[0]!;
    const shift = Date.UTC(2026, 0, 1) - a.traceTimeMs;
    const [ra, rb] = [toExecutionRequest(a, 'run1', shift), toExecutionRequest(b, 'run1', shift)];
    expect(ra.submittedAt.getTime()).toBe(Date.UTC(2026, 0, 1));
    expect(rb.submittedAt.getTime() - ra.submittedAt.getTime()).toBe(41_000);
    expect(ra.requestId).toBe('run1/3/4#0');
    expect(validateEvent('ExecutionRequest', ra, { now: Date.UTC(2026, 0, 2) })).toEqual([]);
    expect(usageByRequest([a], 'run1').get('run1/3/4#0')).toMatchObject({ durationMs: 65_000, cpuMs: 32_500 });
  });
});
