import type { ForkedOutputsReader } from './forked-outputs-reader';
import { countedTopics, type CountedTopic } from './outputs-reader';

/** A request whose records on a topic the live reader counted otherwise than the recount. */
export interface ReaderDisagreement {
  topic: CountedTopic;
  requestId: string;
  live: number;
  recounted: number;
  /** Where the records are (`partition@offset`), as recounted. */
  at: string[];
}

/**
 * The live reader checked against the recount (see Harness.recount). The live reader is a kafkajs
 * consumer that lived through every fault, as the processors' consumers did: a record it skipped
 * or read twice is a finding about the consumer the pipeline runs on, printed, not counted as
 * the pipeline's loss.
 */
export interface ReaderCheck {
  /** Partitions the live reader had not read to their ends a minute after the outputs went quiet. */
  liveBehind: string[];
  disagreeing: number;
  /** The first few disagreements. */
  disagreements: ReaderDisagreement[];
}

/** Every request whose count on some topic differs between the two readers. */
export function compareReaders(
  live: Pick<ForkedOutputsReader, 'counts'>,
  recounted: Pick<ForkedOutputsReader, 'counts' | 'places'>,
  liveBehind: string[],
): ReaderCheck {
  const disagreements: ReaderDisagreement[] = [];
  for (const topic of countedTopics) {
    const a = live.counts.get(topic)!;
    const b = recounted.counts.get(topic)!;
    for (const requestId of new Set([...a.keys(), ...b.keys()])) {
      const [l, r] = [a.get(requestId) ?? 0, b.get(requestId) ?? 0];
      if (l !== r) disagreements.push({ topic, requestId, live: l, recounted: r, at: recounted.places.get(topic)!.get(requestId) ?? [] });
    }
  }
  return { liveBehind, disagreeing: disagreements.length, disagreements: disagreements.slice(0, 20) };
}
