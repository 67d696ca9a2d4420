import { runPrm } from '../../support/run-prm';

describe('prm verify flags', () => {
  // No stack and no KAFKA_BROKERS here: a check that looked for the stack first would report that instead.
  const saved = { ...process.env };
  beforeAll(() => {
    for (const name of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL']) delete process.env[name];
    process.env.PRM_STACK_DIR = '/nonexistent/prm-stack';
  });
  afterAll(() => (process.env = saved));

  it.each([
    [['faults', '--requests', '0'], '--requests must be an integer >= 1, got 0'],
    [['faults', '--speed', '1'], '--speed must be an integer >= 2, got 1'],
    [['soak', '--rate', '0'], '--rate must be positive, got 0'],
    [['soak', '--minutes', '0'], '--minutes must be positive, got 0'],
    [['exactly-once', '--records', '0'], '--records must be an integer >= 1, got 0'],
    [['restore', '--keys', '0'], '--keys must be an integer >= 1, got 0'],
  ])('%j is refused as a usage error before anything connects', async (argv, message) => {
    const { code, stderr } = await runPrm('verify', ...argv);
    expect(stderr).toContain(`prm verify: ${message}`);
    expect(code).toBe(2);
  });
});
