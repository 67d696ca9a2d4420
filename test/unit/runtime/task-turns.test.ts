import { TaskTurns } from '../../../streams/runtime/kafka/task-turns';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TaskTurns', () => {
  it('runs one key\'s work in order, one at a time, while other keys run at once', async () => {
    const turns = new TaskTurns();
    const log: string[] = [];
    const gates = new Map<string, () => void>();
    const work = (name: string) => () => new Promise<void>((resolve) => {
      log.push(`start ${name}`);
      gates.set(name, () => { log.push(`end ${name}`); resolve(); });
    });
    const a1 = turns.run(0, work('a1'));
    const a2 = turns.run(0, work('a2'));
    const b1 = turns.run(1, work('b1'));
    await tick();
    expect(log).toEqual(['start a1', 'start b1']);
    expect(turns.busy).toBe(2);
    gates.get('b1')!();
    await b1;
    gates.get('a1')!();
    await a1;
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2']);
    gates.get('a2')!();
    await a2;
    expect(turns.busy).toBe(0);
  });

  it('passes a failure to its own caller and still runs the next work of the key', async () => {
    const turns = new TaskTurns();
    const failed = turns.run(3, () => Promise.reject(new Error('fenced')));
    let ran = false;
    const next = turns.run(3, async () => { ran = true; });
    await expect(failed).rejects.toThrow('fenced');
    await next;
    expect(ran).toBe(true);
    expect(turns.busy).toBe(0);
  });
});
