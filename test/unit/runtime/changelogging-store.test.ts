import { ChangeLoggingStore } from '../../../streams/runtime/changelogging-store';
import { InMemoryKeyValueStore } from '../../../streams/runtime/store';

describe('ChangeLoggingStore', () => {
  it('logs the last value of each key written since the last commit, deletes of committed keys as tombstones', () => {
    const store = new ChangeLoggingStore(new InMemoryKeyValueStore<number>());
    store.put('b', 1);
    store.commit();
    store.put('a', 1);
    store.put('a', 2);
    store.delete('b');
    expect(store.changes()).toEqual([
      { key: 'a', value: 2 },
      { key: 'b', value: undefined },
    ]);
    store.commit();
    expect(store.changes()).toEqual([]);
    expect(store.get('a')).toBe(2);
  });

  it('owes nothing for a key created and deleted again since the last commit', () => {
    const store = new ChangeLoggingStore(new InMemoryKeyValueStore<number>());
    store.put('kept', 1);
    store.put('transient', 1);
    store.delete('transient');
    store.delete('never-there');
    expect(store.changes()).toEqual([{ key: 'kept', value: 1 }]);
  });

  it('rollback puts the store back as of the last commit', () => {
    const inner = new InMemoryKeyValueStore<number>();
    const store = new ChangeLoggingStore(inner);
    store.put('kept', 1);
    store.put('gone', 1);
    store.commit();
    store.put('kept', 5);
    store.delete('gone');
    store.put('new', 9);
    store.rollback();
    expect([...inner.entries()].sort()).toEqual([
      ['gone', 1],
      ['kept', 1],
    ]);
    expect(store.changes()).toEqual([]);
  });
});

describe('a store counting the entries its definition names', () => {
  it('keeps the count through puts that change an entry either way, deletes, and a rollback', () => {
    const isOdd = (v: number) => v % 2 === 1;
    const store = new ChangeLoggingStore(new InMemoryKeyValueStore<number>(isOdd));
    store.put('a', 1);
    store.put('b', 3);
    store.put('c', 4);
    store.delete('never-there');
    expect(store.counted).toBe(2);
    store.commit();
    store.put('a', 2); // counted -> not
    store.put('c', 5); // not -> counted
    store.put('b', 7); // counted -> counted
    store.delete('b');
    expect(store.counted).toBe(1);
    store.rollback();
    expect(store.counted).toBe(2);
    expect(store.counted).toBe([...store.entries()].filter(([, v]) => isOdd(v)).length);
    expect(new InMemoryKeyValueStore<number>().counted).toBe(0);
  });
});
