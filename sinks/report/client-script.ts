/**
 * The report's charts, drawn in the browser from the embedded JSON as SVG. Every text from the
 * data goes in through textContent or setAttribute, never markup, so it cannot inject anything.
 * Each chart element gets data-points = the number of data points it plotted: the browser test
 * reads that. Charts with nothing to plot come with the page as "no data" and data-points="0".
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = { predicted: '#2563eb', band: '#93c5fd', actual: '#ea580c', executed: '#475569', capacity: '#cbd5e1',
    forecast: '#7c3aed', instances: '#0f766e', booting: '#14b8a6', out: '#16a34a', in: '#dc2626' };
  var PALETTE = ['#2563eb', '#ea580c', '#0f766e', '#7c3aed', '#db2777', '#ca8a04', '#475569'];
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var scope = data.scope;

  function svg(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (parent) parent.appendChild(node);
    return node;
  }
  function label(parent, x, y, text, attrs) {
    var node = svg('text', Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = text;
    return node;
  }
  function tooltip(parent, text) {
    var node = svg('title', {}, parent);
    node.textContent = text;
  }
  function html(name, className, parent, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function finish(container, points) {
    container.setAttribute('data-points', String(points));
    if (points === 0) {
      container.textContent = '';
      html('p', 'empty', container, 'no data');
    }
    return points;
  }

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(0) + 'k';
    if (a >= 1e3) return (v / 1e3).toFixed(1) + 'k';
    if (a >= 100 || v === Math.round(v)) return String(Math.round(v));
    if (a >= 10) return v.toFixed(1);
    if (a >= 0.1) return v.toFixed(2);
    return v.toPrecision(2);
  }
  function clock(ms, seconds) {
    var iso = new Date(ms).toISOString();
    return seconds ? iso.slice(11, 19) : iso.slice(11, 16);
  }
  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * power;
  }
  function yScale(max, count) {
    var top = max > 0 ? max : 1;
    var step = niceStep(top, count);
    var ticks = [];
    for (var v = 0; v <= top + step * 1e-9; v += step) ticks.push(v);
    if (ticks[ticks.length - 1] < top) ticks.push(ticks[ticks.length - 1] + step);
    return { max: ticks[ticks.length - 1], ticks: ticks };
  }
  var TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map(function (s) { return s * 1000; });
  function timeTicks(from, to, count) {
    var step = TIME_STEPS.filter(function (s) { return (to - from) / s <= count; })[0] || 86400000;
    var ticks = [];
    for (var t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
    return { ticks: ticks, seconds: step < 60000 };
  }

  /**
   * A time-series chart. series: { name, color, values: [[t, y|null]], axis: 'left'|'right',
   * dash, step, fill, dots, lower (a band from lower to values) }; markers: { t, color, title }.
   */
  function timeChart(container, o) {
    var W = o.width || 1100, H = o.height || 340;
    var m = { top: 16, right: o.rightLabel ? 64 : 20, bottom: 44, left: 64 };
    var iw = W - m.left - m.right, ih = H - m.top - m.bottom;
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'plot', role: 'img' }, container);
    if (o.ariaLabel) root.setAttribute('aria-label', o.ariaLabel);
    function maxOf(axis) {
      var max = 0;
      o.series.forEach(function (s) {
        if ((s.axis || 'left') !== axis) return;
        s.values.forEach(function (p) { if (p[1] !== null && p[1] > max) max = p[1]; });
      });
      return max;
    }
    var left = yScale(maxOf('left'), o.yTicks || 5);
    var right = o.rightLabel ? yScale(maxOf('right'), o.yTicks || 5) : null;
    var x = function (t) { return m.left + ((t - o.from) / (o.to - o.from)) * iw; };
    var yl = function (v) { return m.top + ih - (v / left.max) * ih; };
    var yr = right ? function (v) { return m.top + ih - (v / right.max) * ih; } : yl;
    var g = svg('g', {}, root);
    left.ticks.forEach(function (v) {
      svg('line', { x1: m.left, x2: m.left + iw, y1: yl(v), y2: yl(v), class: 'grid' }, g);
      label(g, m.left - 8, yl(v) + 4, fmt(v), { class: 'tick', 'text-anchor': 'end' });
    });
    if (right) right.ticks.forEach(function (v) {
      label(g, m.left + iw + 8, yr(v) + 4, fmt(v), { class: 'tick', 'text-anchor': 'start' });
    });
    var tt = timeTicks(o.from, o.to, o.xTicks || 10);
    tt.ticks.forEach(function (t) {
      svg('line', { x1: x(t), x2: x(t), y1: m.top + ih, y2: m.top + ih + 5, class: 'axis' }, g);
      label(g, x(t), m.top + ih + 19, clock(t, tt.seconds), { class: 'tick', 'text-anchor': 'middle' });
    });
    svg('line', { x1: m.left, x2: m.left + iw, y1: m.top + ih, y2: m.top + ih, class: 'axis' }, g);
    label(g, m.left + iw / 2, H - 6, o.xLabel || 'time (UTC)', { class: 'axis-label', 'text-anchor': 'middle' });
    label(g, 0, 0, o.leftLabel, { class: 'axis-label', 'text-anchor': 'middle', transform: 'translate(14 ' + (m.top + ih / 2) + ') rotate(-90)' });
    if (right) label(g, 0, 0, o.rightLabel, { class: 'axis-label', 'text-anchor': 'middle', transform: 'translate(' + (W - 12) + ' ' + (m.top + ih / 2) + ') rotate(90)' });

    var points = 0;
    // A bucket's value is drawn at its middle (lines), or across it (steps).
    var half = (o.stepMs || 0) / 2;
    var xm = function (t) { return x(t + half); };
    function path(values, y, step) {
      var d = '', pen = false, prevY = 0;
      values.forEach(function (p) {
        if (p[1] === null) { pen = false; return; }
        var px = (step ? x(p[0]) : xm(p[0])).toFixed(1), py = y(p[1]).toFixed(1);
        if (!pen) d += 'M' + px + ' ' + py;
        else if (step) d += 'H' + px + 'V' + py;
        else d += 'L' + px + ' ' + py;
        pen = true; prevY = py;
      });
      if (step && pen && values.length) d += 'H' + x(values[values.length - 1][0] + (o.stepMs || 0)).toFixed(1) + 'V' + prevY;
      return d;
    }
    /** The stretches without a gap (null) of a series. */
    function runs(values) {
      var out = [], current = [];
      values.forEach(function (p) {
        if (p[1] === null) { if (current.length) out.push(current); current = []; } else current.push(p);
      });
      if (current.length) out.push(current);
      return out;
    }
    o.series.forEach(function (s) {
      var y = (s.axis || 'left') === 'right' ? yr : yl;
      var present = s.values.filter(function (p) { return p[1] !== null; });
      if (present.length === 0) return;
      if (s.lower) {
        var lower = s.lower.filter(function (p) { return p[1] !== null; });
        var d = 'M' + present.map(function (p) { return xm(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1); }).join('L') +
          'L' + lower.slice().reverse().map(function (p) { return xm(p[0]).toFixed(1) + ' ' + y(p[1]).toFixed(1); }).join('L') + 'Z';
        svg('path', { d: d, fill: s.color, 'fill-opacity': 0.35, stroke: 'none' }, g);
      } else if (s.fill) {
        runs(s.values).forEach(function (run) {
          svg('path', { d: path(run, y, s.step) + 'V' + y(0).toFixed(1) + 'H' + x(run[0][0]).toFixed(1) + 'Z', fill: s.color, 'fill-opacity': 0.45, stroke: 'none' }, g);
        });
      }
      if (!s.lower) {
        svg('path', { d: path(s.values, y, s.step), fill: 'none', stroke: s.fill ? 'none' : s.color, 'stroke-width': s.width || 2,
          'stroke-dasharray': s.dash || 'none', 'stroke-linejoin': 'round' }, g);
      }
      if (s.dots) present.forEach(function (p) {
        var dot = svg('circle', { cx: xm(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 3, fill: s.color }, g);
        tooltip(dot, s.name + ' at ' + clock(p[0], true) + ': ' + fmt(p[1]) + (o.unit ? ' ' + o.unit : ''));
      });
      points += present.length;
    });
    // Many commands would hide the lines under them: thinner, fainter markers then.
    var dense = (o.markers || []).length > 40, r = dense ? 4 : 6;
    (o.markers || []).forEach(function (mk) {
      var mx = x(mk.t);
      var mg = svg('g', { class: 'marker' }, g);
      svg('line', { x1: mx, x2: mx, y1: m.top, y2: m.top + ih, stroke: mk.color, 'stroke-width': dense ? 1 : 1.5,
        'stroke-opacity': dense ? 0.4 : 1, 'stroke-dasharray': dense ? 'none' : '4 3' }, mg);
      svg('path', { d: mk.up ? 'M' + (mx - r) + ' ' + (m.top + 10) + 'L' + mx + ' ' + m.top + 'L' + (mx + r) + ' ' + (m.top + 10) + 'Z'
                           : 'M' + (mx - r) + ' ' + m.top + 'L' + mx + ' ' + (m.top + 10) + 'L' + (mx + r) + ' ' + m.top + 'Z', fill: mk.color }, mg);
      svg('rect', { x: mx - r, y: m.top, width: 2 * r, height: ih, fill: 'transparent' }, mg);
      tooltip(mg, mk.title);
      points += 1;
    });
    return points;
  }

  function legend(container, items) {
    var box = html('div', 'legend', container);
    items.forEach(function (it) {
      var item = html('span', 'legend-item', box);
      var sw = html('span', 'swatch ' + (it.kind || 'line'), item);
      sw.style.setProperty('--c', it.color);
      html('span', '', item, it.name);
    });
  }

  function drawClusterDemand(container) {
    var c = data.cluster;
    var t = function (f) { return c.map(function (p) { return [p.t, f(p)]; }); };
    legend(container, [
      { name: 'predicted p50..p90', color: COLORS.band, kind: 'area' },
      { name: 'predicted p50', color: COLORS.predicted },
      { name: 'actual (same requests)', color: COLORS.actual },
      { name: 'executed (as run)', color: COLORS.executed, kind: 'dashed' },
    ]);
    var n = timeChart(container, {
      from: scope.from, to: scope.to, stepMs: scope.bucketMs, leftLabel: 'CPU cores', unit: 'cores', ariaLabel: 'cluster demand, predicted vs actual',
      series: [
        { name: 'predicted p90', color: COLORS.band, values: t(function (p) { return p.predictedP90Cores; }), lower: t(function (p) { return p.predictedP50Cores; }) },
        { name: 'predicted p50', color: COLORS.predicted, values: t(function (p) { return p.predictedP50Cores; }) },
        { name: 'actual', color: COLORS.actual, values: t(function (p) { return p.arrivedCores; }) },
        { name: 'executed', color: COLORS.executed, dash: '5 4', width: 1.5, values: t(function (p) { return p.executedCores; }) },
      ],
    });
    // The band is drawn from the p90 series: count its points once, as the p50 line's.
    return finish(container, n - c.length);
  }

  function drawUsers(container) {
    var total = 0;
    var shown = data.users.filter(function (u) { return u.points.length > 0; });
    legend(container, [
      { name: 'predicted p50..p90', color: COLORS.band, kind: 'area' },
      { name: 'predicted p50', color: COLORS.predicted },
      { name: 'actual', color: COLORS.actual },
    ]);
    var grid = html('div', 'multiples', container);
    shown.forEach(function (u, i) {
      var cell = html('div', 'multiple', grid);
      cell.setAttribute('data-user', u.userId);
      var head = html('div', 'multiple-head', cell);
      html('span', 'user', head, u.userId);
      html('span', 'muted', head, u.requests + ' req · MAE ' + fmt(u.maeCpuMsP50) + ' ms · p90 cover ' +
        (u.coverageP90 === null ? '–' : Math.round(u.coverageP90 * 100) + '%'));
      var v = function (f) { return u.points.map(function (p) { return [p.t, f(p)]; }); };
      var n = timeChart(cell, {
        width: 380, height: 220, from: scope.from, to: scope.to, stepMs: scope.userBucketMs, xTicks: 4, yTicks: 4, leftLabel: 'CPU ms / request', unit: 'ms',
        ariaLabel: 'predicted vs actual CPU of user ' + (i + 1),
        series: [
          { name: 'predicted p90', color: COLORS.band, values: v(function (p) { return p.predictedCpuMsP90; }), lower: v(function (p) { return p.predictedCpuMsP50; }) },
          { name: 'predicted p50', color: COLORS.predicted, dots: u.points.length < 30, values: v(function (p) { return p.predictedCpuMsP50; }) },
          { name: 'actual', color: COLORS.actual, dots: u.points.length < 30, values: v(function (p) { return p.actualCpuMs; }) },
        ],
      }) - u.points.length;
      cell.setAttribute('data-points', String(n));
      total += n;
    });
    return finish(container, total);
  }

  function drawInstances(container) {
    var c = data.cluster;
    var t = function (f) { return c.map(function (p) { return [p.t, f(p)]; }); };
    var hasForecast = c.some(function (p) { return p.forecastCores !== null; });
    var items = [
      { name: 'capacity (cores)', color: COLORS.capacity, kind: 'area' },
      { name: 'demand executed (cores)', color: COLORS.actual },
      { name: 'instances running', color: COLORS.instances },
      { name: 'instances booting', color: COLORS.booting, kind: 'dotted' },
    ];
    if (hasForecast) items.push({ name: 'forecast p50 (cores)', color: COLORS.forecast, kind: 'dashed' });
    items.push({ name: 'scale out', color: COLORS.out, kind: 'marker' }, { name: 'scale in', color: COLORS.in, kind: 'marker' });
    legend(container, items);
    var series = [
      { name: 'capacity', color: COLORS.capacity, fill: true, step: true, values: t(function (p) { return p.capacityCores; }) },
      { name: 'demand executed', color: COLORS.actual, values: t(function (p) { return p.executedCores; }) },
      { name: 'instances running', color: COLORS.instances, axis: 'right', step: true, width: 2.5, values: t(function (p) { return p.instancesRunning; }) },
      { name: 'instances booting', color: COLORS.booting, axis: 'right', step: true, dash: '2 3', values: t(function (p) { return p.instancesBooting; }) },
    ];
    if (hasForecast) series.push({ name: 'forecast p50', color: COLORS.forecast, dash: '6 4', values: t(function (p) { return p.forecastCores; }) });
    var markers = data.scaleCommands.map(function (s) {
      var size = s.targetInstances !== null ? 'to ' + s.targetInstances : (s.action === 'SCALE_IN' ? '-' : '+') + s.deltaInstances;
      return { t: s.t, up: s.action !== 'SCALE_IN', color: s.action === 'SCALE_IN' ? COLORS.in : COLORS.out,
        title: clock(s.t, true) + ' ' + s.action + ' ' + size + '\n' + s.reason + (s.explanation ? '\n' + s.explanation : '') };
    });
    return finish(container, timeChart(container, {
      from: scope.from, to: scope.to, stepMs: scope.bucketMs, leftLabel: 'CPU cores', rightLabel: 'instances', unit: '',
      ariaLabel: 'instances and demand over time with scale commands', series: series, markers: markers,
    }));
  }

  function drawQueueDelay(container) {
    var rows = data.queueDelay;
    var keys = [['p50Ms', 'p50', '#93c5fd'], ['p95Ms', 'p95', '#3b82f6'], ['p99Ms', 'p99', '#1e3a8a']];
    legend(container, keys.map(function (k) { return { name: k[1], color: k[2], kind: 'area' }; }));
    var W = 1100, H = 300, m = { top: 20, right: 20, bottom: 44, left: 64 };
    var iw = W - m.left - m.right, ih = H - m.top - m.bottom;
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'plot', role: 'img', 'aria-label': 'queue delay by tier' }, container);
    var max = 0;
    rows.forEach(function (r) { keys.forEach(function (k) { max = Math.max(max, r[k[0]]); }); });
    var ys = yScale(max, 5);
    var y = function (v) { return m.top + ih - (v / ys.max) * ih; };
    ys.ticks.forEach(function (v) {
      svg('line', { x1: m.left, x2: m.left + iw, y1: y(v), y2: y(v), class: 'grid' }, root);
      label(root, m.left - 8, y(v) + 4, fmt(v), { class: 'tick', 'text-anchor': 'end' });
    });
    svg('line', { x1: m.left, x2: m.left + iw, y1: m.top + ih, y2: m.top + ih, class: 'axis' }, root);
    label(root, 0, 0, 'queue delay (ms)', { class: 'axis-label', 'text-anchor': 'middle', transform: 'translate(14 ' + (m.top + ih / 2) + ') rotate(-90)' });
    label(root, m.left + iw / 2, H - 6, 'tier (dispatches)', { class: 'axis-label', 'text-anchor': 'middle' });
    var slot = iw / rows.length, bw = Math.min(56, (slot * 0.7) / keys.length);
    var points = 0;
    rows.forEach(function (r, i) {
      var cx = m.left + slot * i + slot / 2;
      keys.forEach(function (k, j) {
        var v = r[k[0]], bx = cx - (bw * keys.length) / 2 + j * bw;
        var bar = svg('rect', { x: bx + 2, y: y(v), width: bw - 4, height: Math.max(0.5, m.top + ih - y(v)), fill: k[2], rx: 2 }, root);
        tooltip(bar, r.tier + ' ' + k[1] + ': ' + fmt(v) + ' ms');
        label(root, bx + bw / 2, y(v) - 5, fmt(v), { class: 'value', 'text-anchor': 'middle' });
        points += 1;
      });
      label(root, cx, m.top + ih + 19, r.tier + ' (' + r.dispatches + ')', { class: 'tick', 'text-anchor': 'middle' });
    });
    return finish(container, points);
  }

  function drawModelError(container) {
    var rows = data.predictionError;
    var models = [];
    rows.forEach(function (r) { if (models.indexOf(r.model) < 0) models.push(r.model); });
    var colorOf = function (model) { return PALETTE[models.indexOf(model) % PALETTE.length]; };
    legend(container, models.map(function (name) { return { name: name, color: colorOf(name), kind: 'area' }; }));
    var rowH = 30, labelW = 330, infoW = 300;
    var W = 1100, m = { top: 10, right: 16, bottom: 40, left: labelW };
    var iw = W - m.left - m.right - infoW, H = m.top + m.bottom + rowH * rows.length;
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'plot', role: 'img', 'aria-label': 'CPU prediction error by model version' }, container);
    var xs = yScale(Math.max.apply(null, rows.map(function (r) { return r.maeCpuMsP50; })), 5);
    var x = function (v) { return m.left + (v / xs.max) * iw; };
    xs.ticks.forEach(function (v) {
      svg('line', { x1: x(v), x2: x(v), y1: m.top, y2: H - m.bottom, class: 'grid' }, root);
      label(root, x(v), H - m.bottom + 16, fmt(v), { class: 'tick', 'text-anchor': 'middle' });
    });
    label(root, m.left + iw / 2, H - 6, 'mean absolute error of the p50 (CPU ms)', { class: 'axis-label', 'text-anchor': 'middle' });
    rows.forEach(function (r, i) {
      var cy = m.top + i * rowH + rowH / 2;
      var name = label(root, m.left - 10, cy + 4, r.model + ' ' + r.version, { class: 'tick', 'text-anchor': 'end' });
      if ((r.model + r.version).length > 48) name.textContent = (r.model + ' ' + r.version).slice(0, 47) + '…';
      tooltip(name, r.model + ' ' + r.version);
      var bar = svg('rect', { x: m.left, y: cy - 10, width: Math.max(1, x(r.maeCpuMsP50) - m.left), height: 20, fill: colorOf(r.model), rx: 2 }, root);
      tooltip(bar, r.model + ' ' + r.version + ': MAE ' + fmt(r.maeCpuMsP50) + ' ms, bias ' + fmt(r.biasCpuMsP50) + ' ms, p90 coverage ' +
        Math.round(r.coverageP90 * 100) + '%, memory within the reservation ' + Math.round(r.memoryFitsReservation * 100) + '%, ' + r.samples +
        ' samples, first seen ' + clock(r.firstSeen, true));
      label(root, m.left + iw + 12, cy + 4, 'MAE ' + fmt(r.maeCpuMsP50) + ' ms · cover ' + Math.round(r.coverageP90 * 100) + '% · n=' + r.samples +
        ' · from ' + clock(r.firstSeen, true), { class: 'value' });
    });
    return finish(container, rows.length);
  }

  var draw = { 'cluster-demand': drawClusterDemand, 'user-demand': drawUsers, 'instances': drawInstances, 'queue-delay': drawQueueDelay, 'model-error': drawModelError };
  Array.prototype.forEach.call(document.querySelectorAll('[data-chart]'), function (container) {
    var fn = draw[container.getAttribute('data-chart')];
    // Charts without data were rendered as "no data" with the page.
    if (!fn || container.getAttribute('data-points') === '0') return;
    container.textContent = '';
    try {
      fn(container);
    } catch (error) {
      container.setAttribute('data-error', String(error && error.message));
      html('p', 'empty', container, 'chart failed: ' + (error && error.message));
    }
  });
  document.documentElement.setAttribute('data-rendered', 'true');
})();
`;
