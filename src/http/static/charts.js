// Small inline-SVG time-series charts for the dashboard: no library, no network.
// A chart is redrawn whole on each tick; a few hundred points per line is cheap.

const SVG = 'http://www.w3.org/2000/svg';
const PAD = { left: 44, right: 10, top: 10, bottom: 22 };

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

// Boundary events are unreliable while the chart under a still pointer is being
// replaced (a mouseleave can be lost), so any pointer move outside a hovered chart
// also ends its tooltip.
document.addEventListener('mousemove', (ev) => {
  for (const c of document.querySelectorAll('.chart[data-hover-x]')) {
    if (!c.contains(ev.target)) {
      delete c.dataset.hoverX;
      c.chartHover?.hide();
    }
  }
});

/** A "nice" upper bound for an axis of four steps: each step 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(x) {
  if (!(x > 0)) return 1;
  const raw = x / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return 4 * m * p;
  return 40 * p;
}

function timeLabel(ms) {
  if (ms === 0) return 'now';
  const s = Math.round(ms / 1000);
  return s % 60 === 0 ? `−${s / 60}m` : `−${s}s`;
}

/**
 * Draw a chart into `container` (an element holding one <svg>).
 * opts: { now, windowMs, series: [{ key, color, values: [[t, v|null]] }], stacked,
 *         yMax (fixed) or yMin (smallest automatic maximum), format(v) for axis labels }
 */
export function drawChart(container, opts) {
  const width = Math.max(240, Math.floor(container.clientWidth || 360));
  const height = 150;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const t0 = opts.now - opts.windowMs;
  const x = (t) => PAD.left + ((t - t0) / opts.windowMs) * plotW;

  let max = opts.yMax;
  if (max === undefined) {
    let seen = 0;
    for (const s of opts.series) for (const [t, v] of s.values) if (t >= t0 && v !== null && v > seen) seen = v;
    max = niceMax(Math.max(seen * 1.1, opts.yMin ?? 0));
  }
  const y = (v) => PAD.top + plotH - (Math.min(v, max) / max) * plotH;

  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  if (opts.label) el('title', {}, svg).textContent = opts.label;

  // Grid and axes.
  const grid = el('g', { class: 'grid' }, svg);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const gy = y(v);
    el('line', { x1: PAD.left, x2: width - PAD.right, y1: gy, y2: gy }, grid);
    const label = el('text', { x: PAD.left - 6, y: gy + 3.5, 'text-anchor': 'end', class: 'axis' }, svg);
    label.textContent = opts.format(v);
  }
  const step = opts.windowMs <= 60_000 ? 15_000 : opts.windowMs <= 120_000 ? 30_000 : 60_000;
  for (let ago = 0; ago <= opts.windowMs; ago += step) {
    const gx = x(opts.now - ago);
    el('line', { x1: gx, x2: gx, y1: PAD.top, y2: PAD.top + plotH, class: 'vgrid' }, grid);
    const anchor = ago === 0 ? 'end' : ago === opts.windowMs ? 'start' : 'middle';
    const label = el('text', { x: gx, y: height - 6, 'text-anchor': anchor, class: 'axis' }, svg);
    label.textContent = timeLabel(ago);
  }

  const clipId = `clip-${Math.random().toString(36).slice(2)}`;
  const clip = el('clipPath', { id: clipId }, el('defs', {}, svg));
  el('rect', { x: PAD.left, y: PAD.top, width: plotW, height: plotH }, clip);
  const plot = el('g', { 'clip-path': `url(#${clipId})` }, svg);

  if (opts.stacked) drawStacked(plot, opts.series, x, y);
  else drawLines(plot, opts.series, x, y);

  const tip = document.createElement('div');
  tip.className = 'chart-tip';
  tip.hidden = true;
  container.replaceChildren(svg, tip);
  addHover(container, svg, tip, opts, { x, t0, plotW, plotH, width });
}

// A cursor and a tooltip with every series' value at the tick nearest the pointer. The
// pointer listeners sit on the container, which outlives the svg redrawn on every tick,
// and the pointer's position is kept there, so the tooltip survives redraws.
function addHover(container, svg, tip, opts, geo) {
  const cursor = el('line', { y1: PAD.top, y2: PAD.top + geo.plotH, class: 'cursor', visibility: 'hidden' }, svg);
  const times = opts.series[0]?.values.map(([t]) => t) ?? [];
  const show = (px) => {
    const t = geo.t0 + ((px - PAD.left) / geo.plotW) * opts.windowMs;
    let best = -1;
    for (let i = 0; i < times.length; i++) {
      if (times[i] >= geo.t0 && (best < 0 || Math.abs(times[i] - t) < Math.abs(times[best] - t))) best = i;
    }
    if (best < 0) return hide();
    const gx = geo.x(times[best]);
    cursor.setAttribute('x1', gx);
    cursor.setAttribute('x2', gx);
    cursor.setAttribute('visibility', 'visible');
    const rows = opts.series.map((s) => {
      const v = s.values[best][1];
      const row = document.createElement('div');
      const dot = document.createElement('span');
      dot.className = 'tip-dot';
      dot.style.background = s.color;
      row.append(dot, `${s.label ?? s.key} `, Object.assign(document.createElement('b'), { textContent: v === null ? '–' : (opts.valueFormat ?? opts.format)(v) }));
      return row;
    });
    const head = document.createElement('div');
    head.className = 'tip-time';
    head.textContent = new Date(times[best]).toLocaleTimeString();
    tip.replaceChildren(head, ...rows);
    tip.hidden = false;
    const left = gx > geo.width / 2 ? gx - tip.offsetWidth - 10 : gx + 10;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${PAD.top}px`;
  };
  const hide = () => {
    cursor.setAttribute('visibility', 'hidden');
    tip.hidden = true;
  };
  container.chartHover = { show, hide, inPlot: (px) => px >= PAD.left && px <= PAD.left + geo.plotW };
  if (!container.dataset.hoverBound) {
    container.dataset.hoverBound = 'true';
    container.addEventListener('mousemove', (ev) => {
      const current = container.querySelector('svg');
      const hover = container.chartHover;
      if (!current || !hover) return;
      const px = ev.clientX - current.getBoundingClientRect().left;
      if (hover.inPlot(px)) {
        container.dataset.hoverX = String(px);
        hover.show(px);
      } else {
        delete container.dataset.hoverX;
        hover.hide();
      }
    });
    container.addEventListener('mouseleave', () => {
      delete container.dataset.hoverX;
      container.chartHover?.hide();
    });
  }
  if (container.dataset.hoverX !== undefined) show(Number(container.dataset.hoverX));
}

function drawLines(plot, series, x, y) {
  for (const s of series) {
    let d = '';
    let pen = false;
    for (const [t, v] of s.values) {
      if (v === null || v === undefined) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    if (d) el('path', { d, class: 'line', stroke: s.color }, plot);
  }
}

// Stacked areas in series order: each band spans from the sum of the series below it.
function drawStacked(plot, series, x, y) {
  if (series.length === 0) return;
  const times = series[0].values.map(([t]) => t);
  const below = times.map(() => 0);
  for (const s of series) {
    const top = s.values.map(([, v], i) => below[i] + (v ?? 0));
    if (times.length > 0) {
      let d = `M${x(times[0]).toFixed(1)},${y(top[0]).toFixed(1)}`;
      for (let i = 1; i < times.length; i++) d += `L${x(times[i]).toFixed(1)},${y(top[i]).toFixed(1)}`;
      for (let i = times.length - 1; i >= 0; i--) d += `L${x(times[i]).toFixed(1)},${y(below[i]).toFixed(1)}`;
      el('path', { d: `${d}Z`, class: 'band', fill: s.color }, plot);
    }
    for (let i = 0; i < top.length; i++) below[i] = top[i];
  }
}
