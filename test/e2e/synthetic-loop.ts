/**
 * A stand-in for weir's loop in the page test: it ticks, makes up signals for five
 * endpoints from their condition, and reports weights that fall when an endpoint is
 * slow or failing. It answers `/api/demo` like the demo, so the page shows its buttons.
 * Not an engine: just enough movement to prove that the page renders and updates live.
 */
import type { HttpRoute } from '../../src/http/index.js';
import { ReportHub } from '../../src/http/index.js';
import { buildReport, type FixtureEndpoint } from '../unit/http/report-fixture.js';

type Condition = 'healthy' | 'slow' | 'broken' | 'failing';
const ACTION_TO_CONDITION: Record<string, Condition> = { slow: 'slow', break: 'broken', 'fail-fast': 'failing', heal: 'healthy' };

interface SimEndpoint {
  name: string;
  address: string;
  baseMs: number;
  condition: Condition;
  share: number;
  latencyMs: number;
  errorRatio: number;
  changedAt: number;
  reason: string;
}

export interface SyntheticLoop {
  readonly hub: ReportHub;
  /**
   * Report `warmTicks` made-up past ticks at once (history for the server, which must
   * already be subscribed), then tick every interval until stop().
   */
  start(warmTicks: number): void;
  readonly routes: HttpRoute[];
  /** Actions received through the demo route, in order. */
  readonly actions: { backend: string; action: string }[];
  stop(): void;
}

/** A loop ticking every `intervalMs` once started. */
export function createSyntheticLoop(intervalMs: number): SyntheticLoop {
  const hub = new ReportHub();
  const endpoints: SimEndpoint[] = [10, 14, 18, 24, 30].map((baseMs, i) => ({
    name: `backend-${i + 1}`,
    address: `127.0.0.${i + 1}`,
    baseMs,
    condition: 'healthy',
    share: 0.2,
    latencyMs: baseMs,
    errorRatio: 0,
    changedAt: 0,
    reason: 'initial equal weight',
  }));
  const actions: { backend: string; action: string }[] = [];
  let wave = 0;

  const tick = (now: number): void => {
    wave += 1;
    for (const e of endpoints) {
      const targetMs = e.condition === 'slow' ? e.baseMs * 5 : e.condition === 'failing' ? 1 : e.baseMs;
      const targetErr = e.condition === 'broken' ? 0.3 : e.condition === 'failing' ? 1 : 0;
      const noise = 1 + 0.05 * Math.sin(wave / 3 + e.baseMs);
      e.latencyMs += (targetMs * noise - e.latencyMs) * 0.4;
      e.errorRatio += (targetErr - e.errorRatio) * 0.4;
    }
    const scores = endpoints.map((e) => (1 / e.latencyMs) * Math.max(0.02, 1 - 3 * e.errorRatio));
    const total = scores.reduce((a, b) => a + b, 0);
    endpoints.forEach((e, i) => {
      const target = Math.max(0.01, scores[i]! / total);
      const next = e.share + (target - e.share) * 0.5;
      if (Math.abs(next - e.share) > 0.01) {
        e.reason = next < e.share ? (e.errorRatio > 0.1 ? `errors ${(e.errorRatio * 100).toFixed(0)}% above 10%` : `latency ${e.latencyMs.toFixed(0)} ms slower than peers`) : 'recovering';
        e.changedAt = now;
      }
      e.share = next;
    });
    const fixture: FixtureEndpoint[] = endpoints.map((e) => ({
      address: e.address,
      pod: e.name,
      zone: 'local',
      weight: Math.max(1, Math.round(e.share * 10_000)),
      state: e.condition === 'healthy' ? (e.share < 0.1 ? 'slow-start' : 'healthy') : e.errorRatio > 0.2 ? 'ejected' : 'degraded',
      latencyMs: e.latencyMs,
      errorRatio: e.errorRatio,
      requestRate: 100 * e.share,
      reason: e.reason,
      changedAt: e.changedAt,
    }));
    hub.report(
      buildReport(now, [
        { namespace: 'demo', name: 'echo', port: 50051, changedAt: Math.max(...endpoints.map((e) => e.changedAt)), endpoints: fixture },
        // A second service, in shadow mode and with problems, to show how those look.
        {
          namespace: 'shop',
          name: 'cart',
          port: 8080,
          mode: 'shadow',
          metricsAvailable: false,
          problems: [{ annotation: 'weir.dev/half-life', value: 'soon', reason: 'is not a duration; keeping 2s' }],
          notices: ['weir.dev/profile: no profile named "fast"; no signals, equal weights'],
          endpoints: [
            { address: '10.0.0.7', pod: 'cart-7', weight: 700, served: 1, state: 'stale', reason: 'no data: holding' },
            { address: '10.0.0.8', pod: 'cart-8', weight: 300, served: 1, state: 'stale', reason: 'no data: holding' },
          ],
        },
      ]),
    );
  };

  let timer: NodeJS.Timeout | undefined;
  const start = (warmTicks: number): void => {
    const now = Date.now();
    for (let i = warmTicks; i > 0; i--) tick(now - i * intervalMs);
    timer = setInterval(() => tick(Date.now()), intervalMs);
  };

  const routes: HttpRoute[] = [
    {
      method: 'GET',
      path: '/api/demo',
      handler: () => ({
        body: {
          service: 'demo/echo',
          backends: endpoints.map((e) => ({ name: e.name, address: e.address, condition: e.condition })),
          load: { rps: 100, okRatio: 1, shares: Object.fromEntries(endpoints.map((e) => [e.name, e.share])) },
          links: {},
        },
      }),
    },
    {
      method: 'POST',
      path: '/api/demo/backends',
      handler: (req) => {
        const body = req.body as { backend?: string; action?: string } | undefined;
        const e = endpoints.find((x) => x.name === body?.backend);
        const condition = ACTION_TO_CONDITION[body?.action ?? ''];
        if (!e || !condition) return { status: 400, body: { error: 'unknown backend or action' } };
        actions.push({ backend: e.name, action: body!.action! });
        e.condition = condition;
        return { body: { name: e.name, condition } };
      },
    },
  ];
  return { hub, routes, actions, start, stop: () => clearInterval(timer) };
}
