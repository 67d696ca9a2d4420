import { runPrm } from '../../support/run-prm';

// Each of these commands writes its file only at the end of its work (minutes of training for
// forecast-eval and estimate-eval): an unwritable path must be refused before the work starts.
describe('output files are checked before the work', () => {
  it.each([
    [['forecast-eval', '--trace', '/nonexistent/trace.csv', '--format', 'bitbrains', '--train-until', '2013-08-01T00:00:00Z', '--save-model', '/nonexistent/m.json'], '--save-model /nonexistent/m.json'],
    [['estimate-eval', '--json', '/nonexistent/e.json'], 'OUT /nonexistent/e.json'],
    [['analyze', '--json', '/nonexistent/program.js', '/nonexistent/a.json'], 'OUT /nonexistent/a.json'],
    [['execute', '--json', '/nonexistent/program.js', '/nonexistent/x.json'], 'OUT /nonexistent/x.json'],
  ])('%j', async (argv, label) => {
    const { code, stderr } = await runPrm(...argv);
    expect(stderr).toContain(`prm ${argv[0]}: ${label}: cannot be written: its directory '/nonexistent' does not exist`);
    expect(code).toBe(2);
  });
});
