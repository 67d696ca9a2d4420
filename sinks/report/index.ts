import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../database';
import { renderReport } from './html';
import { loadReportData } from './queries';
import { summarizeReport } from './summary';
import type { ReportData, ReportScope } from './types';

/** The report of one run: read from the history database, written as HTML and JSON, summarised for the terminal. */
export { loadReportData, bucketWidthMs, runIdPattern } from './queries';
export { renderReport, escapeHtml, type ReportMeta } from './html';
export { summarizeReport } from './summary';
export type * from './types';

export interface WrittenReport {
  /** outDir/report.html; outDir/report.json holds `data`. */
  htmlPath: string;
  jsonPath: string;
  summary: string;
  data: ReportData;
}

/**
 * Reads the run's report data and writes outDir/report.html and outDir/report.json (creating
 * outDir). `meta` titles the page (default "PRM run <run id>") and adds note lines under it.
 */
export async function writeRunReport(
  db: Queryable,
  scope: ReportScope,
  outDir: string,
  meta: { title?: string; notes?: string[] } = {},
): Promise<WrittenReport> {
  const data = await loadReportData(db, scope);
  await mkdir(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  const jsonPath = join(outDir, 'report.json');
  await writeFile(htmlPath, renderReport(data, { title: meta.title ?? `PRM run ${scope.runId}`, notes: meta.notes, generatedAt: new Date() }));
  await writeFile(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
  return { htmlPath, jsonPath, summary: summarizeReport(data), data };
}
