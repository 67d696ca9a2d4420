import type { ServiceSpec } from '../service';
import { nodeEntry, nodeLaunch } from './node-entry';

const entryPath = 'stack/registry/main.ts';
const what = 'the schema registry';

/** PRM's Confluent-compatible schema registry (stack/registry), keeping schemas in a compacted Kafka topic. */
export const registryService: ServiceSpec = {
  name: 'registry',
  ports: (config) => [{ port: config.registryPort, env: 'PRM_REGISTRY_PORT' }],
  marker: () => nodeEntry(entryPath, what),
  async prepare() {
    nodeEntry(entryPath, what);
    return false;
  },
  launch: (config) =>
    nodeLaunch(nodeEntry(entryPath, what), ['--port', String(config.registryPort), '--kafka-brokers', `127.0.0.1:${config.kafkaPort}`]),
  async probe(config) {
    const res = await fetch(`http://127.0.0.1:${config.registryPort}/subjects`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`GET /subjects answered ${res.status}`);
  },
  endpoints: (config) => ({ schemaRegistryUrl: `http://127.0.0.1:${config.registryPort}` }),
};
