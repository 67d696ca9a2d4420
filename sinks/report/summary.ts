import { MEMORY_MARGIN } from '../../streams/processors/scheduler';
import { clock, duration, fixed, percent, stamp, table } from './format';
import type { ReportData } from './types';

const MAX_SCALE_LINES = 12;

/** The run report for a terminal: totals, queue delay by tier, error by model version, scale actions. */
export function summarizeReport(data: ReportData): string {
  const { scope, totals: t } = data;
  const lines: string[] = [
    `Run ${scope.runId} on pool ${scope.pool}: ${stamp(scope.from)} .. ${clock(scope.to)} UTC (${duration(scope.to - scope.from)})`,
    '',
    ...table(
      [
        ['requests', String(t.requests), 'users', String(t.users)],
        ['predictions', String(t.predictions), 'dispatches', `${t.dispatches} (${t.retries} retries)`],
        ['executions', String(t.telemetry), 'failed', String(t.failedExecutions)],
        ['instance-hours', fixed(t.instanceHours, 3), 'peak instances', t.peakInstances === null ? '–' : String(t.peakInstances)],
        ['CPU / memory in use', `${percent(t.meanCpuUtilization)} / ${percent(t.meanMemoryUtilization)}`, 'reserved by jobs', percent(t.meanReservedFraction)],
        ['scale out / in', `${t.scaleOuts} / ${t.scaleIns}`, 'metrics samples', String(t.metricsSamples)],
        ['CPU MAE (p50, combined)', t.maeCpuMsP50 === null ? '–' : `${fixed(t.maeCpuMsP50)} ms`, 'p90 coverage', percent(t.coverageP90)],
        ['dispatch to start p50 / p95', `${duration(t.dispatchToStartMsP50)} / ${duration(t.dispatchToStartMsP95)}`, 'median run', duration(t.runMsP50)],
      ],
      [1, 3],
    ).map((line) => `  ${line}`),
    '',
    'Queue delay by tier',
  ];
  if (data.queueDelay.length === 0) lines.push('  no dispatches');
  else {
    lines.push(
      ...table(
        [
          ['tier', 'dispatches', 'mean', 'p50', 'p95', 'p99', 'max'],
          ...data.queueDelay.map((d) => [d.tier, String(d.dispatches), duration(d.meanMs), duration(d.p50Ms), duration(d.p95Ms), duration(d.p99Ms), duration(d.maxMs)]),
        ],
        [1, 2, 3, 4, 5, 6],
      ).map((line) => `  ${line}`),
    );
  }
  lines.push('', `Prediction error by model version (in order of first use; mem fits: runs within its p90 memory x ${MEMORY_MARGIN}, the reservation)`);
  if (data.predictionError.length === 0) lines.push('  no executions with a prediction');
  else {
    lines.push(
      ...table(
        [
          ['model', 'version', 'samples', 'MAE p50', 'bias', 'p90 cover', 'mem fits', 'first seen'],
          ...data.predictionError.map((e) => [
            e.model, e.version, String(e.samples), `${fixed(e.maeCpuMsP50)} ms`, `${fixed(e.biasCpuMsP50)} ms`, percent(e.coverageP90), percent(e.memoryFitsReservation), clock(e.firstSeen),
          ]),
        ],
        [2, 3, 4, 5, 6],
      ).map((line) => `  ${line}`),
    );
  }
  lines.push('', `Scale commands (${data.scaleCommands.length})`);
  if (data.scaleCommands.length === 0) lines.push('  none');
  else {
    const shown = data.scaleCommands.slice(0, MAX_SCALE_LINES);
    lines.push(
      ...table(
        shown.map((c) => [clock(c.t), c.action, sizeChange(c.targetInstances, c.deltaInstances, c.action), oneLine(c.reason)]),
      ).map((line) => `  ${line}`),
    );
    if (data.scaleCommands.length > shown.length) lines.push(`  ... and ${data.scaleCommands.length - shown.length} more (see the HTML report)`);
  }
  return lines.join('\n');
}

/** "to 4" for a target size, "+2" / "-1" for a delta (the action gives the sign). */
export function sizeChange(target: number | null, delta: number | null, action: string): string {
  if (target !== null) return `to ${target}`;
  if (delta !== null) return `${action === 'SCALE_IN' ? '-' : '+'}${delta}`;
  return '';
}

/** Control characters in a reason would garble the terminal. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
