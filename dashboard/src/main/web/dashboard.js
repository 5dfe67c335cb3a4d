// The dashboard page: reads the admin listener's /events stream (server-sent events: one "first"
// event, then a "sample" each second) and draws the handlers table, three SVG charts with a line
// per handler (so a route's versions, before and after a redeploy or beside a canary, are apart)
// and the deploy markers, the deploy list and the log tail. No library: the DOM and SVG only.
'use strict';

const WINDOW_MS = 3 * 60 * 1000;   // what the charts show
const MAX_LOG = 300;                // log lines kept on the page
const MAX_DEPLOYS = 100;            // deploy events kept
const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const SVG = 'http://www.w3.org/2000/svg';

const samples = [];                 // {time, handlers: {id: {rate, errors, p50, p99}}}
const seen = new Map();             // handler id -> {route, version, bundle}, for the lines and legend
const deploys = [];                 // the events, oldest first
let lastDeploySeq = 0;
let lastLogSeq = 0;
const colorOf = new Map();

const $ = id => document.getElementById(id);

// A charted handler's colour (by service id), chosen when it first appears: the first of the
// palette that no handler in the charts has, so that two versions of a route stand apart.
function color(id) {
  if (!colorOf.has(id)) {
    const used = new Set([...seen.keys()].filter(k => colorOf.has(k)).map(k => colorOf.get(k)));
    colorOf.set(id, COLORS.find(c => !used.has(c)) || COLORS[colorOf.size % COLORS.length]);
  }
  return colorOf.get(id);
}

function fmt(v, digits) {
  return v === null || v === undefined ? '-' : Number(v).toFixed(digits);
}

// The charted handlers' figures by service id: HTTP handlers on a route that serve (not FAILED,
// not SHADOWED) and have had a request, error rate in % of their requests.
function byHandler(handlers) {
  const out = {};
  for (const h of handlers) {
    if (h.kind !== 'http' || h.route === null || h.state === 'FAILED' || h.state === 'SHADOWED'
        || h.requests === 0) {
      continue;
    }
    seen.set(h.id, {route: h.route, version: h.version, bundle: h.bundle});
    color(h.id);
    out[h.id] = {
      rate: h.rate === undefined ? null : h.rate,
      errors: h.rate === undefined ? null : 100 * h.errorRate,
      p50: h.p50,
      p99: h.p99,
    };
  }
  return out;
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) {
    td.className = cls;
  }
  row.appendChild(td);
  return td;
}

function drawTable(s) {
  const body = document.querySelector('#handlers tbody');
  body.replaceChildren();
  const handlers = [...s.handlers].sort((a, b) => String(a.route).localeCompare(String(b.route)) || a.id - b.id);
  for (const h of handlers) {
    const tr = document.createElement('tr');
    tr.className = 'handler';
    tr.dataset.route = h.route;
    tr.dataset.id = h.id;
    const route = cell(tr, h.route === null ? '(none)' : h.route);
    if (seen.has(h.id)) { // charted: its line's colour
      route.style.borderLeft = '3px solid ' + color(h.id);
    }
    cell(tr, h.kind);
    cell(tr, h.bundle);
    cell(tr, h.version);
    cell(tr, h.id);
    const state = cell(tr, '');
    const badge = document.createElement('span');
    badge.className = 'state ' + h.state;
    badge.textContent = h.state;
    if (h.reason) {
      badge.title = h.reason;
    }
    state.appendChild(badge);
    cell(tr, h.requests, 'n requests');
    cell(tr, fmt(h.rate, 1), 'n rate');
    cell(tr, h.rate === undefined ? '-' : fmt(100 * h.errorRate, 1), 'n errors');
    cell(tr, h.inFlight, 'n');
    cell(tr, fmt(h.p50, 2), 'n');
    cell(tr, fmt(h.p99, 2), 'n');
    body.appendChild(tr);
  }
  $('vacant').textContent = s.vacant.length ? 'Waiting for a handler (grace): ' + s.vacant.join(', ') : '';
  $('connections').textContent = s.connections;
  $('count').textContent = s.handlers.length;
  const total = s.handlers.reduce((sum, h) => sum + (h.rate || 0), 0);
  $('rate').textContent = s.handlers.some(h => h.rate !== undefined) ? total.toFixed(1) : '-';
}

function el(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, v);
  }
  if (parent) {
    parent.appendChild(e);
  }
  return e;
}

// A rounded-up top for the y axis.
function ceiling(max) {
  if (!(max > 0)) {
    return 1;
  }
  const p = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= max) {
      return m * p;
    }
  }
  return 10 * p;
}

// One chart: a line per handler and field (p50 dashed), the deploy markers, time on x.
function drawChart(svg, fields, now) {
  const w = svg.clientWidth || 400;
  const h = svg.clientHeight || 170;
  const left = 40, right = 8, topPad = 14, bottom = 18;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.replaceChildren();
  // a minute at first, growing with the samples up to WINDOW_MS
  const span = Math.min(WINDOW_MS, Math.max(60000, samples.length ? now - samples[0].time : 0));
  const from = now - span;
  const x = t => left + (t - from) / span * (w - left - right);
  let max = 0;
  for (const s of samples) {
    for (const r of Object.values(s.handlers)) {
      for (const f of fields) {
        if (r[f] !== null && r[f] > max) {
          max = r[f];
        }
      }
    }
  }
  const ymax = ceiling(max);
  const y = v => h - bottom - v / ymax * (h - bottom - topPad);
  for (let i = 0; i <= 4; i++) {
    const v = ymax * i / 4;
    el('line', {class: 'grid', x1: left, x2: w - right, y1: y(v), y2: y(v)}, svg);
    el('text', {class: 'axis', x: left - 4, y: y(v) + 3, 'text-anchor': 'end'}, svg).textContent =
      v >= 100 ? v.toFixed(0) : v >= 1 ? +v.toFixed(1) : +v.toPrecision(2);
  }
  for (let t = Math.ceil(from / 30000) * 30000; t <= now; t += 30000) {
    const label = new Date(t).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit'});
    el('text', {class: 'axis', x: x(t), y: h - 4, 'text-anchor': 'middle'}, svg).textContent = label;
  }
  for (const id of shown()) {
    const h = seen.get(id);
    for (const f of fields) {
      let d = '';
      let pen = 'M';
      for (const s of samples) {
        const r = s.handlers[id];
        if (!r || r[f] === null || s.time < from) {
          pen = 'M';
          continue;
        }
        d += `${pen}${x(s.time).toFixed(1)},${y(r[f]).toFixed(1)}`;
        pen = 'L';
      }
      if (d) {
        el('path', {class: 'series ' + f, d, stroke: color(id), 'data-route': h.route, 'data-handler': id,
          'data-version': h.version}, svg);
      }
    }
  }
  // every change a line (its details on hover); redeploys and failures labelled, labels apart
  let labelEnd = -Infinity;
  for (const e of deploys) {
    if (e.time < from || !['registered', 'unregistered', 'redeployed', 'failed'].includes(e.kind)) {
      continue;
    }
    const g = el('g', {class: 'marker ' + e.kind, 'data-route': e.route}, svg);
    el('title', {}, g).textContent = `${e.kind} ${e.route} (service ${e.id}, ${e.bundle})`;
    el('line', {x1: x(e.time), x2: x(e.time), y1: topPad - 4, y2: h - bottom}, g);
    const label = e.kind === 'redeployed' ? 'redeploy ' + e.route : e.kind === 'failed' ? 'failed ' + e.route : '';
    if (label && x(e.time) > labelEnd) {
      const anchor = x(e.time) > w - 120 ? 'end' : 'start';
      el('text', {x: x(e.time) + (anchor === 'end' ? -3 : 3), y: topPad - 4, 'text-anchor': anchor}, g).textContent = label;
      labelEnd = x(e.time) + 6 * label.length;
    }
  }
}

function drawCharts() {
  const now = samples.length ? samples[samples.length - 1].time : Date.now();
  drawChart($('chart-rate'), ['rate'], now);
  drawChart($('chart-errors'), ['errors'], now);
  drawChart($('chart-latency'), ['p50', 'p99'], now);
  const legend = $('legend');
  legend.replaceChildren();
  for (const id of shown()) {
    const h = seen.get(id);
    const li = document.createElement('li');
    li.style.setProperty('--c', color(id));
    li.textContent = `${h.route} ${h.version} [${id}]`;
    li.title = h.bundle;
    legend.appendChild(li);
  }
}

// The handlers with figures in the charts' window, by route then service id.
function shown() {
  const ids = new Set();
  samples.forEach(s => Object.keys(s.handlers).forEach(id => ids.add(Number(id))));
  for (const id of seen.keys()) {
    if (!ids.has(id)) {
      seen.delete(id); // gone from the window: forgotten
    }
  }
  return [...ids].sort((a, b) => seen.get(a).route.localeCompare(seen.get(b).route) || a - b);
}

function addDeploys(list) {
  const ol = $('deploys');
  for (const e of list) {
    if (e.seq <= lastDeploySeq) {
      continue;
    }
    lastDeploySeq = e.seq;
    deploys.push(e);
    const li = document.createElement('li');
    li.className = e.kind;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = e.kind;
    li.append(new Date(e.time).toLocaleTimeString() + ' ', kind, ` ${e.route} (service ${e.id}, ${e.bundle})`);
    ol.prepend(li);
  }
  while (deploys.length > MAX_DEPLOYS) {
    deploys.shift();
    ol.lastChild.remove();
  }
}

function addLog(list) {
  const pre = $('log');
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  for (const l of list) {
    if (l.seq <= lastLogSeq) {
      continue;
    }
    lastLogSeq = l.seq;
    const span = document.createElement('span');
    span.className = l.level;
    span.textContent = l.line + '\n';
    pre.appendChild(span);
  }
  while (pre.childNodes.length > MAX_LOG) {
    pre.firstChild.remove();
  }
  if (atEnd) {
    pre.scrollTop = pre.scrollHeight;
  }
}

function take(s, first) {
  if (first) { // a new stream (or the server restarted): its history replaces the page's
    lastDeploySeq = 0;
    lastLogSeq = 0;
    deploys.length = 0;
    $('deploys').replaceChildren();
    $('log').replaceChildren();
  }
  if (!first) {
    samples.push({time: s.time, handlers: byHandler(s.handlers)});
    while (samples.length && samples[0].time < s.time - WINDOW_MS) {
      samples.shift();
    }
  }
  drawTable(s);
  addDeploys(s.deploys);
  addLog(s.log);
  drawCharts();
}

function connect() {
  const feed = new EventSource('/events');
  const status = $('feed');
  feed.addEventListener('first', m => {
    status.textContent = 'live';
    status.className = 'feed live';
    take(JSON.parse(m.data), true);
  });
  feed.addEventListener('sample', m => take(JSON.parse(m.data), false));
  feed.onerror = () => {
    status.textContent = 'reconnecting';
    status.className = 'feed connecting';
  };
}

window.addEventListener('resize', drawCharts);
connect();
