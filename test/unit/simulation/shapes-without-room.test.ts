import { bestFit } from '../../../models/scheduling/placement';
import { ShapesWithoutRoom } from '../../../models/simulation/shapes-without-room';

describe('ShapesWithoutRoom', () => {
  it('remembers a shape until room given back could hold it, and only then', () => {
    const bins = [{ freeCores: 2.5, freeMemory: 10 }, { freeCores: 2, freeMemory: 10 }];
    const shapes = new ShapesWithoutRoom();
    const key = ShapesWithoutRoom.key(2, 1, 3);
    const room = { parts: -1 };
    expect(bestFit(bins, 2, 1, 3, 8, 16, room)).toEqual([]);
    expect(room.parts).toBe(2); // one part in each bin
    shapes.add(key, 2, 1, 3, room.parts);
    expect(shapes.has(key)).toBe(true);
    // One core back on the first bin: still one part there, the shape stays.
    shapes.grow(bins[0]!, () => { bins[0]!.freeCores += 1; });
    expect(shapes.has(key)).toBe(true);
    // Another core: two parts there, three in all, so it must be tried again.
    shapes.grow(bins[0]!, () => { bins[0]!.freeCores += 1; });
    expect(shapes.has(key)).toBe(false);
    expect(bestFit(bins, 2, 1, 3, 8, 16)).toHaveLength(2);
  });

  it('counts an instance that gets ready, and ignores shapes that had room', () => {
    const shapes = new ShapesWithoutRoom();
    shapes.add('a', 4, 0, 2, 1);
    shapes.add('b', 4, 0, 2, 2); // enough room: not a shape without room
    expect(shapes.has('b')).toBe(false);
    shapes.added({ freeCores: 3, freeMemory: 0 });
    expect(shapes.has('a')).toBe(true);
    shapes.added({ freeCores: 8, freeMemory: 0 });
    expect(shapes.has('a')).toBe(false);
  });
});
