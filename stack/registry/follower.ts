import { decodeRecord, UnreadableFormat } from './records';
import { RegistryState, type Outcome } from './state';

/**
 * Applies the topic's records to the state in offset order and hands each writer the outcome of
 * its own record (read-your-writes): a writer asks for its proposal id before producing, and is
 * answered when this instance has consumed the record, whatever other instances wrote before it.
 */
export class LogFollower {
  readonly state = new RegistryState();
  private readonly waiting = new Map<string, (outcome: Outcome) => void>();
  private nextOffset = 0;

  constructor(private readonly warn: (line: string) => void = () => undefined) {}

  /** The offset after the last record applied: the log has been read up to here. */
  get position(): number {
    return this.nextOffset;
  }

  /** Applies the record at `offset`; throws UnreadableFormat for a record it must not skip. */
  apply(offset: number, value: Buffer | null): void {
    // A rebalance or retry can deliver a record again; applying it twice would break determinism.
    if (offset < this.nextOffset) return;
    const decoded = value === null ? null : decodeRecord(value);
    // Not applied, so the position stays before it.
    if (decoded instanceof UnreadableFormat) throw new UnreadableFormat(`offset ${offset}: ${decoded.message}`);
    this.nextOffset = offset + 1;
    if (decoded === null) return;
    if (decoded instanceof Error) {
      // Every instance skips it alike, so they still agree; no id was ever given to it.
      this.warn(`skipping record at offset ${offset}: ${decoded.message}`);
      return;
    }
    const outcome = this.state.apply(decoded.record);
    const resolve = this.waiting.get(decoded.proposal);
    if (resolve) {
      this.waiting.delete(decoded.proposal);
      resolve(outcome);
    }
  }

  /** Resolves with the outcome of the record carrying `proposal` once it is applied. */
  outcomeOf(proposal: string): Promise<Outcome> {
    return new Promise((resolve) => this.waiting.set(proposal, resolve));
  }

  /** Stops waiting for a record that was never written (the produce failed or timed out). */
  forget(proposal: string): void {
    this.waiting.delete(proposal);
  }
}
