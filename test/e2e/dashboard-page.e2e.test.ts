/**
 * The dashboard in a real browser against weir's HTTP server fed with synthetic loop
 * reports: it renders every endpoint, updates live over SSE, draws charts from the
 * history, and its demo buttons reach the server. (dashboard.e2e.test.ts runs the same
 * page against the whole `weir demo`.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Registry } from 'prom-client';
import type { Browser, Page } from 'playwright-core';
import { startHttpServer, type RunningHttpServer } from '../../src/http/index.js';
import { launchBrowser } from './browser.js';
import { createSyntheticLoop, type SyntheticLoop } from './synthetic-loop.js';

let browser: Browser;
let server: RunningHttpServer;
let loop: SyntheticLoop;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  loop = createSyntheticLoop(250);
  server = await startHttpServer({
    port: 0,
    registry: new Registry(),
    feed: loop.hub,
    ready: () => ({ ready: true, reasons: [] }),
    routes: loop.routes,
  });
  // 120 past ticks (30 s) before the page opens: it must draw them at once.
  loop.start(120);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  // Every request the page makes must stay on our server: no asset from the internet.
  await page.route('**/*', (route) =>
    route.request().url().startsWith(server.url) ? route.continue() : route.abort(),
  );
  await page.goto(server.url);
});

afterAll(async () => {
  // WEIR_SCREENSHOT=path saves what the page looked like at the end (for docs and review).
  if (page && process.env['WEIR_SCREENSHOT']) await page.screenshot({ path: process.env['WEIR_SCREENSHOT'], fullPage: true });
  await browser?.close();
  loop?.stop();
  await server?.stop();
});

function shareOf(p: Page, pod: string): Promise<number> {
  return p.locator(`tr[data-pod="${pod}"] td.share`).getAttribute('data-share').then(Number);
}

describe('dashboard page (synthetic loop)', () => {
  test('shows every endpoint with its share, state and reason, and goes live', async () => {
    await page.waitForSelector('section.card[data-service="demo/echo"] tr[data-pod="backend-5"]');
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
    expect(await page.locator('section.card[data-service="demo/echo"] h2').textContent()).toContain('echo');
    expect(await page.locator('section.card[data-service="demo/echo"] tr[data-address]').count()).toBe(5);
    const shares = await Promise.all([1, 2, 3, 4, 5].map((i) => shareOf(page, `backend-${i}`)));
    expect(shares.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.98);
    // The fastest backend gets the most.
    expect(shares[0]).toBeGreaterThan(shares[4]!);
    expect(await page.locator('tr[data-pod="backend-1"] .state').textContent()).toBe('healthy');
  });

  test('shows a shadow-mode service with its badges and problems, shares from the served weights', async () => {
    const cart = page.locator('section.card[data-service="shop/cart"]');
    await cart.waitFor();
    expect(await cart.locator('.badge').allTextContents()).toEqual(['shadow', 'least-request', 'no metrics']);
    expect(await cart.locator('.problems li').allTextContents()).toEqual([
      'weir.dev/half-life: "soon" is not a duration; keeping 2s',
      'weir.dev/profile: no profile named "fast"; no signals, equal weights',
    ]);
    // Computed 700:300, served 1:1 in shadow mode: the page shows what is served.
    expect(await cart.locator('td.share').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-share')))).toEqual(['0.5', '0.5']);
    expect(await cart.locator('td.weight').allTextContents()).toEqual(['700', '300']);
    // The demo's buttons are for the demo's backends only.
    expect(await cart.locator('button[data-action]').count()).toBe(0);
    // Cards are sorted by service id.
    expect(await page.locator('section.card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-service')))).toEqual([
      'demo/echo',
      'shop/cart',
    ]);
  });

  test('the filter hides the services that do not match', async () => {
    await page.fill('#filter', 'shop/');
    await expect.poll(() => page.locator('section.card[data-service="demo/echo"]').isVisible()).toBe(false);
    expect(await page.locator('section.card[data-service="shop/cart"]').isVisible()).toBe(true);
    await page.fill('#filter', '');
    await expect.poll(() => page.locator('section.card[data-service="demo/echo"]').isVisible()).toBe(true);
  });

  test('draws the charts from the history at once, as SVG paths', async () => {
    const echo = page.locator('section.card[data-service="demo/echo"]');
    await echo.locator('[data-chart="share"] svg path.band').first().waitFor();
    expect(await echo.locator('[data-chart="share"] path.band').count()).toBe(5);
    // The history arrived with the page: each band has well over 100 points already.
    const d = (await echo.locator('[data-chart="share"] path.band').first().getAttribute('d')) ?? '';
    expect(d.split('L').length).toBeGreaterThan(200);
    // And they move with each tick's point.
    const band = echo.locator('[data-chart="share"] path.band').first();
    await expect.poll(async () => (await band.getAttribute('d')) ?? '').not.toBe(d);
    expect(await echo.locator('[data-chart="latency"] path.line').count()).toBe(5);
    expect(await echo.locator('[data-chart="errors"] path.line').count()).toBe(5);
    // Hovering a chart shows every endpoint's value at that tick, and survives the next tick.
    // The container, not the svg: the svg is replaced on every tick.
    const box = (await echo.locator('[data-chart="latency"]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    const tip = echo.locator('[data-chart="latency"] .chart-tip');
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/backend-1 [\d.]+ ms.*backend-5 [\d.]+ ms/);
    await page.waitForTimeout(600);
    expect(await tip.isVisible()).toBe(true);
    await page.mouse.move(0, 0);
    await expect.poll(() => tip.isVisible()).toBe(false);
  });

  test('"break" on a backend reaches the server and its weight falls on the page', async () => {
    await page.waitForSelector('button[data-backend="backend-2"][data-action="break"]');
    const before = await shareOf(page, 'backend-2');
    await page.click('button[data-backend="backend-2"][data-action="break"]');
    // The click's request is asynchronous: wait for the server to have it.
    await expect.poll(() => loop.actions, { timeout: 10_000 }).toContainEqual({ backend: 'backend-2', action: 'break' });
    await expect.poll(() => shareOf(page, 'backend-2'), { timeout: 15_000 }).toBeLessThan(before / 3);
    await expect
      .poll(() => page.locator('tr[data-pod="backend-2"] .reason-text').textContent(), { timeout: 15_000 })
      .toMatch(/errors/);
    await expect
      .poll(() => page.locator('button[data-backend="backend-2"][data-action="break"]').getAttribute('class'), { timeout: 5_000 })
      .toContain('active');
    expect(pageErrors).toEqual([]);
  });
});
