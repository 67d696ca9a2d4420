import type { StackConfig } from './config';
import type { Endpoints } from './endpoints';

export type ServiceName = 'kafka' | 'timescale' | 'registry';

/** How to launch one service process. */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** One service of the local stack: what it binds, how it starts, how readiness is told. */
export interface ServiceSpec {
  name: ServiceName;
  /** Ports it binds, each with the environment variable that moves it (for error messages). */
  ports(config: StackConfig): { port: number; env: string }[];
  /**
   * A string in the process's command line that only this stack's instance has, so a reused
   * pid is never taken for ours.
   */
  marker(config: StackConfig): string;
  /**
   * One-time and per-start preparation (jars, config files, storage format). Returns true when
   * first-time work was done, which makes this a cold start.
   */
  prepare(config: StackConfig, log: (line: string) => void): Promise<boolean>;
  launch(config: StackConfig): Launch;
  /**
   * One readiness attempt; throws with the reason when the service is not ready. `full` after a
   * start proves the service works end to end; `quick` checks that a running one still answers.
   */
  probe(config: StackConfig, depth: 'full' | 'quick'): Promise<void>;
  /** What this service contributes to .stack/endpoints.json once up. */
  endpoints(config: StackConfig): Partial<Endpoints>;
}
