import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { countedTopics, type CountedTopic, type ReadRecord } from './outputs-reader';

type ReaderMessage =
  | { ready: true }
  | { topic: CountedTopic; partition: number; records: ReadRecord[] }
  | { topic: CountedTopic; partition: number; next: string };

/** End offsets to read to, by `topic/partition` (see partitionKey). */
export type PartitionEnds = Map<string, bigint>;

export const partitionKey = (topic: CountedTopic, partition: number) => `${topic}/${partition}`;

/** Counts of the run's outputs per request id, read by outputs-reader-process.ts in a child process. */
export class ForkedOutputsReader {
  readonly counts = new Map<CountedTopic, Map<string, number>>(countedTopics.map((t) => [t, new Map()]));
  /**
   * Where each request's records were read, as `partition@offset`, per topic, to look a
   * disagreement up: kept only when asked for (the recount), not over a whole soak.
   */
  readonly places = new Map<CountedTopic, Map<string, string[]>>(countedTopics.map((t) => [t, new Map()]));
  /** Wall ms of the last record read, per topic. */
  readonly lastReadAt = new Map<CountedTopic, number>();
  /** The next offset to read, by partitionKey. */
  readonly positions = new Map<string, bigint>();
  private child: ChildProcess | undefined;

  constructor(
    private readonly topicPrefix: string,
    private readonly groupId: string,
    private readonly keepPlaces = false,
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
        } else if ('next' in m) {
          const key = partitionKey(m.topic, m.partition);
          const next = BigInt(m.next);
          if (next > (this.positions.get(key) ?? 0n)) this.positions.set(key, next);
        } else {
          this.noteRead(m.topic, m.partition, m.records);
        }
      });
    });
  }

  private noteRead(topic: CountedTopic, partition: number, records: ReadRecord[]): void {
    const counts = this.counts.get(topic)!;
    const places = this.places.get(topic)!;
    for (const { id, offset } of records) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      if (!this.keepPlaces) continue;
      const at = places.get(id);
      if (at) at.push(`${partition}@${offset}`);
      else places.set(id, [`${partition}@${offset}`]);
    }
    this.lastReadAt.set(topic, Date.now());
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
      await sleep(250);
    }
  }

  /** The partitions not yet read to their ends. */
  behind(ends: PartitionEnds): string[] {
    return [...ends].filter(([key, end]) => (this.positions.get(key) ?? 0n) < end).map(([key, end]) => `${key} at ${this.positions.get(key) ?? 0n} of ${end}`);
  }

  /** Waits until every partition is read to its end; the partitions still behind at the timeout. */
  async readTo(ends: PartitionEnds, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.behind(ends).length > 0 && Date.now() < deadline) await sleep(250);
    return this.behind(ends);
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
