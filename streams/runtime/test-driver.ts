import { ManualClock } from './clock';
import type { DeadLetter } from './dead-letter-sink';
import { TopologyError } from './errors';
import { readGauge } from './gauges';
import type { KeyValueStore } from './store';
import { type OutboundMessage, Task } from './task';
import { type AnyProcessor, emptyStore, erase, type ProcessorDef, type StoreMap, storeNames, type TopicMap } from './topology';

type ValueOf<T> = T extends { serde: { deserialize(b: Buffer): infer V } } ? V : never;

export interface PipedRecord<V> {
  key: string | null;
  value: V;
  /** Event time; defaults to the driver's clock. */
  timestamp?: number;
  partition?: number;
  headers?: Record<string, string>;
}

export interface ReadRecord<V> {
  key: string | null;
  value: V | null;
  timestamp: number;
  headers: Record<string, string>;
  /** Set when the processor chose the partition itself. */
  partition?: number;
}

/**
 * Runs one processor in memory, like Kafka Streams' TopologyTestDriver: records go through the
 * same serdes and the same task core as on Kafka, with bare in-memory stores and a manual
 * clock, and every piped record is its own committed transaction.
 */
export class ProcessorTestDriver<I extends TopicMap, O extends TopicMap, S extends StoreMap> {
  readonly clock: ManualClock;
  private readonly processor: AnyProcessor;
  private readonly tasks = new Map<number, { task: Task; stores: Map<string, KeyValueStore<unknown>> }>();
  private readonly outputs = new Map<string, OutboundMessage[]>();
  private readonly letters: DeadLetter[] = [];
  private readonly offsets = new Map<string, number>();

  constructor(processor: ProcessorDef<I, O, S>, options: { clock?: ManualClock } = {}) {
    this.processor = erase(processor);
    this.clock = options.clock ?? new ManualClock();
  }

  /** Serializes the record with the input's serde and processes it. */
  pipeInput<N extends keyof I & string>(input: N, record: PipedRecord<ValueOf<I[N]>>): void {
    const def = this.inputDef(input);
    this.pipeRaw(input, { ...record, value: def.serde.serialize(record.value) });
  }

  /** Processes bytes as they would come off the wire (to test decode failures). */
  pipeRaw(input: keyof I & string, record: PipedRecord<Buffer | null>): void {
    const def = this.inputDef(input);
    const partition = record.partition ?? 0;
    const offsetKey = `${def.name}/${partition}`;
    const offset = this.offsets.get(offsetKey) ?? 0;
    this.offsets.set(offsetKey, offset + 1);
    const { task } = this.taskFor(partition);
    task.handle({
      topic: def.name,
      partition,
      offset: String(offset),
      key: record.key === null ? null : Buffer.from(record.key, 'utf8'),
      value: record.value,
      timestamp: record.timestamp ?? this.clock.now(),
      headers: record.headers ?? {},
    });
    const effects = task.drain();
    for (const out of effects.outputs) {
      const list = this.outputs.get(out.topic) ?? [];
      list.push(out);
      this.outputs.set(out.topic, list);
    }
    this.letters.push(...effects.deadLetters);
  }

  /** Takes (and removes) what the processor wrote to an output, decoded. */
  readOutput<N extends keyof O & string>(output: N): ReadRecord<ValueOf<O[N]>>[] {
    const def = this.processor.outputs[output];
    if (!def) throw new TopologyError(`processor '${this.processor.name}' has no output '${output}'`);
    const raw = this.outputs.get(def.name) ?? [];
    this.outputs.set(def.name, []);
    return raw.map((m) => ({
      key: m.key === null ? null : m.key.toString('utf8'),
      value: m.value === null ? null : (def.serde.deserialize(m.value) as ValueOf<O[N]>),
      timestamp: m.timestamp,
      headers: m.headers,
      ...(m.partition === undefined ? {} : { partition: m.partition }),
    }));
  }

  /** Takes (and removes) the raw messages written to an output (side outputs keep source bytes). */
  readRawOutput(output: keyof O & string): OutboundMessage[] {
    const def = this.processor.outputs[output];
    if (!def) throw new TopologyError(`processor '${this.processor.name}' has no output '${output}'`);
    const raw = this.outputs.get(def.name) ?? [];
    this.outputs.set(def.name, []);
    return raw;
  }

  /** Takes (and removes) the dead letters so far. */
  readDeadLetters(): DeadLetter[] {
    return this.letters.splice(0);
  }

  store<N extends keyof S & string>(name: N, partition = 0): KeyValueStore<S[N] extends { serde: { deserialize(b: Buffer): infer V } } ? V : never> {
    if (!(name in this.processor.stores)) throw new TopologyError(`processor '${this.processor.name}' has no store '${name}'`);
    return this.taskFor(partition).stores.get(name) as KeyValueStore<never>;
  }

  /** A gauge the processor declares (ProcessorDef.gauges), summed over the driver's tasks, as a scrape reads it. */
  gauge(name: string): number {
    return readGauge(this.processor, name, [...this.tasks.values()].map((t) => t.stores));
  }

  /**
   * Reopens a task as the runtime does after an aborted transaction, or when its partition comes
   * back from another instance: a new task over the same stores (as restored: change them first
   * to what the changelogs would hold), at the same stream time (committed with the offsets),
   * with a new context (see ProcessorContext).
   */
  reopenTask(partition = 0): void {
    const entry = this.taskFor(partition);
    const streamTime = entry.task.currentStreamTime;
    entry.task = new Task({ processor: this.processor, partition, stores: entry.stores });
    entry.task.restoreStreamTime(streamTime);
  }

  streamTime(partition = 0): number {
    return this.taskFor(partition).task.currentStreamTime;
  }

  watermark(partition = 0): number {
    return this.taskFor(partition).task.watermark;
  }

  private inputDef(input: string) {
    const def = this.processor.inputs[input];
    if (!def) throw new TopologyError(`processor '${this.processor.name}' has no input '${input}'`);
    return def;
  }

  private taskFor(partition: number) {
    let entry = this.tasks.get(partition);
    if (!entry) {
      const stores = new Map<string, KeyValueStore<unknown>>(storeNames(this.processor).map((n) => [n, emptyStore(this.processor, n)]));
      entry = { task: new Task({ processor: this.processor, partition, stores }), stores };
      this.tasks.set(partition, entry);
    }
    return entry;
  }
}
