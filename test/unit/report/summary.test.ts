import { sizeChange, summarizeReport } from '../../../sinks/report/summary';
import { emptyReport, HOSTILE, sampleReport } from './sample-data';

describe('summarizeReport', () => {
  const lines = summarizeReport(sampleReport()).split('\n');
  const section = (title: string) => {
    const start = lines.findIndex((l) => l.startsWith(title));
    const end = lines.findIndex((l, i) => i > start && l === '');
    return lines.slice(start + 1, end < 0 ? undefined : end);
  };

  it('heads with the run, pool and window', () => {
    expect(lines[0]).toBe('Run run-2026-11-28 on pool replay-pool-1: 2026-11-28 08:00:00 .. 10:00:00 UTC (2 h)');
  });

  it('gives the totals as aligned pairs', () => {
    const totals = lines.slice(2, 10);
    expect(totals[0]).toMatch(/^ {2}requests\s+4218 {2}users\s+37$/);
    expect(totals[3]).toMatch(/^ {2}instance-hours\s+11\.420 {2}peak instances\s+6$/);
    expect(totals[4]).toMatch(/^ {2}CPU \/ memory in use\s+63\.4% \/ 41\.2% {2}reserved by jobs\s+87\.1%$/);
    expect(totals[5]).toMatch(/^ {2}scale out \/ in\s+7 \/ 5 {2}metrics samples\s+720$/);
    expect(totals[6]).toMatch(/CPU MAE \(p50, combined\)\s+182\.4 ms {2}p90 coverage\s+87\.0%$/);
    expect(totals[7]).toMatch(/^ {2}dispatch to start p50 \/ p95\s+850 ms \/ 4\.2 s {2}median run\s+5\.3 s$/);
    const secondLabels = ['users', 'dispatches', 'failed', 'peak instances', 'reserved by jobs', 'metrics samples', 'p90 coverage', 'median run'];
    expect(new Set(totals.map((l, i) => l.indexOf(secondLabels[i] ?? '?'))).size).toBe(1);
  });

  it('lists queue delay by tier in one right-aligned table', () => {
    const rows = section('Queue delay by tier');
    expect(rows.map((r) => r.trim().split(/\s{2,}/))).toEqual([
      ['tier', 'dispatches', 'mean', 'p50', 'p95', 'p99', 'max'],
      ['ENTERPRISE', '410', '120 ms', '80 ms', '400 ms', '900 ms', '1.5 s'],
      ['PREMIUM', '980', '260 ms', '150 ms', '900 ms', '1.8 s', '3.2 s'],
      ['STANDARD', '1850', '700 ms', '420 ms', '2.6 s', '4.1 s', '9 s'],
      ['FREE', '959', '1.9 s', '1.1 s', '6.2 s', '9.8 s', '15 s'],
    ]);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
  });

  it('lists prediction error per model version in order of first use', () => {
    const rows = section('Prediction error by model version');
    expect(rows.slice(1).map((r) => r.trim().split(/\s{2,}/).slice(0, 7))).toEqual([
      ['code-ridge', 'v1', '4190', '310.0 ms', '-40.0 ms', '78.0%', '61.0%'],
      ['combined', 'code-ridge@v1 + profile-ewma@v1', '2100', '210.0 ms', '25.0 ms', '85.0%', '97.0%'],
      ['profile-ewma', 'v1', '2100', '240.0 ms', '60.0 ms', '83.0%', '95.0%'],
      ['combined', 'code-ridge@v1 + profile-ewma@v2', '2090', '160.0 ms', '10.0 ms', '90.0%', '98.0%'],
      ['profile-ewma', 'v2', '2090', '170.0 ms', '12.0 ms', '89.0%', '96.0%'],
    ]);
    expect(rows[4]).toMatch(/09:00:00$/);
  });

  it('lists scale commands with their size and reason', () => {
    const rows = section('Scale commands (5)');
    expect(rows.map((r) => r.trim().split(/\s{2,}/))).toEqual([
      ['08:05:00', 'SCALE_OUT', 'to 4', 'FORECAST_DEMAND'],
      ['08:18:00', 'SCALE_OUT', '+2', HOSTILE],
      ['08:47:00', 'SCALE_IN', '-2', 'IDLE_CAPACITY'],
      ['09:10:00', 'SCALE_OUT', 'to 6', 'FORECAST_DEMAND'],
      ['09:45:00', 'SCALE_IN', 'to 2', 'IDLE_CAPACITY'],
    ]);
  });

  it('keeps reasons on one line and elides long command lists', () => {
    const data = sampleReport();
    const command = { ...data.scaleCommands[0]!, reason: 'line one\nline two\u001b[31m' };
    const text = summarizeReport({ ...data, scaleCommands: Array.from({ length: 15 }, () => command) });
    expect(text).toContain('Scale commands (15)');
    expect(text).toContain('line one line two [31m');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('  ... and 3 more (see the HTML report)');
  });

  it('says so when a run has nothing', () => {
    const text = summarizeReport(emptyReport());
    expect(text).toContain('  no dispatches');
    expect(text).toContain('  no executions with a prediction');
    expect(text).toContain('Scale commands (0)\n  none');
    expect(text).toMatch(/CPU \/ memory in use\s+– \/ – {2}reserved by jobs\s+–$/m);
    expect(text).toMatch(/dispatch to start p50 \/ p95\s+– \/ – {2}median run\s+–$/m);
  });
});

describe('sizeChange', () => {
  it('shows a target, or a signed delta', () => {
    expect(sizeChange(4, null, 'SCALE_OUT')).toBe('to 4');
    expect(sizeChange(null, 2, 'SCALE_OUT')).toBe('+2');
    expect(sizeChange(null, 1, 'SCALE_IN')).toBe('-1');
  });
});
