/**
 * What a task commits beside its input offsets: each processor's stream time, as Kafka Streams
 * keeps a task's partition time in the offset commit's metadata. Written in the same transaction
 * as the offsets, it costs no changelog partition; a stream-time changelog entry would add one
 * to every transaction (a marker and an append for the broker, an AddPartitionsToTxn entry).
 */
export type StreamTimes = Record<string, number>;

const VERSION = 1;

export function encodeOffsetMetadata(times: StreamTimes): string {
  return JSON.stringify({ v: VERSION, streamTime: times });
}

/**
 * The stream times in one committed offset's metadata. Anything else there (another client's
 * metadata, none, a later version) gives none: stream time then starts from the changelog's or
 * from the records, which only makes the first late-record checks more lenient.
 */
export function decodeOffsetMetadata(metadata: string | null | undefined): StreamTimes {
  if (!metadata) return {};
  try {
    const parsed = JSON.parse(metadata) as { v?: unknown; streamTime?: unknown };
    if (parsed.v !== VERSION || typeof parsed.streamTime !== 'object' || parsed.streamTime === null) return {};
    const out: StreamTimes = {};
    for (const [name, t] of Object.entries(parsed.streamTime)) if (typeof t === 'number' && Number.isFinite(t)) out[name] = t;
    return out;
  } catch {
    return {};
  }
}

/**
 * The latest stream time per processor over the metadata of a task's input offsets: a
 * transaction commits the offset of the topic its chunk came from, and stream time only grows,
 * so the greatest is the last committed.
 */
export function latestStreamTimes(all: readonly StreamTimes[]): StreamTimes {
  const out: StreamTimes = {};
  for (const times of all) for (const [name, t] of Object.entries(times)) out[name] = Math.max(out[name] ?? -Infinity, t);
  return out;
}
