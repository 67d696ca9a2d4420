import type { TestStackHandle } from './handle';

/** Stops only what global setup started: a stack that was already up stays up. */
export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as { prmTestStack?: TestStackHandle }).prmTestStack;
  if (!handle) return;
  const log = (line: string) => process.stderr.write(`[test teardown] ${line}\n`);
  if (handle.containers) await handle.containers.stop();
  if (handle.config && handle.localStarted.length > 0) {
    const { stackDown } = await import('../../stack/orchestrator');
    await stackDown(handle.config, log, handle.localStarted);
  }
}
