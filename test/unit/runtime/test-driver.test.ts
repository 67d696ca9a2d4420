import { ProcessingError, TopologyError } from '../../../streams/runtime/errors';
import { jsonSerde, numberSerde } from '../../../streams/runtime/serde';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { defineProcessor, keyValueStore, topic } from '../../../streams/runtime/topology';

interface Click {
  page: string;
}
const isClick = (v: unknown): v is Click => typeof v === 'object' && v !== null && typeof (v as Click).page === 'string';
const clicks = topic('clicks', jsonSerde<Click>(isClick));
const counts = topic('click-counts', jsonSerde<{ user: string; count: number }>());

const counter = defineProcessor({
  name: 'counter',
  inputs: { clicks },
  outputs: { counts },
  stores: { byUser: keyValueStore(numberSerde) },
  process(ctx, record) {
    const user = record.key ?? 'anonymous';
    const store = ctx.store('byUser');
    const count = (store.get(user) ?? 0) + 1;
    store.put(user, count);
    ctx.forward('counts', { key: user, value: { user, count } });
  },
});

describe('ProcessorTestDriver on a counting processor', () => {
  it('counts per key, forwards with the input event time, and exposes the store', () => {
    const driver = new ProcessorTestDriver(counter);
    driver.pipeInput('clicks', { key: 'ann', value: { page: '/' }, timestamp: 10 });
    driver.pipeInput('clicks', { key: 'bob', value: { page: '/' }, timestamp: 11 });
    driver.pipeInput('clicks', { key: 'ann', value: { page: '/a' }, timestamp: 12 });
    expect(driver.readOutput('counts')).toEqual([
      { key: 'ann', value: { user: 'ann', count: 1 }, timestamp: 10, headers: {} },
      { key: 'bob', value: { user: 'bob', count: 1 }, timestamp: 11, headers: {} },
      { key: 'ann', value: { user: 'ann', count: 2 }, timestamp: 12, headers: {} },
    ]);
    expect(driver.store('byUser').get('ann')).toBe(2);
    expect(driver.readOutput('counts')).toEqual([]);
  });

  it('sends undecodable and invalid records to the dead letters with raw bytes and reason, and goes on', () => {
    const driver = new ProcessorTestDriver(counter);
    driver.pipeRaw('clicks', { key: 'ann', value: Buffer.from('{not json') });
    driver.pipeRaw('clicks', { key: 'ann', value: Buffer.from('{"href":"/"}') });
    driver.pipeInput('clicks', { key: 'ann', value: { page: '/' } });
    const letters = driver.readDeadLetters();
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(/^decode failed: not JSON/), 'decode failed: JSON value failed validation']);
    expect(letters[0]).toMatchObject({ processor: 'counter', sourceTopic: 'clicks', partition: 0, offset: '0', value: Buffer.from('{not json') });
    expect(driver.readOutput('counts')).toHaveLength(1);
    expect(driver.store('byUser').get('ann')).toBe(1);
  });

  it('rethrows a retriable decode failure (registry down) instead of dead-lettering a good record', () => {
    const registryDown = Object.assign(new Error('schema registry unreachable'), { retriable: true });
    const flaky = defineProcessor({
      name: 'flaky',
      inputs: { clicks: topic('clicks', { serialize: () => Buffer.alloc(0), deserialize: (): Click => { throw registryDown; } }) },
      outputs: {},
      stores: {},
      process() {},
    });
    const driver = new ProcessorTestDriver(flaky);
    expect(() => driver.pipeRaw('clicks', { key: 'ann', value: Buffer.from('x') })).toThrow(registryDown);
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('keeps state per partition, as tasks do on Kafka', () => {
    const driver = new ProcessorTestDriver(counter);
    driver.pipeInput('clicks', { key: 'ann', value: { page: '/' }, partition: 0 });
    driver.pipeInput('clicks', { key: 'ann', value: { page: '/' }, partition: 1 });
    expect(driver.store('byUser', 0).get('ann')).toBe(1);
    expect(driver.store('byUser', 1).get('ann')).toBe(1);
  });
});

describe('refusing what was not declared, at run time', () => {
  const sneaky = (what: 'store' | 'output') =>
    defineProcessor({
      name: 'sneaky',
      inputs: { clicks },
      outputs: { counts },
      stores: {},
      process(ctx) {
        if (what === 'store') (ctx.store as (n: string) => unknown)('elsewhere');
        else (ctx.forward as (n: string, r: unknown) => void)('elsewhere', { key: null, value: 1 });
      },
    });

  it('throws a TopologyError for an undeclared store or output', () => {
    expect(() => new ProcessorTestDriver(sneaky('store')).pipeInput('clicks', { key: 'a', value: { page: '/' } })).toThrow(/undeclared store 'elsewhere'/);
    expect(() => new ProcessorTestDriver(sneaky('output')).pipeInput('clicks', { key: 'a', value: { page: '/' } })).toThrow(TopologyError);
  });
});

describe('processing errors', () => {
  const failing = (onError: 'fail' | 'dead-letter') =>
    defineProcessor({
      name: 'failing',
      inputs: { clicks },
      outputs: { counts },
      stores: { byUser: keyValueStore(numberSerde) },
      onError,
      process(ctx, record) {
        ctx.store('byUser').put(record.key ?? '', 99);
        ctx.forward('counts', { key: record.key, value: { user: 'x', count: 99 } });
        if (record.value.page === '/boom') throw new Error('boom');
      },
    });

  it("'fail' raises a ProcessingError that says which record", () => {
    const driver = new ProcessorTestDriver(failing('fail'));
    const err = (() => {
      try {
        driver.pipeInput('clicks', { key: 'a', value: { page: '/boom' } });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProcessingError);
    expect((err as ProcessingError).where).toEqual({ processor: 'failing', topic: 'clicks', partition: 0, offset: '0' });
    expect((err as ProcessingError).retriable).toBe(false);
  });

  it("'dead-letter' undoes the record's partial writes and forwards, and dead-letters it", () => {
    const driver = new ProcessorTestDriver(failing('dead-letter'));
    driver.pipeInput('clicks', { key: 'a', value: { page: '/boom' } });
    expect(driver.store('byUser').get('a')).toBeUndefined();
    expect(driver.readOutput('counts')).toEqual([]);
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual(['processing failed: boom']);
  });
});
