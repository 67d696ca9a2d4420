import { runPrm } from '../../support/run-prm';

describe('prm', () => {
  it('names the command that failed, and exits 1', async () => {
    const { code, stderr } = await runPrm('replay', '/nonexistent/trace.csv', '--format', 'alibaba-batch');
    expect(stderr).toBe("prm replay: ENOENT: no such file or directory, open '/nonexistent/trace.csv'\n");
    expect(code).toBe(1);
  });

  it('answers a usage error with the command usage, and exits 2', async () => {
    const { code, stderr } = await runPrm('replay', '/nonexistent/trace.csv', '--format', 'nonsense');
    expect(stderr).toMatch(/^prm replay: --format must be one of .*\n\nusage: prm replay /);
    expect(code).toBe(2);
  });

  it('refuses an unknown command with the list of commands', async () => {
    const { code, stderr } = await runPrm('nonsense');
    expect(stderr).toMatch(/^prm: unknown command 'nonsense'\n\nusage: prm <command>/);
    expect(code).toBe(2);
  });
});
