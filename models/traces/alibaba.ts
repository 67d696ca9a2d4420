import { TraceFormatError } from './bitbrains';
import type { TraceJob } from './jobs';

/**
 * Alibaba cluster trace 2018, batch_task table in the 2017 column layout (as kept in
 * PriyadarshiniDas/Workload-Prediction-of-Alibaba-Cluster-Dataset): task_create_time,
 * task_end_time, job_id, task_id, number_of_instances, status, cpus per instance (100 = one
 * core), normalized memory per instance (1 = one 96-core machine's memory).
 *
 * In PRM a task is a job with `number_of_instances` replicas that start together; its user is its
 * Alibaba job (tasks of one job share a user) and its tier a fixed function of the job id:
 * job_id mod 10 in {0,1} -> tier 0, {2,3,4} -> tier 1, else tier 2 (20% / 30% / 50%).
 * Trace seconds are read as Unix seconds (time 0 = 1970-01-01T00:00:00Z).
 */
export function alibabaTier(jobId: number): number {
  const r = ((jobId % 10) + 10) % 10;
  return r < 2 ? 0 : r < 5 ? 1 : 2;
}

/** Memory of one Alibaba 2018 machine (96 cores) is 1 in the normalized unit. */
export const ALIBABA_MACHINE_CORES = 96;

export type AlibabaSkip = 'header' | 'no_request' | 'not_finished' | 'non_positive_duration';

/** Parses one line: a job, or why the row is not one (tasks that never ran or lack a request). */
export function parseAlibabaTaskLine(line: string, lineNumber: number): TraceJob | AlibabaSkip {
  if (line.startsWith('task_create_time')) return 'header';
  const f = line.split(',').map((s) => s.trim());
  if (f.length !== 8) throw new TraceFormatError(`alibaba line ${lineNumber}: expected 8 fields, got ${f.length}`);
  const [create, end, jobId, taskId, instances, status, cpus, memory] = f as [string, string, string, string, string, string, string, string];
  if (status !== 'Terminated' && status !== 'Failed') return 'not_finished';
  if (cpus === '' || memory === '') return 'no_request';
  const n = [create, end, jobId, taskId, instances, cpus, memory].map(Number);
  if (n.some((v) => !Number.isFinite(v))) throw new TraceFormatError(`alibaba line ${lineNumber}: non-numeric field in '${line}'`);
  const [t0, t1, job, task, replicas, cpu, mem] = n as [number, number, number, number, number, number, number];
  if (t1 <= t0) return 'non_positive_duration';
  if (!(replicas >= 1) || !(cpu > 0)) return 'no_request';
  return {
    id: `${job}/${task}`, user: `job-${job}`, tier: alibabaTier(job), arrival: t0,
    cores: cpu / 100, memory: mem, replicas, durationSeconds: t1 - t0,
  };
}
