import { Registry } from 'prom-client';
import { registerGauges, type TaskStores } from '../../../streams/runtime/gauges';
import { InMemoryKeyValueStore } from '../../../streams/runtime/store';
import { numberSerde } from '../../../streams/runtime/serde';
import { TopologyError } from '../../../streams/runtime/errors';
import { defineProcessor, erase, type GaugeDef, keyValueStore, type StoreDef, topic } from '../../../streams/runtime/topology';

const counting = (gauges: Record<string, GaugeDef<{ counts: StoreDef<number> }>>) =>
  erase(defineProcessor({
    name: 'count-er',
    inputs: { in: topic('in', numberSerde) },
    outputs: {},
    stores: { counts: keyValueStore(numberSerde) },
    gauges,
    process() {},
  }));

function task(entries: [string, number][]): TaskStores {
  const counts = new InMemoryKeyValueStore<unknown>();
  for (const [k, v] of entries) counts.put(k, v);
  return new Map([['counts', counts]]);
}

describe('processor gauges', () => {
  const p = counting({
    keys: { help: 'keys held', value: (s) => s.store('counts').size },
    lost_total_seen: { help: 'a count kept in state', value: (s) => s.store('counts').get('lost') ?? 0 },
  });

  it('reads each task\'s stores at the scrape and sums them, per runner, until the runner goes', async () => {
    const registry = new Registry();
    let tasks = [task([['lost', 2], ['x', 1]]), task([['lost', 3]])];
    const first = registerGauges(registry, 'app', p, () => tasks);
    expect(await registry.metrics()).toMatch(/^prm_count_er_keys\{app="app",processor="count-er"\} 3$/m);
    expect(await registry.metrics()).toMatch(/^prm_count_er_lost_total_seen\{app="app",processor="count-er"\} 5$/m);
    // State moves with the tasks: what a scrape reads follows.
    tasks = [task([['lost', 7]])];
    expect(await registry.metrics()).toMatch(/^prm_count_er_lost_total_seen\{app="app",processor="count-er"\} 7$/m);
    // A second runner of the processor in the same registry adds its tasks; a stopped one's go.
    const second = registerGauges(registry, 'app', p, () => [task([['lost', 1]])]);
    expect(await registry.metrics()).toMatch(/^prm_count_er_lost_total_seen\{app="app",processor="count-er"\} 8$/m);
    first();
    expect(await registry.metrics()).toMatch(/^prm_count_er_lost_total_seen\{app="app",processor="count-er"\} 1$/m);
    second();
    expect(await registry.metrics()).not.toMatch(/^prm_count_er_lost_total_seen\{/m);
  });

  it('refuses a gauge name Prometheus would not take as it is', () => {
    expect(() => counting({ 'Lost-Runs': { help: 'x', value: () => 0 } })).toThrow(TopologyError);
  });
});
