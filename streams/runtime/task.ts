import type { DeadLetter } from './dead-letter-sink';
import { errorMessage, isRetriable, ProcessingError, TopologyError } from './errors';
import { RecordUndoLog } from './record-undo';
import { TimerQueue } from './timer-queue';
import {
  type AnyProcessor,
  type InputRecordOf,
  type OutputRecord,
  type ProcessorContext,
  RUNTIME_STORE,
  type StoreMap,
  type Timer,
  type TopicDef,
  type TopicMap,
  timerCanFire,
  usesEventTime,
} from './topology';
import type { KeyValueStore } from './store';

/** A record as it comes off the wire, before decoding. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
  /** Handed over in a chain: the value an earlier processor forwarded (see OutboundMessage.forwarded). */
  forwarded?: unknown;
}

/** A record to write. No partition means "by key", with Kafka's default partitioner. */
export interface OutboundMessage {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
  partition?: number;
  /**
   * The value as forwarded, before serializing, on a topic the task's chain hands over: the chain
   * gives it to the later reader and then drops it. Never written.
   */
  forwarded?: unknown;
}

/** What the task decided since the last drain: the runtime writes it in one transaction. */
export interface TaskEffects {
  outputs: OutboundMessage[];
  deadLetters: DeadLetter[];
  recordsIn: number;
  late: number;
}

/** Entries of the runtime store: timers, and stream time as an older runtime logged it (still read). */
export type RuntimeEntry = { kind: 'stream-time'; t: number } | ({ kind: 'timer' } & Timer);

const timerKey = (name: string, key: string) => `timer\u0000${name}\u0000${key}`;
/** A processor scheduling timers into the past from onTimer forever must not hang the task. */
const MAX_TIMERS_PER_RECORD = 1_000_000;

export interface TaskOptions {
  processor: AnyProcessor;
  partition: number;
  /** One store per declared store name, plus RUNTIME_STORE when the processor uses event time. */
  stores: ReadonlyMap<string, KeyValueStore<unknown>>;
  /** Output topics a later processor of the task's chain reads: their values are kept for it. */
  handsOver?: ReadonlySet<string>;
}

/**
 * The processing core of one task (a processor on one input partition), with no IO: it decodes
 * records, applies the lateness policy, runs the processor, fires due timers and collects the
 * outputs and dead letters. The Kafka runtime and the test driver both drive it, so what the
 * driver proves holds on Kafka.
 */
export class Task {
  readonly processor: AnyProcessor;
  readonly partition: number;
  private readonly runtimeStore: KeyValueStore<RuntimeEntry> | undefined;
  private readonly inputsByTopic = new Map<string, [string, TopicDef<unknown>]>();
  private readonly allowedLatenessMs: number;
  private readonly timers = new TimerQueue();
  private streamTime = -Infinity;
  private effects: TaskEffects = emptyEffects();
  /** The stores as processor code sees them: their writes go to the per-record undo log first. */
  private readonly scoped = new Map<string, KeyValueStore<unknown>>();
  private readonly undo = new RecordUndoLog();
  private readonly ctx: ProcessorContext<StoreMap, TopicMap>;
  /** Event time of the record (or timer) being processed. */
  private eventTime = 0;
  private readonly handsOver: ReadonlySet<string>;

  constructor(options: TaskOptions) {
    const { processor, partition, stores } = options;
    this.handsOver = options.handsOver ?? new Set();
    this.processor = processor;
    this.partition = partition;
    for (const name of Object.keys(processor.stores)) {
      if (!stores.has(name)) throw new TopologyError(`task ${processor.name}/${partition}: no store given for '${name}'`);
    }
    if (usesEventTime(processor)) {
      const rs = stores.get(RUNTIME_STORE);
      if (!rs) throw new TopologyError(`task ${processor.name}/${partition}: processor uses event time but has no runtime store`);
      this.runtimeStore = rs as KeyValueStore<RuntimeEntry>;
    }
    for (const [alias, def] of Object.entries(processor.inputs)) this.inputsByTopic.set(def.name, [alias, def]);
    for (const [name, store] of stores) this.scoped.set(name, this.undo.track(store));
    this.ctx = this.context();
    this.allowedLatenessMs = processor.eventTime?.allowedLatenessMs ?? 0;
    this.loadRuntimeStore();
  }

  get currentStreamTime(): number {
    return this.streamTime;
  }

  get watermark(): number {
    return this.streamTime - this.allowedLatenessMs;
  }

  /**
   * Reads the timers from the runtime store. Stream time is committed with the input offsets
   * (see restoreStreamTime); a stream-time entry there is from a runtime that logged it. Timers
   * that can never fire, which a runtime logged before it refused them (see timerCanFire), are
   * deleted: their tombstones go out with the task's first transaction.
   */
  private loadRuntimeStore(): void {
    this.streamTime = -Infinity;
    this.timers.clear();
    if (!this.runtimeStore) return;
    const neverFire: string[] = [];
    for (const [key, entry] of this.runtimeStore.entries()) {
      if (entry.kind === 'stream-time') this.streamTime = entry.t;
      else if (timerCanFire(entry.at, this.allowedLatenessMs)) this.timers.push({ name: entry.name, key: entry.key, at: entry.at });
      else neverFire.push(key);
    }
    for (const key of neverFire) this.runtimeStore.delete(key);
  }

  /** Stream time as last committed (with the input offsets): it only moves forward. */
  restoreStreamTime(t: number): void {
    if (t > this.streamTime) this.streamTime = t;
  }

  /** Outputs decided since the last drain, in order (a chain hands the fused ones on). */
  get pendingOutputs(): readonly OutboundMessage[] {
    return this.effects.outputs;
  }

  /** Takes what was decided since the last call. */
  drain(): TaskEffects {
    const out = this.effects;
    this.effects = emptyEffects();
    return out;
  }

  /** Handles one raw record. Throws ProcessingError when the processor fails and its policy is 'fail'. */
  handle(raw: RawRecord): void {
    this.effects.recordsIn++;
    const input = this.inputsByTopic.get(raw.topic);
    if (!input) throw new TopologyError(`processor '${this.processor.name}' got a record from undeclared topic '${raw.topic}'`);
    const [alias, def] = input;

    let value: unknown;
    try {
      if (raw.value === null) throw new Error('record has no value');
      // Handed over, the value need not be decoded again: the serde says what decoding would give.
      value = raw.forwarded !== undefined && def.serde.handOver ? def.serde.handOver(raw.forwarded) : def.serde.deserialize(raw.value);
    } catch (err) {
      // A registry that is down or a schema still loading is not the record's fault: abort the
      // batch so it is retried, rather than dead-lettering good records.
      if (isRetriable(err)) throw err;
      this.deadLetter(raw, `decode failed: ${errorMessage(err)}`, err);
      return;
    }
    const record = {
      input: alias,
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key === null ? null : raw.key.toString('utf8'),
      value,
      timestamp: raw.timestamp,
      headers: raw.headers,
    } as InputRecordOf<TopicMap>;
    try {
      const extract = this.processor.eventTime?.timestamp;
      // The extractor sees the record stamped with Kafka's timestamp; the processor, with the event time. One object per record, not two.
      if (extract) (record as { timestamp: number }).timestamp = extract(record);
    } catch (err) {
      this.deadLetter(raw, `timestamp extraction failed: ${errorMessage(err)}`, err);
      return;
    }
    if (!Number.isFinite(record.timestamp) || record.timestamp < 0) {
      this.deadLetter(raw, `invalid event time ${record.timestamp}`);
      return;
    }
    if (record.timestamp < this.watermark) {
      this.late(raw, record.timestamp);
      return;
    }

    this.runScoped(raw, record.timestamp, (ctx) => {
      this.advanceStreamTime(record.timestamp);
      this.processor.process(ctx, record);
    });
    this.fireDueTimers(raw);
  }

  private fireDueTimers(cause: RawRecord): void {
    if (!this.processor.onTimer || !this.runtimeStore) return;
    let fired = 0;
    for (let next = this.timers.peek(); next && next.at <= this.watermark; next = this.timers.peek()) {
      this.timers.pop();
      const stored = this.runtimeStore.get(timerKey(next.name, next.key));
      // A cancelled or moved timer surfaces here stale: the store is the truth.
      if (!stored || stored.kind !== 'timer' || stored.at !== next.at) continue;
      if (++fired > MAX_TIMERS_PER_RECORD) {
        throw new ProcessingError(`processor '${this.processor.name}' fired over ${MAX_TIMERS_PER_RECORD} timers for one record: a timer keeps rescheduling itself into the past`, where(this.processor, cause));
      }
      const timer = next;
      this.runScoped(cause, timer.at, (ctx) => {
        this.runtimeStore!.delete(timerKey(timer.name, timer.key));
        this.processor.onTimer!(ctx, timer);
      });
    }
  }

  /**
   * Runs processor code with per-record undo: if it throws and the policy is 'dead-letter', its
   * store writes and forwards are dropped as if the record had never been seen. The scoped
   * stores and the context are the task's own, reused record after record (as Kafka Streams
   * reuses a task's ProcessorContext): building them per record was a measurable share of a
   * record's cost.
   */
  private runScoped(raw: RawRecord, eventTime: number, body: (ctx: ProcessorContext<StoreMap, TopicMap>) => void): void {
    const streamTimeBefore = this.streamTime;
    this.eventTime = eventTime;
    const forwardsBefore = this.effects.outputs.length;
    try {
      body(this.ctx);
    } catch (err) {
      this.undo.rollback();
      this.effects.outputs.length = forwardsBefore;
      this.streamTime = streamTimeBefore;
      if (this.processor.onError === 'dead-letter' && !isRetriable(err) && !(err instanceof TopologyError)) {
        this.deadLetter(raw, `processing failed: ${errorMessage(err)}`, err);
        return;
      }
      if (err instanceof TopologyError) throw err;
      throw new ProcessingError(`processor '${this.processor.name}' failed: ${errorMessage(err)}`, where(this.processor, raw), {
        retriable: isRetriable(err),
        cause: err,
      });
    }
    this.undo.commit();
  }

  /** The context processor code sees; its event time is the record's in hand, its forwards join the task's effects. */
  private context(): ProcessorContext<StoreMap, TopicMap> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below read the task, and a getter cannot be an arrow function
    const task = this;
    const p = this.processor;
    const stores = this.scoped;
    const runtimeStore = stores.get(RUNTIME_STORE) as KeyValueStore<RuntimeEntry> | undefined;
    const timers = this.timers;
    return {
      processor: p.name,
      partition: this.partition,
      get eventTime() {
        return task.eventTime;
      },
      get streamTime() {
        return task.streamTime;
      },
      get watermark() {
        return task.watermark;
      },
      store(name) {
        const s = name === RUNTIME_STORE ? undefined : stores.get(name);
        if (!s) throw new TopologyError(`processor '${p.name}' used undeclared store '${name}'`);
        return s as KeyValueStore<never>;
      },
      forward(output, record: OutputRecord<unknown>) {
        const def = p.outputs[output];
        if (!def) throw new TopologyError(`processor '${p.name}' forwarded to undeclared output '${output}'`);
        const message: OutboundMessage = {
          topic: def.name,
          key: record.key === null ? null : Buffer.from(record.key, 'utf8'),
          value: record.value === null ? null : def.serde.serialize(record.value),
          timestamp: record.timestamp ?? task.eventTime,
          headers: record.headers ?? {},
        };
        if (record.partition !== undefined) message.partition = record.partition;
        if (record.value !== null && task.handsOver.has(def.name)) message.forwarded = record.value;
        task.effects.outputs.push(message);
      },
      schedule(timer) {
        if (!runtimeStore || !p.onTimer) throw new TopologyError(`processor '${p.name}' scheduled a timer but defines no onTimer`);
        if (!Number.isFinite(timer.at)) throw new TopologyError(`processor '${p.name}' scheduled timer '${timer.name}' at ${timer.at}`);
        if (!timerCanFire(timer.at, task.allowedLatenessMs)) {
          throw new TopologyError(`processor '${p.name}' scheduled timer '${timer.name}', which can never fire: its allowed lateness (${task.allowedLatenessMs} ms) holds the watermark back for good`);
        }
        runtimeStore.put(timerKey(timer.name, timer.key), { kind: 'timer', ...timer });
        timers.push({ ...timer });
      },
      cancel(name, key) {
        if (!runtimeStore) throw new TopologyError(`processor '${p.name}' cancelled a timer but defines no onTimer`);
        runtimeStore.delete(timerKey(name, key));
      },
    };
  }

  private advanceStreamTime(t: number): void {
    if (t > this.streamTime) this.streamTime = t;
  }

  private late(raw: RawRecord, timestamp: number): void {
    this.effects.late++;
    const reason = `late record: event time ${timestamp} is before the watermark ${this.watermark} (stream time ${this.streamTime}, allowed lateness ${this.allowedLatenessMs} ms)`;
    const policy = this.processor.eventTime?.lateRecords ?? 'dead-letter';
    if (policy === 'dead-letter') {
      this.deadLetter(raw, reason);
      return;
    }
    const side = this.processor.outputs[policy.sideOutput]!;
    this.effects.outputs.push({
      topic: side.name,
      key: raw.key,
      value: raw.value,
      timestamp,
      headers: { ...raw.headers, 'prm-late-reason': reason, 'prm-source': `${raw.topic}/${raw.partition}/${raw.offset}` },
    });
  }

  private deadLetter(raw: RawRecord, reason: string, error?: unknown): void {
    this.effects.deadLetters.push({
      processor: this.processor.name,
      sourceTopic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key,
      value: raw.value,
      timestamp: raw.timestamp,
      reason,
      error,
    });
  }
}

function emptyEffects(): TaskEffects {
  return { outputs: [], deadLetters: [], recordsIn: 0, late: 0 };
}

function where(p: AnyProcessor, raw: RawRecord) {
  return { processor: p.name, topic: raw.topic, partition: raw.partition, offset: raw.offset };
}
