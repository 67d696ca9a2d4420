import { chartsWithData, escapeHtml, jsonForScript, renderReport } from '../../../sinks/report/html';
import { emptyReport, HOSTILE, sampleReport } from './sample-data';

const CHARTS = ['cluster-demand', 'user-demand', 'instances', 'queue-delay', 'model-error'];
const meta = { title: `Run ${HOSTILE}`, generatedAt: new Date('2026-11-28T10:00:00Z'), notes: ['replayed <i>trace</i>'] };

function chartTags(html: string): string[] {
  return [...html.matchAll(/<div class="chart" data-chart="[^"]*"[^>]*>/g)].map((m) => m[0]);
}

function embeddedJson(html: string): unknown {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1] ?? '');
}

describe('renderReport', () => {
  const data = sampleReport();
  const html = renderReport(data, meta);

  it('is one file: five charts to draw, the data as JSON, one inline script, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(chartTags(html)).toEqual(CHARTS.map((name) => `<div class="chart" data-chart="${name}">`));
    expect(embeddedJson(html)).toEqual(JSON.parse(JSON.stringify(data)));
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')).not.toMatch(/https?:\/\//);
  });

  it('shows the totals and the tables without script', () => {
    expect(html).toContain('<div class="kpi-name">requests</div><div class="kpi-value">4218</div><div class="kpi-detail">37 users</div>');
    expect(html).toContain('<div class="kpi-value">11.42</div>');
    expect(html).toContain('<div class="kpi-name">dispatch to start</div><div class="kpi-value">p50 850 ms · p95 4.2 s</div><div class="kpi-detail">median run 5.3 s');
    expect(html).toContain('<td>FREE</td><td class="num">959</td><td class="num">1.9 s</td><td class="num">1.1 s</td><td class="num">6.2 s</td><td class="num">9.8 s</td><td class="num">15 s</td>');
    expect(html).toContain('<td>profile-ewma</td><td>v2</td><td class="num">2090</td><td class="num">170.0 ms</td>');
    expect(html).toContain('5 scale commands');
  });

  it('escapes every text from the data and the title', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>');
    expect(html).toContain('<title>Run &#60;script&#62;alert(1)&#60;/script&#62;</title>');
    expect(html).toContain('<td>&#60;script&#62;alert(1)&#60;/script&#62;</td>'); // the user, and the scale reason
    expect(html).toContain('<td>queue &#60;b&#62;growing&#60;/b&#62; &#38; &#34;quoted&#34;</td>');
    expect(html).toContain('<p class="sub">replayed &#60;i&#62;trace&#60;/i&#62;</p>');
    // The JSON keeps the text exactly, with no '<' that could close the script element.
    const json = /id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(json).not.toContain('<');
    expect(json).toContain('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
  });

  it('says "no data" for each chart of an empty run, with data-points="0"', () => {
    const empty = renderReport(emptyReport(), meta);
    expect(chartTags(empty)).toEqual(CHARTS.map((name) => `<div class="chart" data-chart="${name}" data-points="0">`));
    expect(empty.match(/<p class="empty">no data<\/p>/g)).toHaveLength(5);
    expect(empty).toContain('No scale commands in the window.');
  });

  it('marks only the charts whose data is missing', () => {
    const partial = { ...sampleReport(), queueDelay: [], users: sampleReport().users.map((u) => ({ ...u, points: [] })) };
    expect(chartsWithData(partial)).toEqual({ 'cluster-demand': true, 'user-demand': false, instances: true, 'queue-delay': false, 'model-error': true });
    const onlyPool = { ...emptyReport(), cluster: emptyReport().cluster.map((p, i) => ({ ...p, instancesRunning: i === 3 ? 2 : null })) };
    expect(chartsWithData(onlyPool)).toMatchObject({ 'cluster-demand': false, instances: true });
  });
});

describe('escaping helpers', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`a<b>&"c'`)).toBe('a&#60;b&#62;&#38;&#34;c&#39;');
  });

  it('writes JSON a script element cannot be closed by, and that parses back unchanged', () => {
    const value = { text: '</script><!-- & \u2028 \u2029 >' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
