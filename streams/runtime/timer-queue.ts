import type { Timer } from './topology';

/**
 * Timers ordered by due time (then by insertion, for a deterministic order). Entries are never
 * removed in place: the owner checks a popped timer against its store, so a cancelled or
 * rescheduled timer is skipped when it surfaces. That keeps cancel O(1) and rollback free.
 */
export class TimerQueue {
  private heap: { timer: Timer; seq: number }[] = [];
  private seq = 0;

  push(timer: Timer): void {
    this.heap.push({ timer, seq: this.seq++ });
    this.up(this.heap.length - 1);
  }

  peek(): Timer | undefined {
    return this.heap[0]?.timer;
  }

  pop(): Timer | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top && last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top?.timer;
  }

  clear(): void {
    this.heap = [];
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    return a.timer.at < b.timer.at || (a.timer.at === b.timer.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = t;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.heap.length && this.less(l, m)) m = l;
      if (r < this.heap.length && this.less(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
