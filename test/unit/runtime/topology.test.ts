import { TopologyError } from '../../../streams/runtime/errors';
import { jsonSerde } from '../../../streams/runtime/serde';
import { buildTopology, changelogTopic, defineProcessor, describeTopology, keyValueStore, topic } from '../../../streams/runtime/topology';

const input = topic('t.in', jsonSerde<number>());
const output = topic('t.out', jsonSerde<number>());

function counter(name = 'counter') {
  return defineProcessor({
    name,
    inputs: { input },
    outputs: { output },
    stores: { counts: keyValueStore(jsonSerde<number>()) },
    process() {},
  });
}

describe('topology validation', () => {
  it('names changelogs <app>.<processor>.<store>.changelog and describes the flow', () => {
    const t = buildTopology('app', [counter()]);
    expect(changelogTopic('app', 'counter', 'counts')).toBe('app.counter.counts.changelog');
    expect(describeTopology(t)).toContain('app.counter.counts.changelog');
    expect(describeTopology(t)).toContain('<- t.in (input)');
  });

  it('refuses duplicate processors, missing inputs, own-input outputs and bad names', () => {
    expect(() => buildTopology('app', [counter(), counter()])).toThrow(/two processors/);
    expect(() => defineProcessor({ name: 'p', inputs: {}, outputs: {}, stores: {}, process() {} })).toThrow(/no input/);
    expect(() => defineProcessor({ name: 'p', inputs: { input }, outputs: { input }, stores: {}, process() {} })).toThrow(/own input/);
    expect(() => defineProcessor({ name: 'p q', inputs: { input }, outputs: {}, stores: {}, process() {} })).toThrow(TopologyError);
    expect(() => defineProcessor({ name: 'p', inputs: { input }, outputs: {}, stores: { __x: keyValueStore(jsonSerde()) }, process() {} })).toThrow(/store name/);
    expect(() => buildTopology('bad app', [counter()])).toThrow(/application id/);
  });

  it('refuses an undeclared side output and negative lateness', () => {
    expect(() =>
      defineProcessor({
        name: 'p',
        inputs: { input },
        outputs: {},
        stores: {},
        eventTime: { allowedLatenessMs: 0, lateRecords: { sideOutput: 'late' as never } },
        process() {},
      }),
    ).toThrow(/side output 'late'/);
    expect(() => defineProcessor({ name: 'p', inputs: { input }, outputs: {}, stores: {}, eventTime: { allowedLatenessMs: -1 }, process() {} })).toThrow(/allowedLatenessMs/);
  });
});
