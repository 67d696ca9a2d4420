import { isCompatibilityLevel, type CompatibilityLevel } from './compatibility';

/**
 * What the registry writes to its topic. Records are requests in log order: every instance
 * applies them with the same state machine (state.ts), so ids, versions and configuration come
 * out the same everywhere without a leader.
 */
export type LogRecord =
  | SchemaRecord
  | { kind: 'DELETE_SUBJECT'; subject: string; permanent: boolean }
  | { kind: 'CONFIG'; subject: string | null; compatibility: CompatibilityLevel | null };

/**
 * A proposed new version of a subject. It carries the version number its writer expects, after
 * checking compatibility against the versions it saw; it is accepted only if no other version of
 * the subject came in between (optimistic concurrency). Replaying the log thus never re-runs
 * compatibility checks, so ids cannot shift when a later release judges compatibility differently.
 */
export interface SchemaRecord {
  kind: 'SCHEMA';
  subject: string;
  schema: string;
  /** 'next' only in records of format 1, whose writers named no version: they take the next one. */
  version: number | 'next';
}

/** A record as read back: `proposal` lets the instance that wrote it find its outcome. */
export interface LoggedRecord {
  proposal: string;
  record: LogRecord;
}

/**
 * Bumped when records change meaning. Format 1 (the first development build) had no version in
 * schema records; local stacks still hold such topics, so they are read, never written.
 */
const formatVersion = 2;
const readableFormats: unknown[] = [1, formatVersion];

/**
 * A record in a format this build does not read. Skipping it would silently shift every later
 * id, so it stops the registry instead.
 */
export class UnreadableFormat extends Error {
  override name = 'UnreadableFormat';
}

/**
 * Key and value bytes for the compacted topic. Schema and delete records carry their unique
 * proposal id in the key, so compaction never drops them (ids are counted in log order and
 * must never shift); config records are keyed by subject so only the latest setting is kept.
 */
export function encodeRecord(proposal: string, record: LogRecord): { key: Buffer; value: Buffer } {
  const key =
    record.kind === 'CONFIG'
      ? { kind: record.kind, subject: record.subject }
      : { kind: record.kind, subject: record.subject, proposal };
  return { key: Buffer.from(JSON.stringify(key)), value: Buffer.from(JSON.stringify({ v: formatVersion, proposal, ...record })) };
}

/** Reads a value back; anything malformed is reported, never half-applied. */
export function decodeRecord(value: Buffer): LoggedRecord | Error {
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return new Error(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) return new Error('not a JSON object');
  const { v, proposal, kind, subject } = raw;
  if (!readableFormats.includes(v)) return new UnreadableFormat(`record format ${JSON.stringify(v)} is not one this registry reads (it reads ${readableFormats.join(', ')})`);
  if (typeof proposal !== 'string') return new Error('no proposal id');
  if (kind === 'SCHEMA' && isSubject(subject) && typeof raw.schema === 'string' && (isPositiveInt(raw.version) || (v === 1 && raw.version === undefined))) {
    return { proposal, record: { kind, subject, schema: raw.schema, version: raw.version ?? 'next' } };
  }
  if (kind === 'DELETE_SUBJECT' && isSubject(subject) && typeof raw.permanent === 'boolean') {
    return { proposal, record: { kind, subject, permanent: raw.permanent } };
  }
  if (kind === 'CONFIG' && (subject === null || isSubject(subject)) && (raw.compatibility === null || isCompatibilityLevel(raw.compatibility))) {
    return { proposal, record: { kind, subject, compatibility: raw.compatibility } };
  }
  return new Error(`malformed ${String(kind)} record`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isPositiveInt(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) > 0;
}

function isSubject(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0;
}
