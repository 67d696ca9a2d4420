import { OutputChecker } from '../../../streams/runtime/verify/output-checker';

function produce(c: OutputChecker, keys: string[]) {
  keys.forEach((k, id) => c.produced(id, k));
}

describe('OutputChecker', () => {
  it('passes exactly-once output', () => {
    const c = new OutputChecker();
    produce(c, ['a', 'b', 'a']);
    c.output('a', 0, 1);
    c.output('b', 1, 1);
    c.output('a', 2, 2);
    expect(c.result()).toEqual({ produced: 3, lost: 0, duplicated: 0, unexpected: 0, keys: 2, wrongKeys: 0, finalCountsCorrect: true });
  });

  it('counts a lost input and flags its key', () => {
    const c = new OutputChecker();
    produce(c, ['a', 'a']);
    c.output('a', 0, 1);
    expect(c.result()).toMatchObject({ lost: 1, duplicated: 0, wrongKeys: 1, finalCountsCorrect: false });
  });

  it('counts a re-processed input as duplicated and its re-count as a wrong key', () => {
    const c = new OutputChecker();
    produce(c, ['a', 'a']);
    c.output('a', 0, 1);
    c.output('a', 0, 2);
    c.output('a', 1, 3);
    expect(c.result()).toMatchObject({ lost: 0, duplicated: 1, wrongKeys: 1, finalCountsCorrect: false });
  });

  it('flags state lost on failover even when every id appears once', () => {
    const c = new OutputChecker();
    produce(c, ['a', 'a']);
    c.output('a', 0, 1);
    c.output('a', 1, 1);
    expect(c.result()).toMatchObject({ lost: 0, duplicated: 0, finalCountsCorrect: false });
  });
});
