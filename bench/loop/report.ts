/**
 * The outputs of a run: the JSON (everything), a Markdown table per scenario, and a plot
 * per scenario (SVG, and PNG through headless Chromium when it is installed).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchResult, ContenderResult, ScenarioResult } from './run.js';

const ms = (v: number | null): string => (v === null ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const secs = (vs: readonly (number | null)[]): string =>
  vs.length === 0 ? 'n/a' : vs.map((v) => (v === null ? 'never' : `${v.toFixed(0)} s`)).join(', ');
const num = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));

/** The Markdown table of one scenario. */
export function scenarioTable(s: ScenarioResult): string {
  const head =
    '| contender | p50 ms | p99 ms | p99.9 ms | p99 of successes ms | errors | react | recover | weight changes/min | share spread | busiest util | healthy util under a fault | healthy load under a fault | warm-up p99 ms | warm-up p50 ms | harness delay p99 ms |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = s.contenders.map((c: ContenderResult) => {
    const f = c.figures;
    // Results recorded before the healthy-utilisation, loop-delay and warm-up p99 figures lack them (render.ts re-renders old files).
    return `| ${c.name} | ${ms(f.p50Ms)} | ${ms(f.p99Ms)} | ${ms(f.p999Ms)} | ${ms(f.okP99Ms ?? null)} | ${pct(f.errorRate)} | ${secs(f.reactS)} | ${secs(f.recoverS)} | ${num(f.weightChangesPerMin, 1)} | ${num(f.shareSpread, 3)} | ${num(f.busiestUtilisation)} | ${num(f.healthyUtilisation ?? null)} | ${num(f.healthyLoad ?? null)} | ${ms(c.warmUpP99Ms ?? null)} | ${ms(c.health.warmUpP50Ms)}${c.health.ok ? '' : ' ⚠'} | ${ms(c.health.loopDelayMs?.p99 ?? null)} |`;
  });
  const unhealthy = s.contenders.filter((c) => !c.health.ok).map((c) => c.name);
  const warning =
    unhealthy.length > 0
      ? [`**Not valid for ${unhealthy.join(', ')}**: the warm-up p50 (all backends healthy) is over 3× the service time, so the machine could not keep up and these figures measure CPU starvation, not the balancer.`, '']
      : [];
  return [`### ${s.name}`, '', `${s.description}; ${s.ratePerSecond.toFixed(0)} calls/s.`, '', ...warning, head, ...rows, ''].join('\n');
}

export function markdown(result: BenchResult): string {
  return [
    '# bench/loop results',
    '',
    '```json',
    JSON.stringify(result.meta, null, 2),
    '```',
    '',
    ...result.scenarios.map(scenarioTable),
  ].join('\n');
}

const COLOURS = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c', '#9467bd'];

/** An SVG with one panel per contender: each backend's share (top) and the p99 (bottom, log scale). */
export function scenarioSvg(s: ScenarioResult): string {
  const width = 1100;
  const panelH = 230;
  const left = 60;
  const right = 20;
  const plotW = width - left - right;
  const shareH = 110;
  const p99H = 70;
  const totalS = s.phases[s.phases.length - 1]?.endS ?? 1;
  const x = (t: number): number => left + (t / totalS) * plotW;
  const out: string[] = [];
  const height = 50 + panelH * s.contenders.length;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${left}" y="20" font-size="15" font-weight="bold">${esc(s.name)} — ${esc(s.description)}</text>`);
  COLOURS.forEach((c, i) => out.push(`<text x="${left + i * 80}" y="36" fill="${c}">backend-${i + 1}</text>`));
  out.push(`<text x="${left + 420}" y="36">black: p99 of the calls due in each second (log scale)</text>`);
  s.contenders.forEach((c, idx) => {
    const top = 50 + idx * panelH;
    const shareTop = top + 18;
    const p99Top = shareTop + shareH + 12;
    out.push(`<text x="${left}" y="${top + 12}" font-weight="bold">${esc(c.name)}</text>`);
    out.push(`<text x="${left + 200}" y="${top + 12}">p99 ${ms(c.figures.p99Ms)} ms, errors ${pct(c.figures.errorRate)}</text>`);
    for (const box of [
      [shareTop, shareH],
      [p99Top, p99H],
    ] as const) {
      out.push(`<rect x="${left}" y="${box[0]}" width="${plotW}" height="${box[1]}" fill="none" stroke="#999"/>`);
    }
    for (const p of s.phases) {
      if (p.startS === 0) continue;
      out.push(`<line x1="${x(p.startS)}" x2="${x(p.startS)}" y1="${shareTop}" y2="${p99Top + p99H}" stroke="#bbb" stroke-dasharray="3,3"/>`);
      out.push(`<text x="${x(p.startS) + 2}" y="${shareTop + 10}" fill="#888">${esc(p.name)}</text>`);
    }
    // The share axis ends at the largest share seen (at least 0.5), so that the fair 0.2
    // of five backends is not squeezed at the bottom.
    const top1 = Math.max(0.5, ...c.timeline.shares.flat());
    const shareMax = Math.min(1, Math.ceil(top1 * 10) / 10);
    out.push(`<text x="${left - 6}" y="${shareTop + 8}" text-anchor="end">share ${shareMax}</text>`);
    out.push(`<text x="${left - 6}" y="${shareTop + shareH}" text-anchor="end">0</text>`);
    const y02 = shareTop + shareH - (0.2 / shareMax) * shareH;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y02}" y2="${y02}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y02 + 4}" text-anchor="end">0.2</text>`);
    const yShare = (v: number): number => shareTop + shareH - (v / shareMax) * shareH;
    for (let b = 0; b < COLOURS.length; b += 1) {
      const pts = c.timeline.second.map((t, i) => `${x(t + 0.5).toFixed(1)},${yShare(c.timeline.shares[i]?.[b] ?? 0).toFixed(1)}`);
      out.push(`<polyline fill="none" stroke="${COLOURS[b]}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    }
    // p99 on a log scale from 10 ms to 10 s.
    const lo = Math.log10(10);
    const hi = Math.log10(10_000);
    const yP99 = (v: number): number => p99Top + p99H - ((Math.log10(Math.min(Math.max(v, 10), 10_000)) - lo) / (hi - lo)) * p99H;
    for (const tick of [10, 100, 1000, 10_000]) {
      out.push(`<text x="${left - 6}" y="${yP99(tick) + 4}" text-anchor="end">${tick >= 1000 ? `${tick / 1000} s` : `${tick} ms`}</text>`);
    }
    const segs: string[] = [];
    c.timeline.second.forEach((t, i) => {
      const v = c.timeline.p99Ms[i];
      if (v !== null && v !== undefined) segs.push(`${x(t + 0.5).toFixed(1)},${yP99(v).toFixed(1)}`);
    });
    out.push(`<polyline fill="none" stroke="black" stroke-width="1.5" points="${segs.join(' ')}"/>`);
    out.push(`<text x="${left + plotW - 4}" y="${p99Top + 12}" text-anchor="end">p99 per second</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const CHROMIUM = '/usr/bin/chromium';

/** Renders SVG files to PNG with headless Chromium (no network). Returns false when Chromium is missing. */
export async function svgToPng(files: readonly { svg: string; png: string }[]): Promise<boolean> {
  if (files.length === 0 || !existsSync(CHROMIUM)) return false;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  try {
    for (const f of files) {
      const page = await browser.newPage();
      await page.setContent(`<!doctype html><html><body style="margin:0">${f.svg}</body></html>`);
      const svg = page.locator('svg');
      await svg.screenshot({ path: f.png, timeout: 60_000 });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return true;
}

/** Writes results.json, results.md and one plot per scenario into `outDir`. */
export async function writeOutputs(result: BenchResult, outDir: string, png: boolean): Promise<string[]> {
  const written: string[] = [];
  const json = path.join(outDir, 'results.json');
  await writeFile(json, JSON.stringify(result, null, 1));
  written.push(json);
  const md = path.join(outDir, 'results.md');
  await writeFile(md, markdown(result));
  written.push(md);
  const plots: { svg: string; png: string }[] = [];
  for (const s of result.scenarios) {
    const svg = scenarioSvg(s);
    const file = path.join(outDir, `${s.name}.svg`);
    await writeFile(file, svg);
    written.push(file);
    plots.push({ svg, png: path.join(outDir, `${s.name}.png`) });
  }
  if (png && (await svgToPng(plots))) written.push(...plots.map((p) => p.png));
  return written;
}
