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
   * Remembering order, oldest first. The Map is not walked for the oldest: V8's Map keeps
   * deleted entries in place until it rehashes, and a walk from its front steps over every id
   * forgotten since, which at a few hundred thousand ids cost tens of microseconds a record. An
   * id remembered again keeps its earlier place, skipped as stale (its seq is not the id's).
   */
  private readonly order = new RememberingOrder();
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

  /** Places its order holds, stale and dropped ones included: what its memory grows with. */
  get placesHeld(): number {
    return this.order.placesHeld();
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
    this.order.append(id, seq, this.latestMs);
    const forgotten: string[] = [];
    while (this.ids.size > this.o.maxIds && this.skipStale()) forgotten.push(this.forgetHead());
    return { entry: { atMs: this.latestMs, seq }, forgotten };
  }

  /** Forgets the ids remembered `retentionMs` or longer before `nowMs`; returns them. */
  expire(nowMs: number): string[] {
    const forgotten: string[] = [];
    while (this.skipStale() && nowMs - this.oldestAtMs() >= this.o.retentionMs) forgotten.push(this.forgetHead());
    return forgotten;
  }

  /** Rebuilds from stored entries (in any order): afterwards it forgets exactly as before. */
  restore(entries: Iterable<[string, RememberedAt]>): void {
    const sorted = [...entries].sort(([, a], [, b]) => a.seq - b.seq);
    for (const [id, e] of sorted) {
      this.ids.set(id, e.seq);
      this.order.append(id, e.seq, e.atMs);
      this.latestMs = Math.max(this.latestMs, e.atMs);
      this.nextSeq = Math.max(this.nextSeq, e.seq + 1);
    }
  }

  /** Moves past stale places to the oldest id remembered; false when none is. */
  private skipStale(): boolean {
    for (let place = this.order.oldest(); place !== undefined; place = this.order.oldest()) {
      if (this.ids.get(place.ids[place.at]!) === place.seqs[place.at]) return true;
      this.order.dropOldest();
    }
    return false;
  }

  /** When the oldest id (as `skipStale` just found it) was remembered. */
  private oldestAtMs(): number {
    const place = this.order.oldest()!;
    return place.atMs[place.at]!;
  }

  /** Forgets the oldest id (as `skipStale` just found it); returns it. */
  private forgetHead(): string {
    const place = this.order.oldest()!;
    const id = place.ids[place.at]!;
    this.ids.delete(id);
    this.order.dropOldest();
    return id;
  }
}

const CHUNK_PLACES = 1024;

/**
 * Places in remembering order, a fixed number per chunk. Plain arrays, not typed ones: a typed
 * array this size keeps its numbers outside the V8 heap, freed only when a sweeper gets to it
 * after the chunk is collected, so a task letting chunks go would seem to hold the freed ones.
 */
interface OrderChunk {
  readonly ids: string[];
  readonly seqs: number[];
  readonly atMs: number[];
  /** Places filled. */
  length: number;
  /** The oldest place not yet dropped. */
  at: number;
}

/**
 * A queue of (id, seq, time) places, in chunks, each let go whole once its last place is
 * dropped. Beyond the places not yet dropped it holds at most one chunk, so a task whose ids
 * come and go at a steady rate holds a steady amount, where a single array cut only once half
 * of it is consumed holds up to twice the ids and grows for a retention window between cuts.
 */
class RememberingOrder {
  private readonly chunks: OrderChunk[] = [];

  append(id: string, seq: number, atMs: number): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.length === CHUNK_PLACES) {
      last = { ids: new Array<string>(CHUNK_PLACES), seqs: new Array<number>(CHUNK_PLACES), atMs: new Array<number>(CHUNK_PLACES), length: 0, at: 0 };
      this.chunks.push(last);
    }
    last.ids[last.length] = id;
    last.seqs[last.length] = seq;
    last.atMs[last.length] = atMs;
    last.length++;
  }

  placesHeld(): number {
    return this.chunks.length === 0 ? 0 : (this.chunks.length - 1) * CHUNK_PLACES + this.chunks[this.chunks.length - 1]!.length;
  }

  /** The chunk holding the oldest place, at its `at`; undefined when no place is left. */
  oldest(): OrderChunk | undefined {
    return this.chunks[0];
  }

  dropOldest(): void {
    const first = this.chunks[0]!;
    first.at++;
    if (first.at === first.length) this.chunks.shift();
  }
}
