import { loadStackConfig } from '../../../stack/config';
import { StackConfigError } from '../../../stack/errors';

describe('loadStackConfig', () => {
  it('defaults stay clear of the services this machine already runs', () => {
    const c = loadStackConfig({});
    expect([c.kafkaPort, c.kafkaControllerPort, c.registryPort, c.timescalePort]).toEqual([9092, 9093, 8081, 5433]);
    expect(c.externalDatabaseUrl).toBeUndefined();
  });

  it('reads ports, heap, timeouts and an external database from the environment', () => {
    const c = loadStackConfig({
      PRM_KAFKA_PORT: '19092',
      PRM_KAFKA_CONTROLLER_PORT: '19093',
      PRM_REGISTRY_PORT: '18081',
      PRM_TIMESCALE_PORT: '15433',
      PRM_KAFKA_HEAP: '1g',
      PRM_STACK_READY_TIMEOUT_MS: '5000',
      DATABASE_URL: 'postgres://db/x',
      PRM_STACK_DIR: '/tmp/s',
    });
    expect(c).toMatchObject({ kafkaPort: 19092, kafkaControllerPort: 19093, registryPort: 18081, timescalePort: 15433, kafkaHeap: '1g', readyTimeoutMs: 5000, externalDatabaseUrl: 'postgres://db/x', stackDir: '/tmp/s' });
  });

  it.each([
    [{ PRM_KAFKA_PORT: 'abc' }, /PRM_KAFKA_PORT must be a TCP port/],
    [{ PRM_REGISTRY_PORT: '70000' }, /PRM_REGISTRY_PORT must be a TCP port/],
    [{ PRM_TIMESCALE_PORT: '9092' }, /stack ports must differ/],
    [{ PRM_KAFKA_HEAP: 'lots' }, /PRM_KAFKA_HEAP must look like/],
    [{ PRM_STACK_STOP_TIMEOUT_MS: '-1' }, /PRM_STACK_STOP_TIMEOUT_MS must be a positive/],
  ])('rejects %j', (env, message) => {
    expect(() => loadStackConfig(env)).toThrow(StackConfigError);
    expect(() => loadStackConfig(env)).toThrow(message);
  });
});
