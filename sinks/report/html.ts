import { CLIENT_SCRIPT } from './client-script';
import { clock, duration, fixed, percent, stamp } from './format';
import { sizeChange } from './summary';
import type { ReportData } from './types';

export interface ReportMeta {
  title: string;
  generatedAt: Date;
  /** Free lines under the title (e.g. the workload replayed, the engine). */
  notes?: string[];
}

/**
 * The run report as one self-contained HTML file: no network access, the data embedded as JSON
 * and drawn by an inline script (charts) beside server-rendered tables (readable without script).
 */
export function renderReport(data: ReportData, meta: ReportMeta): string {
  const { scope, totals: t } = data;
  const kpis: Array<[string, string, string?]> = [
    ['requests', String(t.requests), `${t.users} users`],
    ['executions', String(t.telemetry), `${t.failedExecutions} failed, ${t.retries} retried`],
    ['instance-hours', fixed(t.instanceHours, 2), t.peakInstances === null ? undefined : `peak ${t.peakInstances} instances`],
    ['capacity in use', `CPU ${percent(t.meanCpuUtilization)} · memory ${percent(t.meanMemoryUtilization)}`, `reserved by jobs ${percent(t.meanReservedFraction)} (means over instance time, ${t.metricsSamples} samples)`],
    ['scale out / in', `${t.scaleOuts} / ${t.scaleIns}`, `${data.scaleCommands.length} commands`],
    ['CPU error (p50 MAE)', t.maeCpuMsP50 === null ? '–' : `${fixed(t.maeCpuMsP50)} ms`, `p90 coverage ${percent(t.coverageP90)}`],
    ['dispatch to start', `p50 ${duration(t.dispatchToStartMsP50)} · p95 ${duration(t.dispatchToStartMsP95)}`, `median run ${duration(t.runMsP50)} (a replay's pipeline delay, times its speed, holds rooms this much longer)`],
  ];
  const charts = chartsWithData(data);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
  <h1>${escapeHtml(meta.title)}</h1>
  <p class="sub">run <code>${escapeHtml(scope.runId)}</code> · pool <code>${escapeHtml(scope.pool)}</code> · ${escapeHtml(stamp(scope.from))} – ${escapeHtml(clock(scope.to))} UTC (${escapeHtml(duration(scope.to - scope.from))}) · generated ${escapeHtml(stamp(meta.generatedAt.getTime()))} UTC</p>
  ${(meta.notes ?? []).map((note) => `<p class="sub">${escapeHtml(note)}</p>`).join('\n  ')}
</header>
<section class="kpis">
${kpis.map(([name, value, detail]) => `  <div class="kpi"><div class="kpi-name">${escapeHtml(name)}</div><div class="kpi-value">${escapeHtml(value)}</div>${detail ? `<div class="kpi-detail">${escapeHtml(detail)}</div>` : ''}</div>`).join('\n')}
</section>

<section class="card">
  <h2>Cluster demand: predicted vs actual</h2>
  <p class="note">CPU of the requests submitted in each ${escapeHtml(duration(scope.bucketMs))} bucket, as cores (CPU ms ÷ bucket ms): the predictions' p50 and p90 against what those same requests used. The dashed line is CPU as executed, spread over each execution's run time.</p>
  ${chart('cluster-demand', charts)}
</section>

<section class="card">
  <h2>Predicted vs actual CPU, busiest users</h2>
  <p class="note">Mean CPU per request in ${escapeHtml(duration(scope.userBucketMs))} buckets of submission time, for the ${data.users.length} users with the most requests (an execution compared with the prediction the scheduler used).</p>
  ${chart('user-demand', charts)}
  ${usersTable(data)}
</section>

<section class="card">
  <h2>Instances vs demand, with scale commands</h2>
  <p class="note">Pool capacity and executed demand in cores (left axis), instances (right axis). Markers are scale commands: hover for the reason.</p>
  ${chart('instances', charts)}
  ${scaleTable(data)}
</section>

<section class="card">
  <h2>Queue delay by tier</h2>
  <p class="note">Time from submission to dispatch, per dispatch.</p>
  ${chart('queue-delay', charts)}
  ${queueTable(data)}
</section>

<section class="card">
  <h2>Prediction error by model version</h2>
  <p class="note">Each component model's own CPU estimate, and the combined prediction, against the execution's CPU, in the order versions were first used: a retrained model shows up as a new version.</p>
  ${chart('model-error', charts)}
  ${errorTable(data)}
</section>
<footer>PRM run report · data also in report.json</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

export type ChartName = 'cluster-demand' | 'user-demand' | 'instances' | 'queue-delay' | 'model-error';

/** Which charts have anything to draw; the others say "no data" (with data-points="0") and the script skips them. */
export function chartsWithData(data: ReportData): Record<ChartName, boolean> {
  return {
    'cluster-demand': data.cluster.some((p) => p.requests > 0 || p.executedCores > 0),
    'user-demand': data.users.some((u) => u.points.length > 0),
    instances: data.cluster.some((p) => p.instancesRunning !== null || p.executedCores > 0),
    'queue-delay': data.queueDelay.length > 0,
    'model-error': data.predictionError.length > 0,
  };
}

function chart(name: ChartName, charts: Record<ChartName, boolean>): string {
  return charts[name]
    ? `<div class="chart" data-chart="${name}"><p class="empty">drawing…</p></div>`
    : `<div class="chart" data-chart="${name}" data-points="0"><p class="empty">no data</p></div>`;
}

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON inside <script>: '<' escaped so no "</script>" or "<!--" in the data can end the element,
 * and U+2028/2029 escaped for older parsers. JSON.parse reads the escapes back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function tableHtml(head: string[], rows: string[][], numeric: number[]): string {
  const cell = (tag: string, text: string, c: number) => `<${tag}${numeric.includes(c) ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, c) => cell('th', h, c)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v, c) => cell('td', v, c)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function usersTable(data: ReportData): string {
  if (data.users.length === 0) return '';
  return tableHtml(
    ['user', 'requests', 'compared', 'CPU MAE (p50)', 'p90 coverage'],
    data.users.map((u) => [u.userId, String(u.requests), String(u.compared), u.maeCpuMsP50 === null ? '–' : `${fixed(u.maeCpuMsP50)} ms`, percent(u.coverageP90)]),
    [1, 2, 3, 4],
  );
}

const MAX_SCALE_ROWS = 50;

function scaleTable(data: ReportData): string {
  if (data.scaleCommands.length === 0) return '<p class="note">No scale commands in the window.</p>';
  const shown = data.scaleCommands.slice(0, MAX_SCALE_ROWS);
  const more = data.scaleCommands.length - shown.length;
  return `<details><summary>${data.scaleCommands.length} scale commands</summary>${tableHtml(
    ['time', 'action', 'size', 'effective by', 'reason', 'explanation'],
    shown.map((c) => [clock(c.t), c.action, sizeChange(c.targetInstances, c.deltaInstances, c.action), clock(c.effectiveBy), c.reason, c.explanation]),
    [],
  )}${more > 0 ? `<p class="note">… and ${more} more in report.json</p>` : ''}</details>`;
}

function queueTable(data: ReportData): string {
  if (data.queueDelay.length === 0) return '';
  return tableHtml(
    ['tier', 'dispatches', 'mean', 'p50', 'p95', 'p99', 'max'],
    data.queueDelay.map((d) => [d.tier, String(d.dispatches), duration(d.meanMs), duration(d.p50Ms), duration(d.p95Ms), duration(d.p99Ms), duration(d.maxMs)]),
    [1, 2, 3, 4, 5, 6],
  );
}

function errorTable(data: ReportData): string {
  if (data.predictionError.length === 0) return '';
  return tableHtml(
    ['model', 'version', 'samples', 'MAE (p50)', 'bias (p50)', 'p90 coverage', 'mean actual', 'memory fits', 'first seen'],
    data.predictionError.map((e) => [
      e.model, e.version, String(e.samples), `${fixed(e.maeCpuMsP50)} ms`, `${fixed(e.biasCpuMsP50)} ms`, percent(e.coverageP90), `${fixed(e.meanActualCpuMs)} ms`,
      percent(e.memoryFitsReservation), clock(e.firstSeen),
    ]),
    [2, 3, 4, 5, 6, 7],
  );
}

const STYLE = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f1f5f9; --card: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 40px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
.sub { color: var(--muted); margin: 2px 0; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #e2e8f0; padding: 1px 5px; border-radius: 4px; }
.kpis { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin: 18px 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi-name { color: var(--muted); font-size: 11.5px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; text-transform: uppercase; letter-spacing: .04em; }
.kpi-value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.kpi-detail { color: var(--muted); font-size: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 14px; margin: 0 0 16px; }
.card h2 { font-size: 16px; margin: 0 0 2px; }
.note { color: var(--muted); margin: 0 0 8px; font-size: 12.5px; }
.chart { min-height: 40px; }
.plot { width: 100%; height: auto; display: block; }
.plot .grid { stroke: #eef2f7; stroke-width: 1; }
.plot .axis { stroke: #94a3b8; stroke-width: 1; }
.plot .tick { fill: #475569; font-size: 11.5px; }
.plot .value { fill: #334155; font-size: 11.5px; }
.plot .axis-label { fill: #334155; font-size: 12px; font-weight: 600; }
.plot .marker:hover line { stroke-width: 3; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 4px 0 6px; font-size: 12.5px; color: #334155; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 18px; height: 0; border-top: 3px solid var(--c); }
.swatch.area { height: 10px; border: 0; background: var(--c); opacity: .7; border-radius: 2px; }
.swatch.dashed { border-top-style: dashed; }
.swatch.dotted { border-top-style: dotted; }
.swatch.marker { width: 0; height: 12px; border-top: 0; border-left: 2px dashed var(--c); }
.multiples { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px 14px; }
.multiple { border: 1px solid var(--line); border-radius: 8px; padding: 6px 6px 2px; }
.multiple-head { display: flex; flex-direction: column; font-size: 12.5px; padding: 0 4px; min-width: 0; }
.multiple-head .user { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.muted { color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.empty { color: var(--muted); font-style: italic; text-align: center; padding: 28px 0; margin: 0; background: #f8fafc; border-radius: 8px; }
table { border-collapse: collapse; width: 100%; margin-top: 10px; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
.num { text-align: right; }
details summary { cursor: pointer; color: #334155; margin-top: 8px; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin-top: 20px; }
`;
