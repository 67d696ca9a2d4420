import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadStackConfig } from '../../../stack/config';
import { containerPorts, images, kafkaContainerEnv, schemaRegistryContainerEnv, timescaleContainerEnv } from '../../../stack/docker-config';
import { resolveEndpoints } from '../../../stack/endpoints';
import { kafkaService } from '../../../stack/kafka/service';
import { registryService } from '../../../stack/services/registry';
import { timescaleService } from '../../../stack/services/timescale';

interface ComposeService {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
}
interface Compose {
  'x-prm-env': Record<string, string>;
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(join(__dirname, '..', '..', '..', 'docker-compose.yml'), 'utf8')) as Compose;
const defaults = loadStackConfig({});

/** Compose's `${NAME:-default}` with the default taken, as a shell without NAME set would. */
function withDefaults(text: string): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_m, _name: string, fallback: string) => fallback);
}

/** "${VAR:-9092}:9092" -> { variable, hostDefault, container } */
function portMapping(service: ComposeService) {
  expect(service.ports).toHaveLength(1);
  const m = /^\$\{(\w+):-(\d+)\}:(\d+)$/.exec(service.ports?.[0] ?? '');
  if (!m) throw new Error(`port mapping '${service.ports?.[0]}' is not \${VAR:-host}:container`);
  return { variable: m[1], hostDefault: Number(m[2]), container: Number(m[3]) };
}

function service(name: string): ComposeService {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service '${name}'`);
  return s;
}

describe('docker-compose.yml', () => {
  it('runs the pinned images', () => {
    expect(service('kafka').image).toBe(images.kafka);
    expect(service('schema-registry').image).toBe(images.schemaRegistry);
    expect(service('timescaledb').image).toBe(images.timescale);
  });

  it('publishes each service on the port and variable the local stack uses', () => {
    const cases = [
      { name: 'kafka', spec: kafkaService.ports(defaults)[0], container: containerPorts.kafka },
      { name: 'schema-registry', spec: registryService.ports(defaults)[0], container: containerPorts.schemaRegistry },
      { name: 'timescaledb', spec: timescaleService.ports(defaults)[0], container: containerPorts.timescale },
    ];
    for (const { name, spec, container } of cases) {
      expect({ name, ...portMapping(service(name)) }).toEqual({ name, variable: spec?.env, hostDefault: spec?.port, container });
    }
  });

  it('configures a single-node KRaft Kafka the same way as the code expects', () => {
    expect(service('kafka').environment).toEqual(kafkaContainerEnv('${PRM_KAFKA_PORT:-9092}', 'kafka'));
    expect(service('schema-registry').environment).toEqual(schemaRegistryContainerEnv('kafka'));
    expect(service('timescaledb').environment).toEqual(timescaleContainerEnv);
  });

  it('documents endpoints that resolve to what prm stack up would write', () => {
    const env = Object.fromEntries(Object.entries(compose['x-prm-env']).map(([k, v]) => [k, withDefaults(v)]));
    expect(resolveEndpoints(env)).toEqual({
      ...kafkaService.endpoints(defaults),
      ...registryService.endpoints(defaults),
      ...timescaleService.endpoints(defaults),
    });
  });
});
