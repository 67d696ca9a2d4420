import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport, type ReportData } from '../../sinks/report';
import { CHROMIUM, headlessChromium, pointsOf } from '../support/chromium';
import { decodePng } from '../unit/report/png';
import { emptyReport, HOSTILE, sampleReport } from '../unit/report/sample-data';

/**
 * The report in a real browser (Debian's headless Chromium): its script draws every chart from
 * the embedded data (data-points in the DOM after the script ran), nothing from the data turns
 * into markup, and the screenshot actually shows charts (a share of non-background pixels well
 * above an empty report's).
 */

const CHARTS = ['cluster-demand', 'user-demand', 'instances', 'queue-delay', 'model-error'];
let dir: string;

beforeAll(() => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)`);
  dir = mkdtempSync(join(tmpdir(), 'prm-report-browser-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function chromium(name: string, args: string[]): Promise<string> {
  return headlessChromium(dir, name, args);
}

function writeReport(name: string, data: ReportData): string {
  const path = join(dir, `${name}.html`);
  writeFileSync(path, renderReport(data, { title: `PRM run report ${HOSTILE}`, generatedAt: new Date('2026-11-28T10:00:00Z') }));
  return `file://${path}`;
}


/** Share of pixels that are neither the page background nor a card's white (within a small tolerance). */
function inkShare(png: Buffer): number {
  const { width, height, rgba } = decodePng(png);
  const distance = (x: number, y: number) => (x > y ? x - y : y - x); // not Math.abs: slow under jest
  const near = (i: number, rgb: number) =>
    distance(rgba[i]!, rgb >> 16) + distance(rgba[i + 1]!, (rgb >> 8) & 0xff) + distance(rgba[i + 2]!, rgb & 0xff) <= 6;
  let ink = 0;
  for (let i = 0; i < width * height * 4; i += 4) {
    if (!(near(i, 0xf1f5f9) || near(i, 0xffffff) || near(i, 0xf8fafc))) ink++;
  }
  return ink / (width * height);
}

describe('run report in headless Chromium', () => {
  it('draws every chart with its data points once the script ran', async () => {
    const data = sampleReport();
    const dom = await chromium('full', ['--dump-dom', writeReport('full', data)]);
    expect(dom).toContain('data-rendered="true"');
    expect(dom).not.toContain('data-error=');
    const charts = pointsOf(dom, 'data-chart');
    expect(charts.map(([name]) => name)).toEqual(CHARTS);
    for (const [name, points] of charts) expect([name, points !== null && points > 0]).toEqual([name, true]);
    const byName = new Map(charts);
    // One point per bucket and series that has one: p50, actual and executed over 120 buckets.
    expect(byName.get('cluster-demand')).toBe(3 * data.cluster.length);
    expect(byName.get('queue-delay')).toBe(3 * data.queueDelay.length);
    expect(byName.get('model-error')).toBe(data.predictionError.length);
    // A small multiple per user, each with its p50 and actual points.
    const users = pointsOf(dom, 'data-user');
    expect(users.map(([, points]) => points)).toEqual(data.users.map((u) => 2 * u.points.length));
    // Markers for the scale commands: a tooltip (SVG title) per command, text only.
    expect((dom.match(/<g class="marker">/g) ?? []).length).toBe(data.scaleCommands.length);
  }, 120_000);

  it('keeps hostile text from the data as text', async () => {
    const dom = await chromium('hostile', ['--dump-dom', writeReport('hostile', sampleReport())]);
    // The serialised DOM escapes text nodes; a parsed element would appear as a raw tag.
    expect(dom).not.toContain(HOSTILE);
    expect(dom).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(dom).toContain('data-user="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect((dom.match(/<script/g) ?? []).length).toBe(2); // the JSON and the chart script, nothing more
  }, 120_000);

  it('says "no data" for every chart of an empty run', async () => {
    const dom = await chromium('empty', ['--dump-dom', writeReport('empty', emptyReport())]);
    expect(pointsOf(dom, 'data-chart')).toEqual(CHARTS.map((name) => [name, 0]));
    expect((dom.match(/>no data</g) ?? []).length).toBe(CHARTS.length);
  }, 120_000);

  it('shows charts on the screenshot', async () => {
    const shot = async (name: string, data: ReportData) => {
      const png = join(dir, `${name}.png`);
      await chromium(`shot-${name}`, [`--screenshot=${png}`, '--window-size=1280,2400', writeReport(`shot-${name}`, data)]);
      return inkShare(readFileSync(png));
    };
    const full = await shot('full', sampleReport());
    const empty = await shot('empty', emptyReport());
    process.stderr.write(`report screenshot: ${(100 * full).toFixed(1)}% ink, empty report ${(100 * empty).toFixed(1)}%\n`);
    expect(full).toBeGreaterThan(0.06);
    expect(full).toBeGreaterThan(3 * empty);
  }, 180_000);
});
