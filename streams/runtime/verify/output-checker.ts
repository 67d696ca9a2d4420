/**
 * Checks the outputs of the counting topology against what was produced. Pure: fed inputs and
 * outputs in the order read (per key, outputs share a partition, so their order is the order
 * they were committed).
 */
export class OutputChecker {
  private readonly expectedPerKey = new Map<string, number>();
  private readonly keyOfId = new Map<number, string>();
  private readonly seen = new Map<number, number>();
  private readonly countsPerKey = new Map<string, number[]>();
  private outputs = 0;

  produced(id: number, key: string): void {
    this.keyOfId.set(id, key);
    this.expectedPerKey.set(key, (this.expectedPerKey.get(key) ?? 0) + 1);
  }

  output(key: string, id: number, count: number): void {
    this.outputs++;
    this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
    const list = this.countsPerKey.get(key) ?? [];
    list.push(count);
    this.countsPerKey.set(key, list);
  }

  get distinctSeen(): number {
    return this.seen.size;
  }

  get outputCount(): number {
    return this.outputs;
  }

  result(): CheckResult {
    const produced = this.keyOfId.size;
    let lost = 0;
    for (const id of this.keyOfId.keys()) if (!this.seen.has(id)) lost++;
    let duplicated = 0;
    for (const n of this.seen.values()) duplicated += n - 1;
    const unexpected = [...this.seen.keys()].filter((id) => !this.keyOfId.has(id)).length;
    let wrongKeys = 0;
    for (const [key, expected] of this.expectedPerKey) {
      const counts = this.countsPerKey.get(key) ?? [];
      const exact = counts.length === expected && counts.every((c, i) => c === i + 1);
      if (!exact) wrongKeys++;
    }
    for (const key of this.countsPerKey.keys()) if (!this.expectedPerKey.has(key)) wrongKeys++;
    return { produced, lost, duplicated, unexpected, keys: this.expectedPerKey.size, wrongKeys, finalCountsCorrect: wrongKeys === 0 };
  }
}

export interface CheckResult {
  produced: number;
  /** Produced ids with no output. */
  lost: number;
  /** Outputs beyond the first for an id. */
  duplicated: number;
  /** Outputs for ids never produced (would mean reading someone else's data). */
  unexpected: number;
  keys: number;
  /** Keys whose counts are not exactly 1..n for their n inputs. */
  wrongKeys: number;
  finalCountsCorrect: boolean;
}
