import { jsonSerde, numberSerde } from '../../../streams/runtime/serde';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { InMemoryKeyValueStore } from '../../../streams/runtime/store';
import { type RuntimeEntry, Task } from '../../../streams/runtime/task';
import { TopologyError } from '../../../streams/runtime/errors';
import { defineProcessor, erase, keyValueStore, RUNTIME_STORE, topic } from '../../../streams/runtime/topology';
import { hoppingWindows, tumblingWindows, windowedKey } from '../../../streams/runtime/windows';

const events = topic('events', jsonSerde<{ n: number }>());
const totals = topic('window-totals', jsonSerde<{ key: string; start: number; end: number; sum: number }>());
const late = topic('events.late', jsonSerde<{ n: number }>());

/** Sums per key over tumbling windows, emitting each window once, when the watermark closes it. */
function windowedSum(options: { lateness: number; lateTo: 'dead-letter' | 'side'; windows?: ReturnType<typeof tumblingWindows> }) {
  const windows = options.windows ?? tumblingWindows(1000);
  return defineProcessor({
    name: 'windowed-sum',
    inputs: { events },
    outputs: { totals, late },
    stores: { sums: keyValueStore(numberSerde) },
    eventTime: { allowedLatenessMs: options.lateness, lateRecords: options.lateTo === 'side' ? { sideOutput: 'late' } : 'dead-letter' },
    process(ctx, record) {
      const key = record.key ?? '';
      for (const w of windows.windowsFor(record.timestamp)) {
        const wk = windowedKey(key, w);
        ctx.store('sums').put(wk, (ctx.store('sums').get(wk) ?? 0) + record.value.n);
        ctx.schedule({ name: 'close', key: wk, at: w.end });
      }
    },
    onTimer(ctx, timer) {
      const [key, start] = timer.key.split('@') as [string, string];
      const sum = ctx.store('sums').get(timer.key) ?? 0;
      ctx.store('sums').delete(timer.key);
      ctx.forward('totals', { key, value: { key, start: Number(start), end: timer.at, sum } });
    },
  });
}

describe('event time on the test driver', () => {
  it('stream time is the largest timestamp seen; the watermark trails it by the allowed lateness', () => {
    const driver = new ProcessorTestDriver(windowedSum({ lateness: 300, lateTo: 'dead-letter' }));
    expect(driver.streamTime()).toBe(-Infinity);
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 500 });
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 400 });
    expect(driver.streamTime()).toBe(500);
    expect(driver.watermark()).toBe(200);
  });

  it('emits a tumbling window once the watermark passes its end, including on-time stragglers', () => {
    const driver = new ProcessorTestDriver(windowedSum({ lateness: 300, lateTo: 'dead-letter' }));
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 100 });
    driver.pipeInput('events', { key: 'a', value: { n: 2 }, timestamp: 1100 });
    // Out of order but within the lateness: still counted in [0, 1000).
    driver.pipeInput('events', { key: 'a', value: { n: 4 }, timestamp: 900 });
    expect(driver.readOutput('totals')).toEqual([]);
    driver.pipeInput('events', { key: 'b', value: { n: 8 }, timestamp: 1300 });
    expect(driver.readOutput('totals').map((r) => r.value)).toEqual([{ key: 'a', start: 0, end: 1000, sum: 5 }]);
    expect(driver.store('sums').get('a@0')).toBeUndefined();
  });

  it('sends a record older than the watermark to the dead letters with the reason, uncounted', () => {
    const driver = new ProcessorTestDriver(windowedSum({ lateness: 100, lateTo: 'dead-letter' }));
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 2000 });
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 1899 });
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual([
      'late record: event time 1899 is before the watermark 1900 (stream time 2000, allowed lateness 100 ms)',
    ]);
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 1900 });
    expect(driver.readDeadLetters()).toEqual([]);
    // On time, and its window [1000, 2000) is still open: counted; the late one was not.
    expect(driver.store('sums').get('a@1000')).toBe(1);
    expect(driver.store('sums').get('a@2000')).toBe(1);
  });

  it('routes late records to a declared side output with the reason in a header', () => {
    const driver = new ProcessorTestDriver(windowedSum({ lateness: 0, lateTo: 'side' }));
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 2000 });
    driver.pipeInput('events', { key: 'a', value: { n: 7 }, timestamp: 10 });
    const side = driver.readRawOutput('late');
    expect(side).toHaveLength(1);
    expect(JSON.parse(side[0]!.value!.toString())).toEqual({ n: 7 });
    expect(side[0]!.headers['prm-late-reason']).toMatch(/event time 10 is before the watermark 2000/);
    expect(side[0]!.headers['prm-source']).toBe('events/0/1');
    expect(driver.readDeadLetters()).toEqual([]);
  });

  it('fires timers in event-time order, once, with the timer time as event time', () => {
    const driver = new ProcessorTestDriver(windowedSum({ lateness: 0, lateTo: 'dead-letter', windows: hoppingWindows(1000, 500) }));
    driver.pipeInput('events', { key: 'a', value: { n: 1 }, timestamp: 700 });
    driver.pipeInput('events', { key: 'a', value: { n: 10 }, timestamp: 1200 });
    driver.pipeInput('events', { key: 'a', value: { n: 100 }, timestamp: 5000 });
    const out = driver.readOutput('totals');
    expect(out.map((r) => [r.value!.start, r.value!.sum, r.timestamp])).toEqual([
      [0, 1, 1000],
      [500, 11, 1500],
      [1000, 10, 2000],
    ]);
    driver.pipeInput('events', { key: 'a', value: { n: 0 }, timestamp: 9000 });
    expect(driver.readOutput('totals').map((r) => [r.value!.start, r.value!.sum])).toEqual([
      [4500, 100],
      [5000, 100],
    ]);
  });

  it('a rescheduled timer fires only at its new time and a cancelled one never', () => {
    const ticks = topic('ticks', jsonSerde<{ op: 'schedule' | 'cancel'; at: number }>());
    const fired = topic('fired', jsonSerde<number>());
    const p = defineProcessor({
      name: 'timers',
      inputs: { ticks },
      outputs: { fired },
      stores: {},
      process(ctx, r) {
        if (r.value.op === 'schedule') ctx.schedule({ name: 't', key: r.key ?? '', at: r.value.at });
        else ctx.cancel('t', r.key ?? '');
      },
      onTimer(ctx, timer) {
        ctx.forward('fired', { key: timer.key, value: timer.at });
      },
    });
    const driver = new ProcessorTestDriver(p);
    driver.pipeInput('ticks', { key: 'x', value: { op: 'schedule', at: 100 }, timestamp: 0 });
    driver.pipeInput('ticks', { key: 'x', value: { op: 'schedule', at: 300 }, timestamp: 1 });
    driver.pipeInput('ticks', { key: 'y', value: { op: 'schedule', at: 200 }, timestamp: 2 });
    driver.pipeInput('ticks', { key: 'y', value: { op: 'cancel', at: 0 }, timestamp: 3 });
    driver.pipeInput('ticks', { key: 'z', value: { op: 'schedule', at: 10_000 }, timestamp: 150 });
    expect(driver.readOutput('fired')).toEqual([]);
    driver.pipeInput('ticks', { key: 'z', value: { op: 'schedule', at: 10_000 }, timestamp: 400 });
    expect(driver.readOutput('fired').map((r) => [r.key, r.value])).toEqual([['x', 300]]);
  });

  describe('with an allowed lateness that holds the watermark back for good', () => {
    const ticks = topic('ticks', jsonSerde<{ at: number }>());
    const timed = (allowedLatenessMs: number) => defineProcessor({
      name: 'timed',
      inputs: { ticks },
      outputs: {},
      stores: {},
      eventTime: { allowedLatenessMs },
      process(ctx, r) {
        ctx.schedule({ name: 't', key: r.key ?? '', at: r.value.at });
      },
      onTimer() {},
    });

    it('refuses a timer, which could never fire', () => {
      const driver = new ProcessorTestDriver(timed(Number.MAX_SAFE_INTEGER));
      expect(() => driver.pipeInput('ticks', { key: 'x', value: { at: 100 }, timestamp: 0 })).toThrow(TopologyError);
      expect(() => driver.pipeInput('ticks', { key: 'x', value: { at: 100 }, timestamp: 0 })).toThrow(/can never fire/);
    });

    it('deletes the timers an earlier runtime logged, and keeps them under a lateness that lets them fire', () => {
      const restored = () => new InMemoryKeyValueStore<RuntimeEntry>();
      const neverLate = restored();
      const bounded = restored();
      for (const store of [neverLate, bounded]) {
        store.put('timer\u0000t\u0000x', { kind: 'timer', name: 't', key: 'x', at: 100 });
        store.put('stream-time', { kind: 'stream-time', t: 50 });
      }
      new Task({ processor: erase(timed(Number.MAX_SAFE_INTEGER)), partition: 0, stores: new Map([[RUNTIME_STORE, neverLate]]) });
      new Task({ processor: erase(timed(1000)), partition: 0, stores: new Map([[RUNTIME_STORE, bounded]]) });
      expect([...neverLate.entries()].map(([, e]) => e.kind)).toEqual(['stream-time']);
      expect([...bounded.entries()].map(([, e]) => e.kind)).toEqual(['timer', 'stream-time']);
    });
  });

  it('takes event time from the record when the processor supplies an extractor, and dead-letters a bad one', () => {
    const stamped = topic('stamped', jsonSerde<{ at: number }>());
    const seen = topic('seen', jsonSerde<number>());
    const p = defineProcessor({
      name: 'stamped',
      inputs: { stamped },
      outputs: { seen },
      stores: {},
      eventTime: { allowedLatenessMs: 0, timestamp: (r) => r.value.at },
      process(ctx) {
        ctx.forward('seen', { key: null, value: ctx.eventTime });
      },
    });
    const driver = new ProcessorTestDriver(p);
    driver.pipeInput('stamped', { key: 'a', value: { at: 5000 }, timestamp: 1 });
    driver.pipeInput('stamped', { key: 'a', value: { at: Number.NaN }, timestamp: 2 });
    expect(driver.readOutput('seen').map((r) => [r.value, r.timestamp])).toEqual([[5000, 5000]]);
    expect(driver.streamTime()).toBe(5000);
    expect(driver.readDeadLetters().map((l) => l.reason)).toEqual([expect.stringMatching(/^invalid event time/)]);
  });
});
