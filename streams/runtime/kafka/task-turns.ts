/**
 * Work that must not overlap per key, while different keys run at once: a runner processes
 * several fetched batches concurrently, but a task's input topics share its partition number, and
 * a task has one chunk at a time waiting to commit (its next chunk builds on that one's state
 * and must not commit without it), so the task's batches take turns.
 */
export class TaskTurns {
  private readonly last = new Map<number, Promise<void>>();

  /** Runs `work` once every earlier work of `key` has settled; a failed one does not block the next. */
  async run(key: number, work: () => Promise<void>): Promise<void> {
    const earlier = this.last.get(key) ?? Promise.resolve();
    const turn = earlier.then(work);
    const settled = turn.then(() => undefined, () => undefined);
    this.last.set(key, settled);
    try {
      await turn;
    } finally {
      if (this.last.get(key) === settled) this.last.delete(key);
    }
  }

  /** Keys with work running or waiting. */
  get busy(): number {
    return this.last.size;
  }
}
