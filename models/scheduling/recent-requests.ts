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
  private readonly ids = new Map<string, RememberedAt>();
  /**
   * Remembering order, oldest first from `head`, with each place's seq. The Map is not walked
   * for the oldest: V8's Map keeps deleted entries in place until it rehashes, and a walk from
   * its front steps over every id forgotten since, which at a few hundred thousand ids cost tens
   * of microseconds a record. An id remembered again keeps its earlier place, skipped as stale
   * (its seq is not the entry's).
   */
  private orderIds: string[] = [];
  private orderSeqs: number[] = [];
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
   * to keep the order). Returns the new entry and the ids forgotten to stay within `maxIds`.
   */
  remember(id: string, atMs: number): { entry: RememberedAt; forgotten: string[] } {
    this.latestMs = Math.max(this.latestMs, atMs);
    const entry = { atMs: this.latestMs, seq: this.nextSeq++ };
    this.ids.set(id, entry);
    this.append(id, entry.seq);
    const forgotten: string[] = [];
    while (this.ids.size > this.o.maxIds) forgotten.push(this.forgetHead(this.oldest()!));
    return { entry, forgotten };
  }

  /** Forgets the ids remembered `retentionMs` or longer before `nowMs`; returns them. */
  expire(nowMs: number): string[] {
    const forgotten: string[] = [];
    for (let oldest = this.oldest(); oldest !== undefined && nowMs - this.ids.get(oldest)!.atMs >= this.o.retentionMs; oldest = this.oldest()) {
      forgotten.push(this.forgetHead(oldest));
    }
    return forgotten;
  }

  /** Rebuilds from stored entries (in any order): afterwards it forgets exactly as before. */
  restore(entries: Iterable<[string, RememberedAt]>): void {
    const sorted = [...entries].sort(([, a], [, b]) => a.seq - b.seq);
    for (const [id, e] of sorted) {
      this.ids.set(id, e);
      this.append(id, e.seq);
      this.latestMs = Math.max(this.latestMs, e.atMs);
      this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
    }
  }

  private append(id: string, seq: number): void {
    this.orderIds.push(id);
    this.orderSeqs.push(seq);
  }

  /** The oldest id remembered, dropping the stale places before it; undefined when none is. */
  private oldest(): string | undefined {
    while (this.head < this.orderIds.length) {
      const id = this.orderIds[this.head]!;
      if (this.ids.get(id)?.seq === this.orderSeqs[this.head]) return id;
      this.head++;
    }
    return undefined;
  }

  /** Forgets `id`, the oldest (as `oldest` just found it, at `head`). */
  private forgetHead(id: string): string {
    this.ids.delete(id);
    this.head++;
    // The consumed front is cut off once it is most of the arrays: amortised O(1) per id.
    if (this.head >= 1024 && this.head * 2 >= this.orderIds.length) {
      this.orderIds = this.orderIds.slice(this.head);
      this.orderSeqs = this.orderSeqs.slice(this.head);
      this.head = 0;
    }
    return id;
  }
}
