import { RecordUndoLog } from '../../../streams/runtime/record-undo';
import { InMemoryKeyValueStore } from '../../../streams/runtime/store';

function contents<V>(store: InMemoryKeyValueStore<V>): [string, V][] {
  return [...store.entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe('RecordUndoLog', () => {
  it('rollback puts every store back as it was before the record, a key written twice included', () => {
    const counts = new InMemoryKeyValueStore<number>();
    const names = new InMemoryKeyValueStore<string>();
    counts.put('a', 1);
    counts.put('gone', 7);
    names.put('x', 'before');
    const log = new RecordUndoLog();
    const c = log.track(counts);
    const n = log.track(names);

    c.put('a', 2);
    c.put('a', 3);
    c.put('new', 1);
    c.delete('gone');
    n.put('x', 'after');
    n.delete('x');
    n.put('y', 'created');
    log.rollback();

    expect(contents(counts)).toEqual([['a', 1], ['gone', 7]]);
    expect(contents(names)).toEqual([['x', 'before']]);
  });

  it('commit keeps the record\'s writes, and a later rollback undoes only what came after it', () => {
    const store = new InMemoryKeyValueStore<number>();
    const log = new RecordUndoLog();
    const s = log.track(store);
    s.put('a', 1);
    s.put('b', 1);
    log.commit();
    s.put('a', 2);
    s.delete('b');
    log.rollback();
    expect(contents(store)).toEqual([['a', 1], ['b', 1]]);
    // Emptied by the rollback: a second one changes nothing.
    store.put('c', 1);
    log.rollback();
    expect(contents(store)).toEqual([['a', 1], ['b', 1], ['c', 1]]);
  });

  it('reads through to the store it tracks', () => {
    const store = new InMemoryKeyValueStore<number>();
    store.put('a', 1);
    const s = new RecordUndoLog().track(store);
    expect(s.get('a')).toBe(1);
    expect(s.size).toBe(1);
    expect([...s.entries()]).toEqual([['a', 1]]);
  });
});
