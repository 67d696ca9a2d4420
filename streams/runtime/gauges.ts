import { Gauge, type Registry } from 'prom-client';
import type { KeyValueStore } from './store';
import { type AnyProcessor, gaugeName, type StoreReader, type StoreMap } from './topology';

/** A task's stores, by name, as the runtime and the test driver hold them. */
export type TaskStores = ReadonlyMap<string, KeyValueStore<unknown>>;

/** A processor's gauge (GaugeDef) summed over the tasks given by their stores. */
export function readGauge(p: AnyProcessor, name: string, tasks: Iterable<TaskStores>): number {
  const def = p.gauges?.[name];
  if (!def) throw new RangeError(`processor '${p.name}' declares no gauge '${name}'`);
  let sum = 0;
  for (const stores of tasks) sum += def.value(readerOf(p, stores));
  return sum;
}

function readerOf(p: AnyProcessor, stores: TaskStores): StoreReader<StoreMap> {
  return {
    store(name) {
      const store = stores.get(name);
      if (!store) throw new RangeError(`processor '${p.name}' has no store '${name}'`);
      return store;
    },
  };
}

interface Source {
  labels: { app: string; processor: string };
  read(): number;
}

/** Per registry and gauge name, what each runner holding the processor adds at a scrape. */
const sources = new WeakMap<Registry, Map<string, Set<Source>>>();

/**
 * Registers a processor's gauges in `registry`, read from `tasks()` at every scrape. Runners of
 * the same processor sharing a registry each add theirs. Returns what unregisters this runner's
 * part (its tasks are gone once it stops).
 */
export function registerGauges(registry: Registry, app: string, p: AnyProcessor, tasks: () => Iterable<TaskStores>): () => void {
  let byName = sources.get(registry);
  if (!byName) sources.set(registry, (byName = new Map()));
  const added: [Set<Source>, Source][] = [];
  for (const [name, def] of Object.entries(p.gauges ?? {})) {
    const metric = gaugeName(p.name, name);
    let set = byName.get(metric);
    if (!set) {
      const parts = (set = new Set<Source>());
      byName.set(metric, parts);
      new Gauge({
        name: metric, help: def.help, labelNames: ['app', 'processor'], registers: [registry],
        collect() {
          this.reset();
          for (const s of parts) this.inc(s.labels, s.read());
        },
      });
    }
    const source: Source = { labels: { app, processor: p.name }, read: () => readGauge(p, name, tasks()) };
    set.add(source);
    added.push([set, source]);
  }
  return () => {
    for (const [set, source] of added) set.delete(source);
  };
}
