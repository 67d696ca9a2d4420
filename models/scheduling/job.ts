/**
 * A request for work as the scheduler sees it. `replicas` identical parts (a batch task's
 * instances) each need `cores` and `memory` on one instance; all start together.
 */
export interface JobRequest {
  id: string;
  user: string;
  /** 0 is the highest tier. */
  tier: number;
  /** Event time of arrival, epoch seconds. */
  arrival: number;
  /** When the job should have finished by, epoch seconds, if its user gave a deadline. */
  deadline?: number;
  cores: number;
  memory: number;
  replicas: number;
}

/** What the predictor expects of a job's run time, as quantiles (seconds). */
export interface DurationForecast {
  p50: number;
  p90: number;
}

export function totalCores(j: JobRequest): number {
  return j.cores * j.replicas;
}

export function totalMemory(j: JobRequest): number {
  return j.memory * j.replicas;
}
