export interface RecentRequestsOptions {
  /** How long, in event time, a request id is remembered after it was dispatched. */
  retentionMs: number;
  /** At most this many ids are remembered; beyond it the oldest are forgotten first. */
  maxIds: number;
}

/** When an id was remembered and in what order, as the scheduler stores it. */
export interface RememberedAt {
  atMs: number;
  /** Remembering order: ties in `atMs` are forgotten in this order, before and after a restore. */
  seq: number;
}

/**
 * The request ids a scheduler task dispatched lately, so that a request sent again after its
 * first run finished (a producer retry from an old buffer) is not run twice. Bounded two ways:
 * an id is forgotten `retentionMs` of event time after it was remembered, and beyond `maxIds`
 * the oldest go first. No clock is read: the caller passes event time, and since it passes the
 * task's stream time (which never goes back) the ids are held oldest first, so forgetting is a
 * walk from the front, and the same records always forget the same ids.
 */
export class RecentRequests {
  /**
   * Each id's seq: a number, not its RememberedAt, so a task's hundreds of thousands of ids
   * are not as many objects on the heap (its store holds those it must).
   */
  private readonly ids = new Map<string, number>();
  /**
   * Remembering order, oldest first from `head`, with each place's seq and time. The Map is not
   * walked for the oldest: V8's Map keeps deleted entries in place until it rehashes, and a walk
   * from its front steps over every id forgotten since, which at a few hundred thousand ids cost
   * tens of microseconds a record. An id remembered again keeps its earlier place, skipped as
   * stale (its seq is not the id's).
   */
  private orderIds: string[] = [];
  private orderSeqs: number[] = [];
  private orderAtMs: number[] = [];
  private head = 0;
  private nextSeq = 0;
  private latestMs = -Infinity;

  constructor(private readonly o: RecentRequestsOptions) {
    if (!(o.retentionMs > 0)) throw new RangeError(`retentionMs must be positive, got ${o.retentionMs}`);
    if (!Number.isInteger(o.maxIds) || o.maxIds < 1) throw new RangeError(`maxIds must be a positive integer, got ${o.maxIds}`);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /**
   * Remembers `id` as of `atMs` (an earlier time than the latest remembered counts as the latest,
   * to keep the order). Returns when and in what order it was remembered, for the caller to
   * store, and the ids forgotten to stay within `maxIds`.
   */
  remember(id: string, atMs: number): { entry: RememberedAt; forgotten: string[] } {
    this.latestMs = Math.max(this.latestMs, atMs);
    const seq = this.nextSeq++;
    this.ids.set(id, seq);
    this.append(id, seq, this.latestMs);
    const forgotten: string[] = [];
    while (this.ids.size > this.o.maxIds && this.skipStale()) forgotten.push(this.forgetHead());
    return { entry: { atMs: this.latestMs, seq }, forgotten };
  }

  /** Forgets the ids remembered `retentionMs` or longer before `nowMs`; returns them. */
  expire(nowMs: number): string[] {
    const forgotten: string[] = [];
    while (this.skipStale() && nowMs - this.orderAtMs[this.head]! >= this.o.retentionMs) forgotten.push(this.forgetHead());
    return forgotten;
  }

  /** Rebuilds from stored entries (in any order): afterwards it forgets exactly as before. */
  restore(entries: Iterable<[string, RememberedAt]>): void {
    const sorted = [...entries].sort(([, a], [, b]) => a.seq - b.seq);
    for (const [id, e] of sorted) {
      this.ids.set(id, e.seq);
      this.append(id, e.seq, e.atMs);
      this.latestMs = Math.max(this.latestMs, e.atMs);
      this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
    }
  }

  private append(id: string, seq: number, atMs: number): void {
    this.orderIds.push(id);
    this.orderSeqs.push(seq);
    this.orderAtMs.push(atMs);
  }

  /** Moves `head` past stale places to the oldest id remembered; false when none is. */
  private skipStale(): boolean {
    while (this.head < this.orderIds.length) {
      if (this.ids.get(this.orderIds[this.head]!) === this.orderSeqs[this.head]) return true;
      this.head++;
    }
    return false;
  }

  /** Forgets the oldest id, at `head` (as `skipStale` just found it); returns it. */
  private forgetHead(): string {
    const id = this.orderIds[this.head]!;
    this.ids.delete(id);
    this.head++;
    // The consumed front is cut off once it is most of the arrays: amortised O(1) per id.
    if (this.head >= 1024 && this.head * 2 >= this.orderIds.length) {
      this.orderIds = this.orderIds.slice(this.head);
      this.orderSeqs = this.orderSeqs.slice(this.head);
      this.orderAtMs = this.orderAtMs.slice(this.head);
      this.head = 0;
    }
    return id;
  }
}
