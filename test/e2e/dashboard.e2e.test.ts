/**
 * The whole demo in a real browser: five backends, a real Prometheus, weir, a real gRPC
 * xDS client. Clicking "break" on a backend on the page makes its weight fall on the page;
 * stopping the demo leaves no process and no temporary folder behind.
 *
 * WEIR_SCREENSHOT=path saves the page (with live data) at the end: docs/screenshot-dashboard.png.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { runDemo, type RunningDemo } from '../../src/demo/index.js';
import { launchBrowser } from './browser.js';

let demo: RunningDemo;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Our process's children: pid → command name. */
function children(): Map<number, string> {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return new Map(
    String(out)
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((p) => p.length === 2 && p[1] !== 'ps')
      .map(([pid, comm]) => [Number(pid), comm!]),
  );
}

function shareOf(pod: string): Promise<number> {
  return page.locator(`tr[data-pod="${pod}"] td.share`).getAttribute('data-share').then((v) => Number(v ?? NaN));
}

beforeAll(async () => {
  demo = await runDemo({ httpPort: 0 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1400, height: 940 } });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.route('**/*', (route) =>
    route.request().url().startsWith(demo.dashboardUrl) ? route.continue() : route.abort(),
  );
  await page.goto(demo.dashboardUrl);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
}, 60_000);

describe('weir demo in a real browser', () => {
  test('the page shows the five backends with live signals and the demo controls', async () => {
    await page.waitForSelector('section.card[data-service="demo/echo"]', { timeout: 30_000 });
    await expect.poll(() => page.locator('tr[data-pod]').count(), { timeout: 30_000 }).toBe(5);
    await expect.poll(() => page.locator('#conn').textContent(), { timeout: 10_000 }).toBe('live');
    expect(await page.locator('#demo-panel').isVisible()).toBe(true);
    expect(await page.locator('button[data-action="break"]').count()).toBe(5);
    // Signals come from Prometheus (its first rate() takes several scrapes).
    await expect
      .poll(() => page.locator('tr[data-pod="backend-1"] td.latency').textContent(), { timeout: 60_000, interval: 1_000 })
      .toMatch(/ms|s$/);
    // The xDS client's calls reach every backend.
    await expect
      .poll(async () => (await page.locator('td.traffic').allTextContents()).filter((t) => t !== '–' && t !== '0.0%').length, {
        timeout: 30_000,
      })
      .toBe(5);
  }, 120_000);

  test('"break" on the backend with the most weight makes its weight fall on the page', async () => {
    // Pick the victim while the service is out of panic (a loaded machine can make
    // several backends look slow for a while), so that weights follow the signals.
    await expect
      .poll(() => page.locator('section.card[data-service="demo/echo"] .badge-panic').count(), { timeout: 60_000, interval: 500 })
      .toBe(0);
    const pods = ['backend-1', 'backend-2', 'backend-3', 'backend-4', 'backend-5'];
    const shares = await Promise.all(pods.map(shareOf));
    const victim = pods[shares.indexOf(Math.max(...shares))]!;
    const before = Math.max(...shares);
    expect(before).toBeGreaterThanOrEqual(0.2);
    await page.click(`button[data-backend="${victim}"][data-action="break"]`);
    await expect
      .poll(() => page.locator(`button[data-backend="${victim}"][data-action="break"]`).getAttribute('class'), { timeout: 10_000 })
      .toContain('active');
    await expect.poll(() => shareOf(victim), { timeout: 45_000, interval: 500 }).toBeLessThan(0.1);
    expect(await page.locator(`tr[data-pod="${victim}"] td.errors`).textContent()).not.toBe('0.0%');
    const state = demo.backends.find((b) => b.spec.name === victim)!.backend.state();
    expect(state.errorRate).toBe(0.3);
    expect(pageErrors).toEqual([]);
    const screenshot = process.env['WEIR_SCREENSHOT'];
    if (screenshot) {
      // Let the charts show the fall and the other backends taking over before the picture.
      await page.waitForTimeout(8_000);
      await page.screenshot({ path: screenshot, fullPage: true });
    }
  }, 90_000);

  test('stop() leaves no process and no temporary folder behind', async () => {
    // The browser is the test's own child; the demo's are Prometheus, its orphan guard (a
    // shell that kills it if this process is killed outright) and the load client.
    const demoChildren = [...children()].filter(([, comm]) => comm !== 'chromium' && !comm.startsWith('chrom'));
    expect(demoChildren.map(([, comm]) => comm).sort()).toEqual(['node', 'prometheus', 'sh']);
    expect(demoChildren.map(([pid]) => pid)).toContain(demo.loadClientPid);
    expect(existsSync(demo.workDir)).toBe(true);
    await demo.stop();
    const left = children();
    expect(demoChildren.filter(([pid]) => left.has(pid))).toEqual([]);
    expect(existsSync(demo.workDir)).toBe(false);
    await expect(fetch(demo.dashboardUrl)).rejects.toThrow();
  }, 60_000);
});
