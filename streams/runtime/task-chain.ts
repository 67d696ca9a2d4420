import { TopologyError } from './errors';
import type { RawRecord, Task, TaskEffects } from './task';
import { type AnyProcessor, usesEventTime } from './topology';
import type { StreamTimes } from './kafka/offset-metadata';

/**
 * What a chain of fused processors reads and writes. Fusing is Kafka Streams' sub-topology: a
 * processor that reads a topic an earlier one writes gets those records handed over in the same
 * task, in the same transaction, instead of through the broker, so a request crosses one
 * exactly-once hop instead of two. The fused topic is still written, for everyone else who reads it.
 */
export interface ChainPlan {
  /** `predictor+scheduler`: names the chain's consumer group, transactional ids and metrics. */
  name: string;
  /** Topics the chain consumes from Kafka: every input that no earlier processor of the chain writes. */
  inputs: string[];
  /** Topics handed over in the task: written by one processor of the chain, read by a later one. */
  fused: Set<string>;
}

/**
 * Checks a chain and works out its plan. Each processor after the first must read a topic an
 * earlier one writes (else there is nothing to fuse); none may read what a later one writes (a
 * cycle); a fused topic must have no other writer in the topology, since its records never
 * reach the reader through Kafka.
 */
export function planChain(chain: readonly AnyProcessor[], topology: readonly AnyProcessor[] = chain): ChainPlan {
  if (chain.length === 0) throw new TopologyError('a processor chain needs at least one processor');
  const name = chain.map((p) => p.name).join('+');
  const written = new Set<string>();
  const fused = new Set<string>();
  const inputs: string[] = [];
  chain.forEach((p, i) => {
    const reads = Object.values(p.inputs).map((t) => t.name);
    const handed = reads.filter((t) => written.has(t));
    if (i > 0 && handed.length === 0) throw new TopologyError(`chain ${name}: '${p.name}' reads nothing an earlier processor of the chain writes`);
    for (const later of chain.slice(i + 1)) {
      const back = Object.values(later.outputs).find((t) => reads.includes(t.name));
      if (back) throw new TopologyError(`chain ${name}: '${p.name}' reads ${back.name}, which the later '${later.name}' writes`);
    }
    for (const t of handed) fused.add(t);
    for (const t of reads) if (!written.has(t) && !inputs.includes(t)) inputs.push(t);
    for (const t of Object.values(p.outputs)) written.add(t.name);
  });
  for (const t of fused) {
    const other = topology.find((p) => !chain.includes(p) && Object.values(p.outputs).some((o) => o.name === t));
    if (other) throw new TopologyError(`chain ${name}: cannot fuse ${t}, which '${other.name}' outside the chain writes too`);
  }
  return { name, inputs, fused };
}

/**
 * The tasks of one partition of a chain, driven as one: a record from Kafka goes to every
 * processor that reads its topic, and what a processor writes to a fused topic goes on to the
 * later processors that read it, depth first, before the next record. A handed-over record
 * carries the offset of the input record that caused it, as Kafka Streams' context does.
 */
export class TaskChain {
  private readonly readers = new Map<string, Task[]>();
  /** Records from Kafka since the last drain (handed-over ones are not counted again). */
  private recordsIn = 0;

  constructor(
    readonly tasks: readonly Task[],
    private readonly plan: ChainPlan,
  ) {
    for (const task of tasks) {
      for (const t of Object.values(task.processor.inputs)) {
        const list = this.readers.get(t.name) ?? [];
        list.push(task);
        this.readers.set(t.name, list);
      }
    }
  }

  handle(raw: RawRecord): void {
    const readers = this.readers.get(raw.topic);
    if (!readers) throw new TopologyError(`chain ${this.plan.name} got a record from topic '${raw.topic}', which none of it reads`);
    this.recordsIn++;
    for (const task of readers) {
      const from = task.pendingOutputs.length;
      task.handle(raw);
      this.handOver(task, from, raw.offset);
    }
  }

  /** Each event-time processor's stream time, by processor name: committed with the input offsets. */
  streamTimes(): StreamTimes {
    const out: StreamTimes = {};
    for (const task of this.tasks) if (usesEventTime(task.processor) && Number.isFinite(task.currentStreamTime)) out[task.processor.name] = task.currentStreamTime;
    return out;
  }

  /** Stream times as last committed (see streamTimes). */
  restoreStreamTimes(times: StreamTimes): void {
    for (const task of this.tasks) {
      const t = times[task.processor.name];
      if (t !== undefined) task.restoreStreamTime(t);
    }
  }

  /** What the tasks decided since the last call, together. */
  drain(): TaskEffects {
    const recordsIn = this.recordsIn;
    this.recordsIn = 0;
    // A chain of one (every unfused processor) hands its task's effects on without copying them.
    if (this.tasks.length === 1) return this.tasks[0]!.drain();
    const all: TaskEffects = { outputs: [], deadLetters: [], recordsIn, late: 0 };
    for (const task of this.tasks) {
      const fx = task.drain();
      for (const o of fx.outputs) all.outputs.push(o);
      for (const d of fx.deadLetters) all.deadLetters.push(d);
      all.late += fx.late;
    }
    return all;
  }

  private handOver(task: Task, from: number, offset: string): void {
    if (this.plan.fused.size === 0) return;
    const outputs = task.pendingOutputs;
    // `outputs` may grow while a later reader runs only if that reader is this task, which a chain rules out.
    for (let i = from, end = outputs.length; i < end; i++) {
      const out = outputs[i]!;
      if (!this.plan.fused.has(out.topic)) continue;
      const { forwarded } = out;
      out.forwarded = undefined; // held no longer than the hand-over: the message waits for its commit
      for (const reader of this.readers.get(out.topic) ?? []) {
        const start = reader.pendingOutputs.length;
        reader.handle({ topic: out.topic, partition: task.partition, offset, key: out.key, value: out.value, timestamp: out.timestamp, headers: out.headers, forwarded });
        this.handOver(reader, start, offset);
      }
    }
  }
}
