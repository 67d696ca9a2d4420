import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { CountedTopic } from './outputs-reader';
import { countedTopics } from './outputs-reader';

type ReaderMessage = { ready: true } | { topic: CountedTopic; ids: string[] };

/** Counts of the run's outputs per request id, read by outputs-reader-process.ts in a child process. */
export class ForkedOutputsReader {
  readonly counts = new Map<CountedTopic, Map<string, number>>(countedTopics.map((t) => [t, new Map()]));
  /** Wall ms of the last record read, per topic. */
  readonly lastReadAt = new Map<CountedTopic, number>();
  private child: ChildProcess | undefined;

  constructor(
    private readonly topicPrefix: string,
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {
    const child = fork(join(__dirname, 'outputs-reader-process.ts'), [this.topicPrefix, this.groupId], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the outputs reader exited (code ${code}) before it was ready`)));
      child.on('message', (m: ReaderMessage) => {
        if ('ready' in m) {
          resolve();
          return;
        }
        const counts = this.counts.get(m.topic)!;
        for (const id of m.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
        this.lastReadAt.set(m.topic, Date.now());
      });
    });
  }

  count(topic: CountedTopic, requestId: string): number {
    return this.counts.get(topic)!.get(requestId) ?? 0;
  }

  /** Resolves once no record has arrived for `quietMs` (everything committed has been read). */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const last = Math.max(0, ...this.lastReadAt.values());
      if (Date.now() - last >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Closing the IPC channel tells the child to leave its group and exit; killed if it lingers. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
