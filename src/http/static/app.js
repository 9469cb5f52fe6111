// The weir dashboard: live weights, latency and errors per service from /api/events (SSE),
// and, when the server is `weir demo` (GET /api/demo answers), buttons to break backends.
import { drawChart } from '/charts.js';
import { fmtAgo, fmtMs, fmtPct, fmtRate, fmtWeight } from '/format.js';

const COLORS = ['#2563eb', '#f59e0b', '#10b981', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];
const KEEP_MS = 5 * 60_000;
// Each demo action and the backend condition it leads to (GET /api/demo reports conditions).
const ACTIONS = [
  { action: 'slow', condition: 'slow', label: 'Slow ×5', title: 'five times the service time' },
  { action: 'break', condition: 'broken', label: 'Break', title: '30% of calls fail' },
  { action: 'fail-fast', condition: 'failing', label: 'Fail fast', title: 'every call fails at once' },
  { action: 'heal', condition: 'healthy', label: 'Heal', title: 'back to its normal self' },
];

const state = {
  view: null,
  points: [],
  windowMs: 120_000,
  demo: null,
  filter: '',
  cards: new Map(),
  colors: new Map(),
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

// ---- data ----

function addPoint(point) {
  const last = state.points[state.points.length - 1];
  if (last && point.at <= last.at) return;
  state.points.push(point);
  const cutoff = point.at - KEEP_MS;
  while (state.points.length && state.points[0].at < cutoff) state.points.shift();
}

function colorFor(serviceId, address) {
  let byAddress = state.colors.get(serviceId);
  if (!byAddress) state.colors.set(serviceId, (byAddress = new Map()));
  if (!byAddress.has(address)) byAddress.set(address, COLORS[byAddress.size % COLORS.length]);
  return byAddress.get(address);
}

function demoBackendFor(address) {
  return state.demo?.backends.find((b) => b.address === address);
}

// ---- rendering ----

function badge(text, kind, title) {
  const b = h('span', { class: `badge badge-${kind}`, text });
  if (title) b.title = title;
  return b;
}

function buildCard(service) {
  const title = h('h2', {}, h('span', { class: 'svc-name', text: service.name }), h('span', { class: 'svc-ns', text: service.namespace }));
  const badges = h('div', { class: 'badges' });
  const meta = h('div', { class: 'meta muted' });
  const problems = h('ul', { class: 'problems' });
  const chart = (key, caption, hint) =>
    h('figure', { class: 'chart-box' }, h('figcaption', {}, h('span', { text: caption }), h('span', { class: 'muted hint', text: hint })), h('div', { class: 'chart', 'data-chart': key }));
  const charts = h(
    'div',
    { class: 'charts' },
    chart('share', 'Weight share', 'of the served total'),
    chart('latency', 'Latency', 'smoothed'),
    chart('errors', 'Error rate', 'smoothed'),
  );
  const headRow = h('tr');
  for (const [label, cls] of [
    ['Endpoint', ''],
    ['State', ''],
    ['Weight share', 'share-col'],
    ['Weight', 'num'],
    ['Latency', 'num'],
    ['Errors', 'num'],
    ['Requests', 'num'],
    ['Traffic', 'num demo-col'],
    ['Last change', ''],
    ['Demo controls', 'demo-col'],
  ]) {
    headRow.append(h('th', { class: cls, text: label }));
  }
  const tbody = h('tbody');
  const table = h('table', { class: 'endpoints' }, h('thead', {}, headRow), tbody);
  const root = h(
    'section',
    { class: 'card', 'data-service': service.id },
    h('div', { class: 'card-head' }, h('div', {}, title, meta), badges),
    problems,
    charts,
    h('div', { class: 'table-wrap' }, table),
  );
  return { root, badges, meta, problems, charts, tbody, rows: new Map() };
}

function buildRow(serviceId, address) {
  const swatch = h('span', { class: 'swatch' });
  swatch.style.background = colorFor(serviceId, address);
  const pod = h('div', { class: 'pod' });
  const addr = h('div', { class: 'addr muted' });
  const stateBadge = h('span', { class: 'state' });
  const fill = h('div', { class: 'fill' });
  fill.style.background = colorFor(serviceId, address);
  const pct = h('span', { class: 'pct' });
  const share = h('td', { class: 'share share-col' }, h('div', { class: 'bar' }, fill), pct);
  const cell = (cls) => h('td', { class: cls });
  const weight = cell('num weight');
  const latency = cell('num latency');
  const errors = cell('num errors');
  const rate = cell('num rate');
  const traffic = cell('num traffic demo-col');
  const reason = h('div', { class: 'reason-text' });
  const when = h('div', { class: 'when muted' });
  const controls = h('td', { class: 'controls demo-col' });
  const tr = h(
    'tr',
    { 'data-address': address },
    h('td', {}, h('div', { class: 'ep' }, swatch, h('div', {}, pod, addr))),
    h('td', {}, stateBadge),
    share,
    weight,
    latency,
    errors,
    rate,
    traffic,
    h('td', { class: 'reason' }, reason, when),
    controls,
  );
  return { tr, pod, addr, stateBadge, share, fill, pct, weight, latency, errors, rate, traffic, reason, when, controls, controlsFor: null };
}

function updateControls(row, backend) {
  const key = backend ? backend.name : null;
  if (row.controlsFor !== key) {
    row.controlsFor = key;
    row.controls.replaceChildren();
    if (backend) {
      for (const a of ACTIONS) {
        const b = h('button', { type: 'button', class: `act act-${a.action}`, 'data-action': a.action, 'data-condition': a.condition, 'data-backend': backend.name, title: a.title, text: a.label });
        b.addEventListener('click', () => void act(backend.name, a.action));
        row.controls.append(b);
      }
    }
  }
  for (const b of row.controls.querySelectorAll('button')) {
    // Highlight what is wrong with the backend; a healthy one needs no highlight.
    b.classList.toggle('active', backend !== undefined && backend.condition !== 'healthy' && b.dataset.condition === backend.condition);
  }
}

function updateRow(row, service, e, now) {
  row.tr.dataset.pod = e.pod;
  row.tr.dataset.state = e.state;
  row.pod.textContent = e.pod || e.address;
  row.addr.textContent = [e.pod ? e.address : '', e.zone].filter(Boolean).join(' · ') || '\u00a0';
  row.stateBadge.textContent = e.state;
  row.stateBadge.className = `state state-${e.state}`;
  row.share.dataset.share = String(e.share);
  row.fill.style.width = `${Math.max(0, Math.min(1, e.share)) * 100}%`;
  row.pct.textContent = fmtPct(e.share);
  row.weight.textContent = fmtWeight(e.weight);
  row.weight.title = service.mode === 'shadow' ? `computed ${e.weight}, served ${e.served}` : `served ${e.served}`;
  row.latency.textContent = fmtMs(e.signals.latencyMs);
  row.errors.textContent = fmtPct(e.signals.errorRatio);
  row.errors.classList.toggle('bad', (e.signals.errorRatio ?? 0) >= 0.05);
  row.rate.textContent = fmtRate(e.signals.requestRate);
  row.reason.textContent = e.reason || '–';
  row.when.textContent = fmtAgo(e.changedAt, now);
  const backend = demoBackendFor(e.address);
  row.traffic.textContent = backend && state.demo.load ? fmtPct(state.demo.load.shares[backend.name] ?? 0) : '–';
  row.traffic.title = 'share of the calls the demo client actually sent here (last 5 s)';
  updateControls(row, backend);
}

function updateCard(card, service, now) {
  card.badges.replaceChildren(
    ...(service.panic ? [badge('panic', 'panic', 'too many endpoints look degraded: equal weights (by capacity with a CPU signal; no more than it answers to a slow endpoint that queues)')] : []),
    badge(service.mode, service.mode === 'shadow' ? 'shadow' : 'mode', service.mode === 'shadow' ? 'computes weights, serves equal ones' : 'serves the computed weights'),
    ...(service.lbPolicy ? [badge(service.lbPolicy, 'plain', 'load-balancing policy')] : []),
    ...(service.metricsAvailable ? [] : [badge('no metrics', 'warn', 'no signal data this tick: weights hold, then drift to equal')]),
  );
  card.meta.textContent = [service.clusters.join(', '), `last change ${fmtAgo(service.changedAt, now)}`].filter(Boolean).join(' · ');
  card.problems.replaceChildren(...service.problems.map((p) => h('li', { class: `problem problem-${p.source}`, text: p.message })));
  card.problems.hidden = service.problems.length === 0;

  const seen = new Set();
  for (const e of service.endpoints) {
    seen.add(e.address);
    let row = card.rows.get(e.address);
    if (!row) {
      row = buildRow(service.id, e.address);
      card.rows.set(e.address, row);
    }
    card.tbody.append(row.tr); // keeps rows in the view's (address) order
    updateRow(row, service, e, now);
  }
  for (const [address, row] of card.rows) {
    if (!seen.has(address)) {
      row.tr.remove();
      card.rows.delete(address);
    }
  }
}

function seriesOf(serviceId, addresses, pick, labels) {
  return addresses.map((address) => ({
    key: address,
    label: labels.get(address) || address,
    color: colorFor(serviceId, address),
    values: state.points.map((p) => {
      const ep = p.services[serviceId]?.[address];
      return [p.at, ep ? pick(ep) : null];
    }),
  }));
}

function drawCharts(card, service) {
  if (!state.view) return;
  const now = state.view.at;
  const addresses = service.endpoints.map((e) => e.address);
  const labels = new Map(service.endpoints.map((e) => [e.address, e.pod]));
  const base = { now, windowMs: state.windowMs };
  const box = (key) => card.charts.querySelector(`[data-chart="${key}"]`);
  drawChart(box('share'), { ...base, stacked: true, yMax: 1, format: (v) => `${Math.round(v * 100)}%`, valueFormat: (v) => fmtPct(v), label: 'weight share', series: seriesOf(service.id, addresses, (ep) => ep.share, labels) });
  drawChart(box('latency'), { ...base, yMin: 10, format: (v) => (v >= 1000 ? `${+(v / 1000).toFixed(2)}s` : `${+v.toFixed(1)}`), valueFormat: fmtMs, label: 'latency, ms', series: seriesOf(service.id, addresses, (ep) => ep.latencyMs, labels) });
  drawChart(box('errors'), { ...base, yMin: 0.04, format: (v) => `${+(v * 100).toFixed(1)}%`, valueFormat: (v) => fmtPct(v), label: 'error rate', series: seriesOf(service.id, addresses, (ep) => ep.errorRatio, labels) });
}

function render({ charts }) {
  const view = state.view;
  const now = view?.at ?? Date.now();
  $('empty').hidden = Boolean(view && view.services.length > 0);
  $('filter').hidden = !view || view.services.length < 2;
  if (view?.at) $('tick').textContent = `last tick ${new Date(view.at).toLocaleTimeString()}`;
  document.body.classList.toggle('is-demo', Boolean(state.demo));
  const main = $('services');
  const seen = new Set();
  for (const service of view?.services ?? []) {
    seen.add(service.id);
    let card = state.cards.get(service.id);
    if (!card) {
      card = buildCard(service);
      state.cards.set(service.id, card);
    }
    main.append(card.root);
    // Hidden cards are not drawn: a large cluster's page stays responsive when filtered.
    card.root.hidden = state.filter !== '' && !service.id.toLowerCase().includes(state.filter);
    if (card.root.hidden) continue;
    updateCard(card, service, now);
    if (charts) drawCharts(card, service);
  }
  for (const [id, card] of state.cards) {
    if (!seen.has(id)) {
      card.root.remove();
      state.cards.delete(id);
    }
  }
}

// ---- live updates ----

function setConnected(ok) {
  const conn = $('conn');
  conn.textContent = ok ? 'live' : 'reconnecting…';
  conn.className = `conn ${ok ? 'conn-up' : 'conn-down'}`;
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => setConnected(true));
  events.addEventListener('error', () => setConnected(false));
  events.addEventListener('history', (msg) => {
    // Sent on every (re)connect: the server's history replaces ours, gaps included.
    state.points = JSON.parse(msg.data).points;
    render({ charts: true });
  });
  events.addEventListener('weights', (msg) => {
    state.view = JSON.parse(msg.data);
    render({ charts: false });
  });
  // The tick's point for the charts, as the server keeps it for its history.
  events.addEventListener('point', (msg) => {
    addPoint(JSON.parse(msg.data));
    render({ charts: true });
  });
}

// ---- demo ----

async function refreshDemo() {
  try {
    const res = await fetch('/api/demo', { cache: 'no-store' });
    if (!res.ok) return false;
    state.demo = await res.json();
  } catch {
    return Boolean(state.demo);
  }
  $('demo-badge').hidden = false;
  $('demo-panel').hidden = false;
  const load = state.demo.load;
  $('demo-rps').textContent = load ? `${Math.round(load.rps)} calls/s (${fmtPct(load.okRatio)} ok)` : 'a steady load';
  const links = state.demo.links ?? {};
  $('demo-links').replaceChildren(
    ...Object.entries(links).map(([name, value]) =>
      /^https?:/.test(value) ? h('a', { href: value, target: '_blank', rel: 'noreferrer', text: name }) : h('span', { class: 'muted', text: `${name} ${value}` }),
    ),
  );
  render({ charts: false });
  return true;
}

async function act(backend, action) {
  const res = await fetch('/api/demo/backends', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ backend, action }),
  });
  if (!res.ok) console.warn('demo action failed', await res.text());
  await refreshDemo();
}

async function startDemo() {
  if (!(await refreshDemo())) return;
  setInterval(() => void refreshDemo(), 1000);
}

// ---- start ----

for (const b of document.querySelectorAll('[data-window]')) {
  b.addEventListener('click', () => {
    state.windowMs = Number(b.dataset.window);
    for (const other of document.querySelectorAll('[data-window]')) other.classList.toggle('active', other === b);
    render({ charts: true });
  });
}
$('filter').addEventListener('input', (e) => {
  state.filter = e.target.value.trim().toLowerCase();
  render({ charts: true });
});
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => render({ charts: true }), 150);
});

connect();
void startDemo();
