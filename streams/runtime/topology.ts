import { TopologyError } from './errors';
import type { Serde } from './serde';
import { InMemoryKeyValueStore, type KeyValueStore } from './store';

/** A Kafka topic a processor reads or writes, with the serde for its values. */
export interface TopicDef<V> {
  readonly name: string;
  readonly serde: Serde<V>;
}

export function topic<V>(name: string, serde: Serde<V>): TopicDef<V> {
  return { name, serde };
}

/** A keyed state store a processor owns; its changelog topic is named after it. */
export interface StoreDef<V> {
  readonly serde: Serde<V>;
  /** Which entries the store counts (KeyValueStore.counted), for a gauge to read without walking it. */
  counts?(value: V): boolean;
}

export function keyValueStore<V>(serde: Serde<V>, options: Pick<StoreDef<V>, 'counts'> = {}): StoreDef<V> {
  return { serde, ...options };
}

export type TopicMap = Record<string, TopicDef<unknown>>;
export type StoreMap = Record<string, StoreDef<unknown>>;
type ValueOf<T> = T extends TopicDef<infer V> ? V : T extends StoreDef<infer V> ? V : never;

/** A decoded input record, immutable. `input` is the alias the processor declared the topic under. */
export interface InputRecord<N extends string, V> {
  readonly input: N;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: V;
  /** Event time in ms: the record timestamp, or what the processor's extractor read from it. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** One record of any declared input, discriminated on `input`. */
export type InputRecordOf<I extends TopicMap> = { [N in keyof I & string]: InputRecord<N, ValueOf<I[N]>> }[keyof I & string];

export interface OutputRecord<V> {
  key: string | null;
  /** `null` writes a tombstone (for compacted table topics). */
  value: V | null;
  /** Event time of the output; defaults to the event time being handled. */
  timestamp?: number;
  headers?: Record<string, string>;
  /**
   * Partition to write to, instead of the producer's hash of the key: for a broadcast, one copy
   * per partition of a topic co-partitioned with another processor's inputs.
   */
  partition?: number;
}

/** An event-time timer: fires once the watermark reaches `at`. One per (name, key): scheduling again moves it. */
export interface Timer {
  name: string;
  key: string;
  at: number;
}

/**
 * What a processor may do while handling a record or a timer. The runtime performs the IO.
 * A task (a processor on one partition) has one context, the same object for each of its records
 * and timers; the runtime reopening the task (after an aborted transaction, or the partition
 * back from another instance) makes a new task and a new context. So memory a processor derives
 * from a task's stores (a cache, an index) is kept per task by keying it with the context (a
 * WeakMap): a reopened task, whose restored stores may be behind that memory, starts afresh.
 */
export interface ProcessorContext<S extends StoreMap, O extends TopicMap> {
  readonly processor: string;
  readonly partition: number;
  /** Event time being handled: the record's timestamp, or the timer's `at`. */
  readonly eventTime: number;
  /** Largest record timestamp this task has seen (-Infinity before the first). */
  readonly streamTime: number;
  /** Stream time minus allowed lateness: records older than this are late. */
  readonly watermark: number;
  store<N extends keyof S & string>(name: N): KeyValueStore<ValueOf<S[N]>>;
  forward<N extends keyof O & string>(output: N, record: OutputRecord<ValueOf<O[N]>>): void;
  schedule(timer: Timer): void;
  cancel(name: string, key: string): void;
}

export interface EventTimeOptions<I extends TopicMap, O extends TopicMap> {
  /** How far behind stream time a record may be and still be processed. */
  allowedLatenessMs: number;
  /** Where late records go. Default: the dead-letter topic, with the reason. */
  lateRecords?: 'dead-letter' | { sideOutput: keyof O & string };
  /** Event time of a record; default is the Kafka record timestamp. */
  timestamp?(record: InputRecordOf<I>): number;
}

/**
 * A processor: what it reads, writes and keeps, declared up front, and the logic as functions
 * of (context, record). Everything the logic touches goes through the context, so the same
 * definition runs on Kafka and on the in-memory test driver.
 */
export interface ProcessorDef<I extends TopicMap = TopicMap, O extends TopicMap = TopicMap, S extends StoreMap = StoreMap> {
  readonly name: string;
  readonly inputs: I;
  readonly outputs: O;
  readonly stores: S;
  readonly eventTime?: EventTimeOptions<I, O>;
  /**
   * A processing exception that is not retriable: 'fail' (default) stops the processor;
   * 'dead-letter' sends the record to the dead-letter topic and goes on, its partial effects undone.
   */
  readonly onError?: 'fail' | 'dead-letter';
  process(ctx: ProcessorContext<S, O>, record: InputRecordOf<I>): void;
  onTimer?(ctx: ProcessorContext<S, O>, timer: Timer): void;
  /**
   * Numbers read from each task's stores when metrics are scraped, summed over the tasks an
   * instance holds, as the Prometheus gauge `prm_<processor>_<name>` (see GaugeDef).
   */
  readonly gauges?: Readonly<Record<string, GaugeDef<NoInfer<S>>>>;
}

/**
 * A gauge a processor derives from its state: what it counts in its stores (jobs queued, runs
 * presumed lost) is exactly-once, where a counter bumped while processing would count a record
 * again after an aborted transaction. A count kept in a task's state moves with the task, so a
 * cumulative one is a gauge, summed over the instances, not a counter.
 */
export interface GaugeDef<S extends StoreMap> {
  readonly help: string;
  value(stores: StoreReader<S>): number;
}

/** A task's stores, read-only: a gauge walking `entries` costs a scrape the store's size. */
export interface StoreReader<S extends StoreMap> {
  store<N extends keyof S & string>(name: N): Pick<KeyValueStore<ValueOf<S[N]>>, 'get' | 'size' | 'entries' | 'counted'>;
}

/** The name of a processor's gauge in Prometheus. */
export function gaugeName(processor: string, gauge: string): string {
  return `prm_${processor}_${gauge}`.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** A processor with its types erased, as the runtime holds it. */
export type AnyProcessor = ProcessorDef<TopicMap, TopicMap, StoreMap>;

/**
 * Any processor made by defineProcessor, whatever its declared types: what topology and runtime
 * entry points accept (typed definitions are not assignable to AnyProcessor, by variance).
 */
export interface DeclaredProcessor {
  readonly name: string;
  readonly inputs: TopicMap;
  readonly outputs: TopicMap;
  readonly stores: StoreMap;
  process(...args: never[]): void;
}

/** Views a declared processor the way the runtime drives it. */
export function erase(p: DeclaredProcessor): AnyProcessor {
  return p as unknown as AnyProcessor;
}

/**
 * Store the runtime keeps per task for timers, changelogged like any other. Stream time is
 * committed with the input offsets instead (kafka/offset-metadata.ts); an older runtime logged it here.
 */
export const RUNTIME_STORE = '__runtime';

const legalName = /^[a-zA-Z0-9._-]+$/;

export function defineProcessor<I extends TopicMap, O extends TopicMap, S extends StoreMap>(def: ProcessorDef<I, O, S>): ProcessorDef<I, O, S> {
  validateProcessor(erase(def));
  return def;
}

/** The processors of one application, validated together. Reads top-down like the flow it runs. */
export interface Topology {
  readonly app: string;
  readonly processors: readonly AnyProcessor[];
}

export function buildTopology(app: string, declared: readonly DeclaredProcessor[]): Topology {
  if (!legalName.test(app)) throw new TopologyError(`application id '${app}' must match ${legalName}`);
  const processors = declared.map(erase);
  const seen = new Set<string>();
  for (const p of processors) {
    validateProcessor(p);
    if (seen.has(p.name)) throw new TopologyError(`two processors are named '${p.name}'`);
    seen.add(p.name);
  }
  if (processors.length === 0) throw new TopologyError(`topology '${app}' has no processors`);
  return { app, processors };
}

function validateProcessor(p: AnyProcessor): void {
  const where = `processor '${p.name}'`;
  if (!legalName.test(p.name)) throw new TopologyError(`${where}: name must match ${legalName}`);
  const inputs = Object.values(p.inputs);
  if (inputs.length === 0) throw new TopologyError(`${where} declares no input topics`);
  const inputNames = new Set<string>();
  for (const t of inputs) {
    checkTopicName(where, t.name);
    if (inputNames.has(t.name)) throw new TopologyError(`${where} declares input topic '${t.name}' twice`);
    inputNames.add(t.name);
  }
  for (const t of Object.values(p.outputs)) {
    checkTopicName(where, t.name);
    if (inputNames.has(t.name)) throw new TopologyError(`${where} writes its own input topic '${t.name}'`);
  }
  for (const name of Object.keys(p.gauges ?? {})) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new TopologyError(`${where}: gauge name '${name}' must match /^[a-z][a-z0-9_]*$/`);
  }
  for (const name of Object.keys(p.stores)) {
    if (!legalName.test(name) || name.startsWith('__')) {
      throw new TopologyError(`${where}: store name '${name}' must match ${legalName} and not start with '__'`);
    }
  }
  const et = p.eventTime;
  if (et) {
    if (!Number.isFinite(et.allowedLatenessMs) || et.allowedLatenessMs < 0) {
      throw new TopologyError(`${where}: allowedLatenessMs must be a finite number >= 0`);
    }
    const late = et.lateRecords;
    if (late && late !== 'dead-letter' && !(late.sideOutput in p.outputs)) {
      throw new TopologyError(`${where}: late records go to side output '${late.sideOutput}', which is not a declared output`);
    }
  }
}

function checkTopicName(where: string, name: string): void {
  if (!legalName.test(name) || name.length > 249 || name === '.' || name === '..') {
    throw new TopologyError(`${where}: '${name}' is not a legal Kafka topic name`);
  }
}

/**
 * A timer fires once the watermark reaches it. With an allowed lateness that holds the watermark
 * back without bound (NEVER_LATE_MS: every record is on time), none ever can: it would only take
 * room in the runtime store and its changelog, forever. The runtime refuses such timers.
 */
export function timerCanFire(at: number, allowedLatenessMs: number): boolean {
  return at + allowedLatenessMs <= Number.MAX_SAFE_INTEGER;
}

/** Whether a processor needs the runtime store (stream time and timers survive failover in it). */
export function usesEventTime(p: AnyProcessor): boolean {
  return p.eventTime !== undefined || p.onTimer !== undefined;
}

/** Names of the stores whose changelogs a processor's task restores, runtime store included. */
export function storeNames(p: AnyProcessor): string[] {
  return [...Object.keys(p.stores), ...(usesEventTime(p) ? [RUNTIME_STORE] : [])];
}

/** An empty in-memory store for one of `storeNames(p)`, counting what its definition says. */
export function emptyStore(p: AnyProcessor, name: string): KeyValueStore<unknown> {
  const def = p.stores[name];
  return new InMemoryKeyValueStore<unknown>(def?.counts ? (value) => def.counts!(value) : undefined);
}

export function changelogTopic(app: string, processor: string, store: string): string {
  return `${app}.${processor}.${store}.changelog`;
}

/** Each processor is its own consumer group: scaling it out means more members. */
export function consumerGroupId(app: string, processor: string): string {
  return `${app}.${processor}`;
}

/**
 * One transactional id per (processor, instance): exactly-once v2 fences a replaced owner by its
 * group generation, not by a shared id (see InstanceTransactions).
 */
export function transactionalId(app: string, processor: string, instanceId: string): string {
  return `${app}.${processor}.${instanceId}`;
}

/** The topology as text, one processor per block, in the order it was built. */
export function describeTopology(t: Topology): string {
  return t.processors
    .map((p) => {
      const lines = [`processor ${p.name} (group ${consumerGroupId(t.app, p.name)})`];
      for (const [alias, d] of Object.entries(p.inputs)) lines.push(`  <- ${d.name} (${alias})`);
      for (const s of storeNames(p)) lines.push(`  [] ${s} ~ ${changelogTopic(t.app, p.name, s)}`);
      for (const [alias, d] of Object.entries(p.outputs)) lines.push(`  -> ${d.name} (${alias})`);
      return lines.join('\n');
    })
    .join('\n');
}
