import { hoppingWindows, isWindowClosed, slidingWindows, tumblingWindows, windowedKey } from '../../../streams/runtime/windows';

describe('window helpers', () => {
  it('tumbling windows put each timestamp in exactly one epoch-aligned window', () => {
    const w = tumblingWindows(1000);
    expect(w.windowsFor(0)).toEqual([{ start: 0, end: 1000 }]);
    expect(w.windowsFor(999)).toEqual([{ start: 0, end: 1000 }]);
    expect(w.windowsFor(1000)).toEqual([{ start: 1000, end: 2000 }]);
  });

  it('hopping windows put a timestamp in size/advance overlapping windows, earliest first', () => {
    const w = hoppingWindows(1000, 250);
    expect(w.windowsFor(1100)).toEqual([
      { start: 250, end: 1250 },
      { start: 500, end: 1500 },
      { start: 750, end: 1750 },
      { start: 1000, end: 2000 },
    ]);
    for (const win of w.windowsFor(1100)) expect(1100 >= win.start && 1100 < win.end).toBe(true);
  });

  it('hopping windows refuse gaps and bad sizes', () => {
    expect(() => hoppingWindows(100, 200)).toThrow(/gaps/);
    expect(() => tumblingWindows(0)).toThrow(RangeError);
    expect(() => slidingWindows(Number.NaN)).toThrow(RangeError);
  });

  it('a sliding window ends just after its record and spans size ms back', () => {
    expect(slidingWindows(100).windowsFor(500)).toEqual([{ start: 401, end: 501 }]);
  });

  it('a window closes when the watermark reaches its end', () => {
    const w = { start: 0, end: 1000 };
    expect(isWindowClosed(w, 999)).toBe(false);
    expect(isWindowClosed(w, 1000)).toBe(true);
    expect(windowedKey('u1', w)).toBe('u1@0');
  });
});
