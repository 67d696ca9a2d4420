import { jsonSerde, numberSerde } from '../serde';
import { buildTopology, defineProcessor, keyValueStore, topic, type Topology } from '../topology';

/** An input of the check: a unique id, so each output can be traced to exactly one input. */
export interface CountInput {
  id: number;
}

/** The running count of the input's key after it, and the input it counts. */
export interface CountOutput {
  id: number;
  count: number;
}

const isCountInput = (v: unknown): v is CountInput => typeof v === 'object' && v !== null && Number.isInteger((v as CountInput).id);

export interface CountingTopics {
  input: string;
  output: string;
  /**
   * With a relay topic, a 'relay' processor copies the inputs there and the counter reads them
   * from it: run the two fused (RELAY_CHAIN) and the check covers a chain's handover.
   */
  relay?: string;
}

/** The chain to fuse when CountingTopics.relay is set. */
export const RELAY_CHAIN = ['relay', 'counter'] as const;

/**
 * Keyed counting: each input bumps its key's count and emits (id, count). Under exactly-once
 * every id appears once in the output, and a key's counts read 1, 2, ..., n in order: a lost
 * input leaves an id missing, a double-processed one repeats an id or skips a count.
 */
export function countingTopology(app: string, topics: CountingTopics): Topology {
  const inputs = topic(topics.input, jsonSerde<CountInput>(isCountInput));
  const relayed = topics.relay === undefined ? undefined : topic(topics.relay, jsonSerde<CountInput>(isCountInput));
  const counter = defineProcessor({
    name: 'counter',
    inputs: { inputs: relayed ?? inputs },
    outputs: { counts: topic(topics.output, jsonSerde<CountOutput>()) },
    stores: { counts: keyValueStore(numberSerde) },
    process(ctx, record) {
      const key = record.key ?? '';
      const count = (ctx.store('counts').get(key) ?? 0) + 1;
      ctx.store('counts').put(key, count);
      ctx.forward('counts', { key, value: { id: record.value.id, count } });
    },
  });
  if (!relayed) return buildTopology(app, [counter]);
  const relay = defineProcessor({
    name: 'relay',
    inputs: { inputs },
    outputs: { relayed },
    stores: {},
    process(ctx, record) {
      ctx.forward('relayed', { key: record.key, value: record.value });
    },
  });
  return buildTopology(app, [relay, counter]);
}
