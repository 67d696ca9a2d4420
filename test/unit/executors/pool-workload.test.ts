import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseJobLine } from '../../../models/traces/jobs';
import type { JobDispatch } from '../../../schemas/types.generated';
import { ManualClock } from '../../../streams/runtime/clock';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { localTopics } from '../../../streams/processors/event-topics';
import { replayJobOf, usageByRequest } from '../../../streams/executors/replay-workload';
import { simulatedPoolProcessor } from '../../../streams/executors/simulated-pool';

const GiB = 1024 ** 3;

describe('simulated pool on the bundled workload', () => {
  it('runs the first 300 requests once each, never over capacity, and samples the pool', () => {
    const lines = readFileSync(join(__dirname, '../../../data/workload/workload.jsonl'), 'utf8').split('\n');
    const jobs = lines.slice(0, 300).map((l, i) => parseJobLine(l, i + 1)!).map((j) => replayJobOf(j, GiB));
    const usage = usageByRequest(jobs, 'run');
    const config = {
      pool: 'default', instanceCpuMillicores: 16_000, instanceMemoryBytes: 64 * GiB, instanceIoBytesPerSecond: 200e6,
      bootDelayMs: 90_000, sampleIntervalMs: 60_000, initialInstances: 4, minInstances: 1, maxInstances: 50,
    };
    const clock = new ManualClock(jobs[0]!.traceTimeMs);
    const driver = new ProcessorTestDriver(
      simulatedPoolProcessor({ topics: localTopics(() => clock.now() + 365 * 86_400_000), config, usage: (d) => usage.get(d.requestId) }), { clock },
    );
    for (const j of jobs) {
      const d: JobDispatch = {
        requestId: `run/${j.id}`, userId: j.userId, pool: 'default', instanceId: 'any', dispatchedAt: new Date(j.traceTimeMs),
        allocation: { cpuMillicores: Math.ceil(j.cores * 1000), memoryBytes: Math.max(64 * 1024 * 1024, Math.ceil(j.peakMemoryBytes)), timeoutMs: 24 * 3600_000 },
        queuedMs: 0, priorityScore: 0, priority: { base: 0, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'replay' },
      };
      driver.pipeInput('dispatches', { key: d.requestId, value: d, timestamp: j.traceTimeMs });
      const pool = driver.store('pools').get('default')!;
      for (const inst of pool.instances) {
        expect(inst.freeCpuMillicores).toBeGreaterThanOrEqual(0);
        expect(inst.freeMemoryBytes).toBeGreaterThanOrEqual(0);
      }
    }
    // A far-later record flushes every job still running.
    const last = jobs[jobs.length - 1]!.traceTimeMs + 48 * 3600_000;
    driver.pipeInput('scaleCommands', { key: 'default', value: {
      commandId: 'flush', pool: 'default', issuedAt: new Date(last), action: 'SCALE_OUT', targetInstances: 4, deltaInstances: null,
      effectiveBy: new Date(last), reason: 'MIN_MAX_BOUNDS', explanation: 'flush', forecastId: null,
    }, timestamp: last });
    expect(driver.readDeadLetters()).toEqual([]);
    const telemetry = driver.readOutput('telemetry').map((t) => t.value!);
    expect(new Set(telemetry.map((t) => t.requestId)).size).toBe(300);
    expect(telemetry).toHaveLength(300);
    const statuses = new Set(telemetry.map((t) => t.exitStatus));
    expect(statuses.has('OK')).toBe(true);
    for (const t of telemetry) expect(t.endedAt.getTime()).toBeGreaterThanOrEqual(t.startedAt.getTime());
    const metrics = driver.readOutput('metrics').map((m) => m.value!);
    expect(metrics.length).toBeGreaterThan(10);
    expect(Math.max(...metrics.map((m) => m.cpuUtilization))).toBeGreaterThan(0);
  });
});
