import { avroType } from '../../schemas/avro';
import { eventSchema } from '../../schemas/events';
import type { EventSerde } from '../../schemas/serde';
import type {
  ClusterMetrics, DeadLetterReason, EventName, EventTypes, ExecutionRequest, ExecutionTelemetry, ExitStatus, ParseStatus, PredictedDemand, UserProfile,
} from '../../schemas/types.generated';
import { frame } from '../../schemas/wire-format';
import { sampleEvents } from '../unit/schemas/samples';

/** The PRM topics a case writes to, by catalogue name (the test prefixes them). */
export type CaseTopic = 'prm.requests' | 'prm.telemetry' | 'prm.cluster-metrics' | 'prm.user-profiles' | 'prm.demand-predictions';

/** One record a case writes: raw bytes (null: a tombstone), with what it is about when it decodes. */
export interface CaseRecord {
  topic: CaseTopic;
  key: string | null;
  value: Buffer | null;
  /**
   * 'raw' (default): a plain kafkajs send of the bytes; 'request-producer': the product's
   * request producer (streams/producer.ts), which validates before it sends.
   */
  via?: 'raw' | 'request-producer';
  /** Send only once the previous record's request was dispatched and its run reported. */
  afterPreviousRan?: boolean;
  request?: ExecutionRequest;
}

/** What must happen to a case's records. */
export type Expected =
  /**
   * Every record of the case is dead-lettered, with this reason and a message matching, by each
   * processor that reads its topic (the test takes the readers from the topology).
   */
  | { kind: 'dead-letter'; reason: DeadLetterReason; message: RegExp }
  /** The send itself fails with an error matching: nothing reaches the topic. */
  | { kind: 'rejected-at-producer'; error: RegExp }
  /**
   * The request is predicted once and dispatched once. `analysis` (when set) is the reason the
   * analyser gives for refusing to parse the code, which the prediction was made without, and
   * `parseStatus` what the predictor's CodeFeatures event says of it (default OK).
   */
  | { kind: 'predicted'; analysis?: RegExp; parseStatus?: ParseStatus; coldStart?: boolean }
  /** The same request id sent `times` times (some after the first run finished): dispatched exactly once. */
  | { kind: 'dispatched-once'; times: number }
  /** Telemetry accepted: the user's profile is emitted `profiles` times in all (duplicates emit nothing). */
  | { kind: 'profiled'; profiles: number; deadLetters?: { processors: string[]; reason: DeadLetterReason; message: RegExp; records: number[] } }
  /** A prediction accepted off its topic and handled: the scheduler dispatches it. */
  | { kind: 'dispatched' }
  /** A record inside every limit, however odd: no processor dead-letters it, and the good records after it still flow. */
  | { kind: 'accepted' }
  /** Hostile code: dispatched, run by the real sandbox under its allocation, stopped with one of these statuses and the reason. */
  | { kind: 'sandboxed'; status: ExitStatus[]; reason: RegExp }
  /** A flood from one user: the other users' jobs on its partition are overtaken by at most this many flood jobs. */
  | { kind: 'fair-share'; floodSize: number; maxOvertakes: number };

export interface BadInputCase {
  name: string;
  /** What is sent, for the README table and failure messages. */
  input: string;
  build(ctx: CaseContext): CaseRecord[];
  expected: Expected;
  /** A defect the case shows today, reported rather than asserted green (jest `test.failing`). */
  knownDefect?: string;
}

export interface CaseContext {
  serde: EventSerde;
  /** The prefixed topic name of a catalogue topic. */
  topic(name: CaseTopic): string;
  /** Wall-clock time the corpus is built at (validation measures future skew against the clock). */
  now: number;
  /** The partition a key lands on in the run's topics. */
  partitionOf(key: string): number;
  /** The pool of the good traffic's metrics. */
  goodPool: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const day = 86_400_000;
const okCode = 'let s = 0; for (let i = 0; i < 1000; i++) s += i; console.log(s);';

/** A valid request of a case: its own request id and user unless told otherwise. */
export function caseRequest(ctx: CaseContext, name: string, patch: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return {
    requestId: `bad.${name}`, userId: `user.${name}`, tier: 'STANDARD', priority: 5, language: 'JAVASCRIPT', code: okCode,
    submittedAt: new Date(ctx.now), deadline: null, resourceHints: null, ...patch,
  };
}

export function caseTelemetry(ctx: CaseContext, name: string, patch: Partial<ExecutionTelemetry> = {}): ExecutionTelemetry {
  const endedAt = patch.endedAt ?? new Date(ctx.now);
  return {
    requestId: `bad.${name}`, userId: `user.${name}`, instanceId: 'pool-0', startedAt: new Date(endedAt.getTime() - 50), endedAt,
    cpuMs: 40, peakMemoryBytes: 32 * MiB, ioReadBytes: 0, ioWriteBytes: 0, exitStatus: 'OK', exitCode: 0,
    allocated: { cpuMillicores: 500, memoryBytes: 64 * MiB, timeoutMs: 1000 }, ...patch,
  };
}

function encode<E extends EventName>(ctx: CaseContext, topic: CaseTopic, value: EventTypes[E]): Buffer {
  return ctx.serde.encode<E>(ctx.topic(topic), value);
}

const requestRecord = (ctx: CaseContext, r: ExecutionRequest): CaseRecord =>
  ({ topic: 'prm.requests', key: r.userId, value: encode<'ExecutionRequest'>(ctx, 'prm.requests', r), request: r });
const telemetryRecord = (ctx: CaseContext, t: ExecutionTelemetry): CaseRecord =>
  ({ topic: 'prm.telemetry', key: t.userId, value: encode<'ExecutionTelemetry'>(ctx, 'prm.telemetry', t) });
const metricsRecord = (ctx: CaseContext, m: ClusterMetrics): CaseRecord =>
  ({ topic: 'prm.cluster-metrics', key: m.pool, value: encode<'ClusterMetrics'>(ctx, 'prm.cluster-metrics', m) });

/** A request of a case, encoded: the usual way most cases start. */
function badRequest(ctx: CaseContext, name: string, patch: Partial<ExecutionRequest> = {}): CaseRecord[] {
  return [requestRecord(ctx, caseRequest(ctx, name, patch))];
}

function badTelemetry(ctx: CaseContext, name: string, patch: Partial<ExecutionTelemetry> = {}): CaseRecord[] {
  return [telemetryRecord(ctx, caseTelemetry(ctx, name, patch))];
}

/** Request bytes framed under this process's schema id, for cases that corrupt the body. */
function requestBytes(ctx: CaseContext, name: string): Buffer {
  return encode<'ExecutionRequest'>(ctx, 'prm.requests', caseRequest(ctx, name));
}

/** A request whose whole record value is exactly `bytes` long, padding the code. */
function requestOfSize(ctx: CaseContext, name: string, bytes: number): ExecutionRequest {
  const withCode = (n: number) => caseRequest(ctx, name, { code: `//${'x'.repeat(n)}` });
  const size = (r: ExecutionRequest) => encode<'ExecutionRequest'>(ctx, 'prm.requests', r).length;
  // One correction, then one more for a length prefix that grew a byte.
  let n = bytes - size(withCode(0));
  n += bytes - size(withCode(n));
  return withCode(n + bytes - size(withCode(n)));
}

/** Deterministic bytes that look like nothing (a linear congruential sequence). */
function garbage(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// A writer that put a number where the tier enum goes: decodes to an enum index that does not exist.
const badEnumWriter = avroType({ type: 'record', name: 'ExecutionRequest', namespace: 'io.prm.events', fields: [
  { name: 'requestId', type: 'string' }, { name: 'userId', type: 'string' }, { name: 'tier', type: 'long' }] });

// A PredictedDemand with a long where the components array goes: it reads as an array block
// declaring that many items, followed by too few bytes to hold them.
const predictedDemand = eventSchema('PredictedDemand');
const componentsCountWriter = avroType({
  ...predictedDemand,
  fields: (predictedDemand.fields ?? []).map((f) => (f.name === 'components' ? { name: 'components', type: 'long' } : f)),
});

/**
 * The bad-input corpus (issue 9 item 4): each case, what it sends where and what must become of
 * it. test/bad-input/README.md lists the same cases as a table.
 */
export const corpus: BadInputCase[] = [
  // ── framing and schema ─────────────────────────────────────────────────────────────────────
  { name: 'json-text', input: 'a request as JSON text, not Avro',
    build: () => [{ topic: 'prm.requests', key: 'user.json-text', value: Buffer.from(JSON.stringify({ requestId: 'x', userId: 'y' })) }],
    expected: { kind: 'dead-letter', reason: 'NO_MAGIC_BYTE', message: /first byte is 0x7b/ } },
  { name: 'empty-value', input: 'a zero-byte value',
    build: () => [{ topic: 'prm.requests', key: 'user.empty-value', value: Buffer.alloc(0) }],
    expected: { kind: 'dead-letter', reason: 'TRUNCATED', message: /empty \(0 bytes\)/ } },
  { name: 'tombstone', input: 'a null value (tombstone) on the requests topic',
    build: () => [{ topic: 'prm.requests', key: 'user.tombstone', value: null }],
    expected: { kind: 'dead-letter', reason: 'NULL_VALUE', message: /no value/ } },
  { name: 'cut-header', input: 'three bytes: a wire-format header cut short',
    build: () => [{ topic: 'prm.requests', key: 'user.cut-header', value: Buffer.from([0, 0, 1]) }],
    expected: { kind: 'dead-letter', reason: 'TRUNCATED', message: /shorter than the 5-byte/ } },
  { name: 'unknown-schema-id', input: 'a valid request body framed with schema id 2,000,000,000',
    build: (ctx) => [{ topic: 'prm.requests', key: 'user.unknown-schema-id', value: frame(2_000_000_000, requestBytes(ctx, 'unknown-schema-id').subarray(5)) }],
    expected: { kind: 'dead-letter', reason: 'UNKNOWN_SCHEMA_ID', message: /schema id 2000000000 is not in the registry/ } },
  { name: 'wrong-schema-on-requests', input: 'a ClusterMetrics event (its own registered schema) on the requests topic',
    build: (ctx) => [{ topic: 'prm.requests', key: 'user.wrong-schema', value: ctx.serde.encode(ctx.topic('prm.cluster-metrics'), sampleEvents(new Date(ctx.now)).ClusterMetrics) }],
    expected: { kind: 'dead-letter', reason: 'WRONG_SCHEMA', message: /is io\.prm\.events\.ClusterMetrics, but .* carries io\.prm\.events\.ExecutionRequest/ } },
  { name: 'wrong-schema-on-metrics', input: 'an ExecutionRequest on the cluster-metrics topic',
    build: (ctx) => [{ topic: 'prm.cluster-metrics', key: 'default', value: requestBytes(ctx, 'wrong-schema-on-metrics') }],
    expected: { kind: 'dead-letter', reason: 'WRONG_SCHEMA', message: /carries io\.prm\.events\.ClusterMetrics/ } },
  { name: 'truncated-body', input: 'a request with its last 20 bytes cut off',
    build: (ctx) => { const b = requestBytes(ctx, 'truncated-body'); return [{ topic: 'prm.requests', key: 'user.truncated-body', value: b.subarray(0, b.length - 20) }]; },
    expected: { kind: 'dead-letter', reason: 'TRUNCATED', message: /ends early/ } },
  { name: 'trailing-bytes', input: 'a valid request followed by three stray bytes',
    build: (ctx) => [{ topic: 'prm.requests', key: 'user.trailing-bytes', value: Buffer.concat([requestBytes(ctx, 'trailing-bytes'), Buffer.from([1, 2, 3])]) }],
    expected: { kind: 'dead-letter', reason: 'MALFORMED', message: /trailing data/ } },
  { name: 'enum-out-of-range', input: 'a body whose tier enum index is 99',
    build: (ctx) => [{ topic: 'prm.requests', key: 'user.enum', value: frame(ctx.serde.schemaId(ctx.topic('prm.requests')), badEnumWriter.toBuffer({ requestId: 'r', userId: 'u', tier: 99 })) }],
    expected: { kind: 'dead-letter', reason: 'MALFORMED', message: /enum index: 99/ } },
  { name: 'binary-garbage-record', input: '4 KiB of pseudo-random bytes after a valid header',
    build: (ctx) => [{ topic: 'prm.requests', key: 'user.garbage', value: frame(ctx.serde.schemaId(ctx.topic('prm.requests')), garbage(4 * KiB, 7)) }],
    expected: { kind: 'dead-letter', reason: 'TRUNCATED', message: /ends early/ } },
  { name: 'array-count-bomb', input: 'a prediction whose components array declares 2^31 items in a record of a few hundred bytes',
    build: (ctx) => {
      const p = { ...sampleEvents(new Date(ctx.now)).PredictedDemand, requestId: 'bad.array-count-bomb', userId: 'user.array-count-bomb', components: 2 ** 31 };
      return [{ topic: 'prm.demand-predictions', key: p.userId, value: frame(ctx.serde.schemaId(ctx.topic('prm.demand-predictions')), componentsCountWriter.toBuffer(p)) }];
    },
    expected: { kind: 'dead-letter', reason: 'TRUNCATED', message: /ends early: an array or map declares 2147483648 items/ } },

  // ── request values ─────────────────────────────────────────────────────────────────────────
  { name: 'empty-user-id', input: 'userId ""',
    build: (ctx) => badRequest(ctx, 'empty-user-id', { userId: '' }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^userId is empty$/ } },
  { name: 'blank-user-id', input: 'userId of three spaces',
    build: (ctx) => badRequest(ctx, 'blank-user-id', { userId: '   ' }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^userId is empty$/ } },
  { name: 'overlong-user-id', input: 'userId of 300 characters',
    build: (ctx) => badRequest(ctx, 'overlong-user-id', { userId: 'u'.repeat(300) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^userId is 300 characters, over 256$/ } },
  { name: 'priority-out-of-range', input: 'priority 99 (0-9 allowed)',
    build: (ctx) => badRequest(ctx, 'priority-out-of-range', { priority: 99 }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^priority is 99, above 9$/ } },
  { name: 'nan-resource-hint', input: 'resourceHints.cpuMs NaN',
    build: (ctx) => badRequest(ctx, 'nan-resource-hint', { resourceHints: { cpuMs: Number.NaN, memoryBytes: null, timeoutMs: null } }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^resourceHints\.cpuMs is NaN$/ } },
  { name: 'submitted-at-epoch-zero', input: 'submittedAt 1970-01-01 (a seconds-for-millis bug)',
    build: (ctx) => badRequest(ctx, 'submitted-at-epoch-zero', { submittedAt: new Date(0) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^submittedAt 1970-01-01T00:00:00\.000Z is before 2000-01-01/ } },
  { name: 'submitted-in-a-year', input: 'submittedAt one year ahead',
    build: (ctx) => badRequest(ctx, 'submitted-in-a-year', { submittedAt: new Date(ctx.now + 365 * day) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^submittedAt .* s in the future \(limit 600 s\)$/ } },
  { name: 'deadline-before-submission', input: 'deadline an hour before submittedAt',
    build: (ctx) => badRequest(ctx, 'deadline-before-submission', { deadline: new Date(ctx.now - 3_600_000) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^deadline is before submittedAt$/ } },
  { name: 'code-over-validation-limit', input: '300 KiB of code (limit 256 KiB)',
    build: (ctx) => badRequest(ctx, 'code-over-validation-limit', { code: `//${'x'.repeat(300 * KiB - 2)}` }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^code is 307200 bytes, over the 262144-byte limit$/ } },
  { name: 'largest-record-the-broker-takes', input: 'a request of 1,048,400 bytes (about 1 MiB of code): just under the broker\'s message.max.bytes',
    build: (ctx) => [requestRecord(ctx, requestOfSize(ctx, 'largest-record-the-broker-takes', 1_048_400))],
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^code is 10483\d\d bytes, over the 262144-byte limit \[value cut to its first 524288 of 1048400 bytes\]$/ } },
  { name: 'code-1-mib-raw', input: 'a request with 1 MiB of code, sent raw: the record exceeds the broker\'s 1 MiB message limit',
    build: (ctx) => badRequest(ctx, 'code-1-mib-raw', { code: `//${'x'.repeat(MiB - 2)}` }),
    expected: { kind: 'rejected-at-producer', error: /larger than the max message size/ } },
  { name: 'code-10-mib-producer', input: 'a request with 10 MiB of code through the product\'s request producer',
    build: (ctx) => [{ ...badRequest(ctx, 'code-10-mib-producer', { code: `//${'x'.repeat(10 * MiB - 2)}` })[0]!, via: 'request-producer' }],
    expected: { kind: 'rejected-at-producer', error: /^code is 10485760 bytes, over the 262144-byte limit$/ } },
  { name: 'code-10-mib-raw', input: 'a request with 10 MiB of code sent raw, past any validation',
    build: (ctx) => badRequest(ctx, 'code-10-mib-raw', { code: `//${'x'.repeat(10 * MiB - 2)}` }),
    expected: { kind: 'rejected-at-producer', error: /larger than the max message size/ } },

  // ── code the analyser must survive (handled: predicted without a parse) ─────────────────────
  { name: 'deep-brackets', input: '20,000 nested [ ] (parser recursion)',
    build: (ctx) => badRequest(ctx, 'deep-brackets', { code: `x = ${'['.repeat(20_000)}${']'.repeat(20_000)};` }),
    expected: { kind: 'predicted', analysis: /^brackets nest deeper than 200$/, parseStatus: 'TOO_LARGE' } },
  { name: 'deep-unary-chain', input: '100,000 chained ! operators (no brackets: passes the bracket pre-scan)',
    build: (ctx) => badRequest(ctx, 'deep-unary-chain', { code: `x = ${'!'.repeat(100_000)}y;` }),
    expected: { kind: 'predicted', analysis: /^expression nests too deeply to parse$/, parseStatus: 'SYNTAX_ERROR' } },
  { name: 'deep-assignment-chain', input: 'a=a=a=... 60,000 times (right-recursive, no brackets)',
    build: (ctx) => badRequest(ctx, 'deep-assignment-chain', { code: `${'a='.repeat(60_000)}1;` }),
    expected: { kind: 'predicted', analysis: /^expression nests too deeply to parse$/, parseStatus: 'SYNTAX_ERROR' } },
  { name: 'syntax-error', input: 'code that does not parse',
    build: (ctx) => badRequest(ctx, 'syntax-error', { code: 'function ( { return ]' }),
    expected: { kind: 'predicted', analysis: /^parse error: /, parseStatus: 'SYNTAX_ERROR' } },
  { name: 'binary-garbage-code', input: '64 KiB of pseudo-random bytes as the code string (latin1)',
    build: (ctx) => badRequest(ctx, 'binary-garbage-code', { code: garbage(64 * KiB, 11).toString('latin1') }),
    expected: { kind: 'predicted', analysis: /^parse error: /, parseStatus: 'SYNTAX_ERROR' } },
  { name: 'nul-and-lone-surrogates', input: 'code with NUL characters and unpaired UTF-16 surrogates',
    build: (ctx) => badRequest(ctx, 'nul-and-lone-surrogates', { code: 'let a = "\u0000\ud800"; \u0000 \udfff' }),
    expected: { kind: 'predicted', analysis: /^parse error: /, parseStatus: 'SYNTAX_ERROR' } },
  { name: 'slow-to-analyse-burst', input: 'six different 255 KiB programs of one-line calls from one user at once (about 2 s of analysis each here)',
    build: (ctx) => Array.from({ length: 6 }, (_, i) => requestRecord(ctx, caseRequest(ctx, 'slow-to-analyse-burst', {
      requestId: `bad.slow-to-analyse-burst.${i}`, code: `f(${i});\n`.repeat((255 * KiB) / 6),
    }))),
    expected: { kind: 'predicted' } },
  { name: 'code-at-analyser-limit', input: '255 KiB of valid statements (just under both size limits)',
    build: (ctx) => badRequest(ctx, 'code-at-analyser-limit', { code: 'a += 1;\n'.repeat((255 * KiB) / 8) }),
    expected: { kind: 'predicted' } },
  { name: 'same-named-functions', input: '8,000 functions all named f and 32,000 calls of f (248 KB): one call edge per pair was 2.3 GB and minutes',
    build: (ctx) => badRequest(ctx, 'same-named-functions', { code: 'function f(){}\n'.repeat(8000) + 'f();'.repeat(32000) }),
    expected: { kind: 'predicted' } },
  { name: 'redeclared-loop-counters', input: "'let q = y; while(q<1);' 11,000 times (242 KB): each loop rescanned every declaration of q",
    build: (ctx) => badRequest(ctx, 'redeclared-loop-counters', { code: 'let q = y; while(q<1);'.repeat(11000) }),
    expected: { kind: 'predicted' } },
  { name: 'nested-loops-overflow', input: '26 nested loops of 1e12 trips each: their product overflows a double',
    build: (ctx) => badRequest(ctx, 'nested-loops-overflow', { code: `${'for (let i = 0; i < 1e12; i++) '.repeat(26)}f();` }),
    expected: { kind: 'predicted' } },

  // ── time, order and identity ───────────────────────────────────────────────────────────────
  { name: 'request-two-days-old', input: 'submittedAt two days ago, after newer requests (out of order)',
    build: (ctx) => badRequest(ctx, 'request-two-days-old', { submittedAt: new Date(ctx.now - 2 * day) }),
    expected: { kind: 'predicted' } },
  { name: 'duplicate-request', input: 'the same request id sent three times',
    build: (ctx) => { const r = caseRequest(ctx, 'duplicate-request'); return [requestRecord(ctx, r), requestRecord(ctx, r), requestRecord(ctx, r)]; },
    expected: { kind: 'dispatched-once', times: 3 } },
  { name: 'duplicate-after-completion', input: 'a request sent again after its first run finished (a producer retry from an old buffer)',
    build: (ctx) => { const r = caseRequest(ctx, 'duplicate-after-completion'); return [requestRecord(ctx, r), { ...requestRecord(ctx, r), afterPreviousRan: true }]; },
    expected: { kind: 'dispatched-once', times: 2 } },
  { name: 'unknown-user', input: 'a request from a user never seen (no profile)',
    build: (ctx) => badRequest(ctx, 'unknown-user', { userId: `never-seen-${ctx.now}` }),
    expected: { kind: 'predicted', coldStart: true } },
  { name: 'typescript-code', input: 'a TYPESCRIPT request (analysed as TypeScript, compiled before it runs)',
    build: (ctx) => badRequest(ctx, 'typescript-code', { language: 'TYPESCRIPT', code: 'const n: number = 3; console.log(n);' }),
    expected: { kind: 'predicted' } },

  // ── telemetry ──────────────────────────────────────────────────────────────────────────────
  { name: 'telemetry-nan-cpu', input: 'cpuMs NaN',
    build: (ctx) => badTelemetry(ctx, 'telemetry-nan-cpu', { cpuMs: Number.NaN }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuMs is NaN$/ } },
  { name: 'telemetry-negative-memory', input: 'peakMemoryBytes -4096',
    build: (ctx) => badTelemetry(ctx, 'telemetry-negative-memory', { peakMemoryBytes: -4096 }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^peakMemoryBytes is -4096, below 0$/ } },
  { name: 'telemetry-infinite-cpu', input: 'cpuMs +Infinity',
    build: (ctx) => badTelemetry(ctx, 'telemetry-infinite-cpu', { cpuMs: Number.POSITIVE_INFINITY }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuMs is infinite$/ } },
  { name: 'telemetry-huge-cpu', input: 'cpuMs 1e300 (finite, absurd: its square overflows the profile variance)',
    build: (ctx) => badTelemetry(ctx, 'telemetry-huge-cpu', { cpuMs: 1e300 }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuMs is 1e\+300, above 1000000000000$/ } },
  { name: 'telemetry-ends-before-start', input: 'endedAt one second before startedAt',
    build: (ctx) => badTelemetry(ctx, 'telemetry-ends-before-start', { startedAt: new Date(ctx.now), endedAt: new Date(ctx.now - 1000) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^endedAt is before startedAt$/ } },
  { name: 'telemetry-in-1999', input: 'startedAt and endedAt in 1999',
    build: (ctx) => badTelemetry(ctx, 'telemetry-in-1999', { endedAt: new Date(Date.UTC(1999, 5, 1)) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^endedAt 1999-06-01T00:00:00\.000Z is before 2000-01-01/ } },
  { name: 'telemetry-next-week', input: 'endedAt a week ahead',
    build: (ctx) => badTelemetry(ctx, 'telemetry-next-week', { endedAt: new Date(ctx.now + 7 * day) }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^endedAt .* s in the future/ } },
  { name: 'telemetry-attempt-zero', input: 'attempt 0 (runs count from 1)',
    build: (ctx) => badTelemetry(ctx, 'telemetry-attempt-zero', { attempt: 0 }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^attempt is 0, below 1$/ } },
  { name: 'telemetry-empty-user', input: 'userId ""',
    build: (ctx) => badTelemetry(ctx, 'telemetry-empty-user', { userId: '' }),
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^userId is empty$/ } },
  { name: 'telemetry-duplicate', input: 'one execution\'s telemetry sent twice',
    build: (ctx) => { const t = caseTelemetry(ctx, 'telemetry-duplicate'); return [telemetryRecord(ctx, t), telemetryRecord(ctx, t)]; },
    expected: { kind: 'profiled', profiles: 1 } },
  { name: 'telemetry-out-of-order', input: 'an execution ten minutes older arriving after a newer one (within the profile\'s lateness)',
    build: (ctx) => [
      telemetryRecord(ctx, caseTelemetry(ctx, 'telemetry-out-of-order', { requestId: 'bad.telemetry-out-of-order.new' })),
      telemetryRecord(ctx, caseTelemetry(ctx, 'telemetry-out-of-order', { requestId: 'bad.telemetry-out-of-order.old', endedAt: new Date(ctx.now - 600_000) })),
    ],
    expected: { kind: 'profiled', profiles: 2 } },
  { name: 'telemetry-too-late', input: 'an execution two days older than the user\'s last one (past the profile\'s 1 h lateness)',
    build: (ctx) => [
      telemetryRecord(ctx, caseTelemetry(ctx, 'telemetry-too-late', { requestId: 'bad.telemetry-too-late.new' })),
      telemetryRecord(ctx, caseTelemetry(ctx, 'telemetry-too-late', { requestId: 'bad.telemetry-too-late.old', endedAt: new Date(ctx.now - 2 * day) })),
    ],
    expected: { kind: 'profiled', profiles: 1, deadLetters: { processors: ['profiler'], reason: 'PROCESSING_FAILED', message: /older than the last one \(limit 3600s\)/, records: [1] } } },
  { name: 'telemetry-unknown-request', input: 'telemetry of a request never dispatched, from an unknown user',
    build: (ctx) => badTelemetry(ctx, 'telemetry-unknown-request', { requestId: `never-dispatched-${ctx.now}` }),
    expected: { kind: 'profiled', profiles: 1 } },

  // ── the other topics ───────────────────────────────────────────────────────────────────────
  { name: 'metrics-utilization-over-one', input: 'cpuUtilization 1.5',
    build: (ctx) => [metricsRecord(ctx, { ...sampleEvents(new Date(ctx.now)).ClusterMetrics, pool: 'pool', cpuUtilization: 1.5 })],
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuUtilization is 1\.5, above 1$/ } },
  { name: 'metrics-nan-memory', input: 'memoryUtilization NaN',
    build: (ctx) => [metricsRecord(ctx, { ...sampleEvents(new Date(ctx.now)).ClusterMetrics, pool: 'pool', memoryUtilization: Number.NaN })],
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^memoryUtilization is NaN$/ } },
  { name: 'metrics-nine-minutes-ahead', input: 'a pool sample stamped 9 minutes ahead (a skewed clock, inside the 10-minute future tolerance), then one on time',
    build: (ctx) => {
      // A pool of its own on the other partition, so the good pool's samples are not caught up in it.
      const skewed = ['skewed-a', 'skewed-b', 'skewed-c', 'skewed-d'].find((p) => ctx.partitionOf(p) !== ctx.partitionOf(ctx.goodPool))!;
      const sample = { ...sampleEvents(new Date(ctx.now)).ClusterMetrics, pool: skewed };
      return [metricsRecord(ctx, { ...sample, at: new Date(ctx.now + 9 * 60_000) }), metricsRecord(ctx, { ...sample, at: new Date(ctx.now) })];
    },
    expected: { kind: 'accepted' } },
  { name: 'forged-profile-nan', input: 'a UserProfile with a NaN EWMA written to the profile table',
    build: (ctx) => {
      const p: UserProfile = { ...sampleEvents(new Date(ctx.now)).UserProfile, userId: 'user.forged-profile-nan' };
      return [{ topic: 'prm.user-profiles', key: p.userId, value: encode<'UserProfile'>(ctx, 'prm.user-profiles', { ...p, cpuMs: { ...p.cpuMs, ewma: Number.NaN } }) }];
    },
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuMs\.ewma is NaN$/ } },
  { name: 'forged-prediction-unordered', input: 'a PredictedDemand whose p50 is above its p99',
    build: (ctx) => {
      const p: PredictedDemand = { ...sampleEvents(new Date(ctx.now)).PredictedDemand, requestId: 'bad.forged-prediction-unordered', userId: 'user.forged-prediction' };
      return [{ topic: 'prm.demand-predictions', key: p.userId, value: encode<'PredictedDemand'>(ctx, 'prm.demand-predictions', { ...p, cpuMs: { p50: 10, p90: 5, p99: 1 } }) }];
    },
    expected: { kind: 'dead-letter', reason: 'INVALID_VALUE', message: /^cpuMs quantiles are not ordered/ } },
  { name: 'forged-prediction-huge', input: 'a PredictedDemand of 1e300 ms CPU and 1e300 bytes of memory (finite, absurd)',
    build: (ctx) => {
      const huge = { p50: 1e300, p90: 1e300, p99: 1e300 };
      const p: PredictedDemand = { ...sampleEvents(new Date(ctx.now)).PredictedDemand, requestId: 'bad.forged-prediction-huge', userId: 'user.forged-prediction-huge',
        predictedAt: new Date(ctx.now), submittedAt: new Date(ctx.now), deadline: null, tier: 'STANDARD', priority: 5, cpuMs: huge, peakMemoryBytes: huge, durationMs: huge, components: [] };
      return [{ topic: 'prm.demand-predictions', key: p.userId, value: encode<'PredictedDemand'>(ctx, 'prm.demand-predictions', p) }];
    },
    expected: { kind: 'dispatched' } },

  // ── hostile code for the executor ──────────────────────────────────────────────────────────
  { name: 'hostile-infinite-loop', input: 'for (;;) {}',
    build: (ctx) => badRequest(ctx, 'hostile-infinite-loop', { code: 'for (;;) {}' }),
    expected: { kind: 'sandboxed', status: ['TIMEOUT'], reason: /time limit/ } },
  { name: 'hostile-memory-bomb', input: 'allocates 8 MiB arrays forever',
    build: (ctx) => badRequest(ctx, 'hostile-memory-bomb', { code: 'const keep = []; for (;;) keep.push(new Float64Array(1 << 20).fill(1));' }),
    // The analyser sees the allocation in a loop and the reservation is the instance's memory, so
    // on a loaded machine the wall clock may end it first: either way a limit, never the host.
    expected: { kind: 'sandboxed', status: ['OOM', 'TIMEOUT'], reason: /memory limit|time limit/ } },
  { name: 'hostile-read-passwd', input: 'reads /etc/passwd',
    build: (ctx) => badRequest(ctx, 'hostile-read-passwd', { code: 'console.log(require("fs").readFileSync("/etc/passwd", "utf8"));' }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /restricted|denied/ } },
  { name: 'hostile-spawn', input: 'runs a shell command',
    build: (ctx) => badRequest(ctx, 'hostile-spawn', { code: 'console.log(require("child_process").execSync("id").toString());' }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /restricted|denied/ } },
  { name: 'hostile-env', input: 'reads process.env',
    build: (ctx) => badRequest(ctx, 'hostile-env', { code: 'console.log(JSON.stringify(process.env));' }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /process\.env is denied/ } },
  { name: 'hostile-kill-parent', input: 'signals its parent process',
    build: (ctx) => badRequest(ctx, 'hostile-kill-parent', { code: 'process.kill(process.ppid, "SIGKILL");' }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /EPERM/ } },
  { name: 'hostile-typescript', input: 'TypeScript that imports fs and reads /etc/passwd (compiled, then sandboxed alike)',
    build: (ctx) => badRequest(ctx, 'hostile-typescript', {
      language: 'TYPESCRIPT', code: 'import { readFileSync } from "fs";\nconst text: string = readFileSync("/etc/passwd", "utf8");\nconsole.log(text);',
    }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /restricted|denied/ } },
  { name: 'typescript-does-not-compile', input: 'TypeScript with a syntax error',
    build: (ctx) => badRequest(ctx, 'typescript-does-not-compile', { language: 'TYPESCRIPT', code: 'function broken(: number {' }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /^does not compile: program\.ts\(1,17\): TS1138: Parameter declaration expected\./ } },
  { name: 'typescript-nested-past-the-compiler', input: 'TypeScript nested 100,000 parentheses deep (past the compiler\'s stack)',
    build: (ctx) => badRequest(ctx, 'typescript-nested-past-the-compiler', { language: 'TYPESCRIPT', code: `const n: number = ${'('.repeat(100_000)}1${')'.repeat(100_000)};` }),
    expected: { kind: 'sandboxed', status: ['ERROR'], reason: /^does not compile: the TypeScript compiler gave up: Maximum call stack size exceeded/ } },

  // ── load ───────────────────────────────────────────────────────────────────────────────────
  { name: 'flood-one-user', input: '60 requests from one user at once, then requests of other users on the same partition',
    build: (ctx) => Array.from({ length: 60 }, (_, i) => requestRecord(ctx, caseRequest(ctx, 'flood-one-user', { requestId: `bad.flood-one-user.${i}`, submittedAt: new Date(ctx.now + i) }))),
    expected: { kind: 'fair-share', floodSize: 60, maxOvertakes: 6 } },
];
