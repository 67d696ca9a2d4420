import { spawnSync } from 'node:child_process';

/** Whether a Docker engine answers here (the CLI alone is not enough: its daemon may be absent). */
export function dockerEngineAnswers(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 });
  return result.status === 0;
}
