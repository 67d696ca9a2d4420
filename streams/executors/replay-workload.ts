import { seededRandom } from '../../models/seeded-random';
import { parseAlibabaTaskLine } from '../../models/traces/alibaba';
import { parseAzureLlmLine } from '../../models/traces/azure-llm';
import { type BitbrainsSample, parseBitbrainsLine } from '../../models/traces/bitbrains';
import { parseJobLine, type TraceJob } from '../../models/traces/jobs';
import type { ExecutionRequest, UserTier } from '../../schemas/types.generated';
import type { JobUsage } from './pool-core';

export type TraceFormat = 'bitbrains' | 'alibaba-batch' | 'azure-llm' | 'jobs';
export const TRACE_FORMATS: readonly TraceFormat[] = ['bitbrains', 'alibaba-batch', 'azure-llm', 'jobs'];

/** One request to replay, in trace time, with what it really used (hidden from PRM's predictors). */
export interface ReplayJob {
  /** Unique within the trace. */
  id: string;
  userId: string;
  /** 0 is the highest tier, as in the trace readers. */
  tier: number;
  /** Trace time of submission, epoch ms (before re-basing). */
  traceTimeMs: number;
  cores: number;
  durationMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
}

/** Bitbrains samples are 300 s apart; each becomes the requests that did that step's work. */
export const BITBRAINS_STEP_SECONDS = 300;
/** A derived Bitbrains request does at most this much CPU: a step's work splits into several. */
export const MAX_DERIVED_CPU_SECONDS = 60;
const GiB = 1024 ** 3;
const KiB = 1024;
/** Alibaba memory is normalised to one machine; taken as 512 GiB. */
export const ALIBABA_MEMORY_UNIT_BYTES = 512 * GiB;

/** Trace tiers (0 highest) as PRM's commercial tiers; ENTERPRISE is left for real customers. */
export function tierOf(tier: number): UserTier {
  return tier <= 0 ? 'PREMIUM' : tier === 1 ? 'STANDARD' : 'FREE';
}

/**
 * A job of a discrete trace: its replicas start together, so the request's CPU and memory are
 * the replicas' sum; memory units differ per trace (Alibaba: 1 = one 96-core machine, taken as
 * 512 GiB; jobs format: GiB; LLM traces: the reader's estimate, in GiB).
 */
export function replayJobOf(job: TraceJob, memoryUnitBytes: number): ReplayJob {
  const durationMs = Math.max(1, Math.round(job.durationSeconds * 1000));
  return {
    id: job.id, userId: job.user, tier: job.tier, traceTimeMs: Math.round(job.arrival * 1000),
    cores: job.cores * job.replicas, durationMs, cpuMs: job.cores * job.replicas * durationMs,
    peakMemoryBytes: Math.round(job.memory * job.replicas * memoryUnitBytes),
  };
}

/**
 * The request stream behind one Bitbrains sample, a fluid trace: the VM is a user and the CPU it
 * used over the 300 s step (usage MHz / MHz per core x 300 s of core time) is cut into requests
 * of at most MAX_DERIVED_CPU_SECONDS of single-core work whose sizes sum exactly to it; the cut
 * points and submission times within the step are drawn from `random`, so one seed always gives
 * the same stream. The step's memory in use is shared among its requests; idle steps make none.
 */
export function deriveBitbrainsRequests(s: BitbrainsSample, random: () => number): ReplayJob[] {
  const mhzPerCore = s.cpuCores > 0 ? s.cpuCapacityMhz / s.cpuCores : 0;
  if (!(mhzPerCore > 0) || !(s.cpuUsageMhz > 0)) return [];
  const cpuMsTotal = Math.round((s.cpuUsageMhz / mhzPerCore) * BITBRAINS_STEP_SECONDS * 1000);
  if (cpuMsTotal < 1) return [];
  const count = Math.ceil(cpuMsTotal / (MAX_DERIVED_CPU_SECONDS * 1000));
  // Random proportions, then integer ms with the remainder on the last: sizes sum to the total.
  const weights = Array.from({ length: count }, () => 0.5 + random());
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.floor((w / weightSum) * cpuMsTotal)));
  sizes[count - 1] = cpuMsTotal - sizes.slice(0, -1).reduce((a, b) => a + b, 0);
  const memoryEach = Math.round((s.memUsageKb * KiB) / count);
  const stepStart = s.timestampSeconds * 1000;
  return sizes
    .map((cpuMs, k) => ({
      id: `vm${s.vmId}@${s.timestampSeconds}#${k}`, userId: `vm-${s.vmId}`, tier: s.vmId % 3,
      traceTimeMs: stepStart + Math.floor(random() * BITBRAINS_STEP_SECONDS * 1000),
      cores: 1, durationMs: cpuMs, cpuMs, peakMemoryBytes: memoryEach,
    }))
    .sort((a, b) => a.traceTimeMs - b.traceTimeMs);
}

/** Reads one trace line into replay jobs; `random` drives the fluid derivation. */
export function parseReplayLine(format: TraceFormat, line: string, lineNumber: number, random: () => number): ReplayJob[] {
  switch (format) {
    case 'bitbrains': {
      const s = parseBitbrainsLine(line, lineNumber);
      return s ? deriveBitbrainsRequests(s, random) : [];
    }
    case 'alibaba-batch': {
      // Each instance of a batch task is its own process on some machine: one request per instance.
      const j = parseAlibabaTaskLine(line, lineNumber);
      if (typeof j === 'string') return [];
      const one = replayJobOf({ ...j, replicas: 1 }, ALIBABA_MEMORY_UNIT_BYTES);
      return Array.from({ length: j.replicas }, (_, k) => ({ ...one, id: `${j.id}#${k}` }));
    }
    case 'azure-llm': {
      const j = parseAzureLlmLine(line, lineNumber);
      return j ? [replayJobOf(j, GiB)] : [];
    }
    case 'jobs': {
      const j = parseJobLine(line, lineNumber);
      return j ? [replayJobOf(j, GiB)] : [];
    }
  }
}

/**
 * Loop iterations per CPU ms in the generated code: measured 3e8 in 1,506 and 1,512 CPU ms (prm
 * execute, Node 20, this project's 2-core dev box, with the meter's start-mark handshake).
 */
export const ITERATIONS_PER_CPU_MS = 200_000;

/**
 * Code that does about the job's CPU work: a loop with a constant trip count, so static analysis
 * can see the size (as it would in a real user's batch job), and all of the job's memory held in
 * one array.
 */
export function workCode(job: ReplayJob): string {
  const iterations = Math.max(1, Math.round(job.cpuMs * ITERATIONS_PER_CPU_MS));
  const cells = Math.max(0, Math.round(job.peakMemoryBytes / 8));
  return [
    `// replayed ${job.id}: ${job.cpuMs} CPU ms over ${job.cores} core(s), ${job.peakMemoryBytes} bytes`,
    `const held = new Float64Array(${cells});`,
    'let h = 0;',
    `for (let i = 0; i < ${iterations}; i++) h = (h * 31 + i) | 0;`,
    'console.log(h, held.length);',
    '',
  ].join('\n');
}

/** A replay run's ids: the same trace replayed twice is two runs, not duplicates of one. */
export function requestIdOf(runId: string, job: ReplayJob): string {
  return `${runId}/${job.id}`;
}

/** The request as published, with its event time moved by `shiftMs` (trace time to replay time). */
export function toExecutionRequest(job: ReplayJob, runId: string, shiftMs: number): ExecutionRequest {
  return {
    requestId: requestIdOf(runId, job), userId: job.userId, tier: tierOf(job.tier), priority: 5, language: 'JAVASCRIPT',
    code: workCode(job), submittedAt: new Date(job.traceTimeMs + shiftMs), deadline: null,
    resourceHints: null,
  };
}

/** The truth the simulated pool runs a replayed request with, by request id. */
export function usageByRequest(jobs: readonly ReplayJob[], runId: string): Map<string, JobUsage> {
  return new Map(jobs.map((j) => [requestIdOf(runId, j), {
    durationMs: j.durationMs, cpuMs: j.cpuMs, peakMemoryBytes: j.peakMemoryBytes, ioReadBytes: 0, ioWriteBytes: 0,
  }]));
}

/** A seeded generator for derivations, so a replay is reproducible. */
export function derivationRandom(seed: number): () => number {
  return seededRandom(seed);
}
