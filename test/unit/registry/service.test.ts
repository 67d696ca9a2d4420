import { MemoryLog } from './memory-log';

const record = (fields: object[]) => ({ schema: JSON.stringify({ type: 'record', name: 'Job', namespace: 'prm', fields: [{ name: 'id', type: 'string' }, ...fields] }) });

describe('RegistryService on a shared log', () => {
  it('lets only one of two racing, mutually incompatible registrations in, and refuses the other clearly', async () => {
    const log = new MemoryLog();
    const [a, b] = [log.instance().service, log.instance().service];
    await a.register('jobs-value', record([]));
    const results = await Promise.allSettled([
      a.register('jobs-value', record([{ name: 'tier', type: 'int', default: 0 }])),
      b.register('jobs-value', record([{ name: 'tier', type: 'string', default: '' }])),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 409, errorCode: 409, message: expect.stringMatching(/prm\.Job\.tier: type changed from int to string/) });
    expect(a.versions('jobs-value', false)).toEqual([1, 2]);
    expect(b.versions('jobs-value', false)).toEqual([1, 2]);
  });

  it('settles many concurrent new schemas from several instances to distinct consecutive ids that all agree', async () => {
    const log = new MemoryLog();
    const instances = [log.instance().service, log.instance().service, log.instance().service];
    const ids = await Promise.all(
      Array.from({ length: 4 }, (_, i) => instances.map((s, j) => s.register(`s${i}-value`, record([{ name: `f${i}_${j}`, type: 'int', default: j }])))).flat(),
    );
    // Twelve texts (all compatible: optional fields) racing on four subjects: every id once, 1..12.
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const s of instances) expect(s.subjects(false)).toEqual(['s0-value', 's1-value', 's2-value', 's3-value']);
    for (let i = 0; i < 4; i++) {
      expect(instances[0]!.versions(`s${i}-value`, false)).toEqual([1, 2, 3]);
      expect(instances[1]!.version(`s${i}-value`, 'latest')).toEqual(instances[2]!.version(`s${i}-value`, 'latest'));
    }
  });
});
