/**
 * The demo's HTTP routes, served by weir's own HTTP server next to the dashboard:
 * `GET /api/demo` (its presence tells the page it runs in the demo) and
 * `POST /api/demo/backends` `{ backend, action }` for the buttons.
 */
import type { HttpRoute } from '../http/index.js';
import type { Backend } from './backend/index.js';
import { conditionOf, DEMO_ACTIONS, isDemoAction, stateFor, type DemoBackendSpec } from './demo-backends.js';
import type { TrafficView } from './load-driver.js';

export interface DemoRouteContext {
  /** `namespace/name` of the demo's service. */
  readonly serviceId: string;
  /** The running backends (empty while starting). */
  backends(): readonly { readonly spec: DemoBackendSpec; readonly backend: Backend }[];
  /** Where the load client's calls went, once it runs. */
  traffic(): TrafficView | undefined;
  /** Labelled links and addresses shown on the page (Prometheus, xDS). */
  links(): Readonly<Record<string, string>>;
}

function describe(spec: DemoBackendSpec, backend: Backend) {
  const state = backend.state();
  return {
    name: spec.name,
    address: spec.host,
    grpcAddress: backend.grpcAddress,
    metricsUrl: backend.metricsUrl,
    normal: { serviceTimeMs: spec.serviceTimeMs, capacity: spec.capacity },
    state,
    condition: conditionOf(spec, state),
  };
}

export function demoRoutes(ctx: DemoRouteContext): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/demo',
      handler: () => ({
        body: {
          service: ctx.serviceId,
          actions: DEMO_ACTIONS,
          backends: ctx.backends().map((b) => describe(b.spec, b.backend)),
          load: ctx.traffic() ?? null,
          links: ctx.links(),
        },
      }),
    },
    {
      method: 'POST',
      path: '/api/demo/backends',
      handler: (req) => {
        const body = req.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          return { status: 400, body: { error: 'body must be a JSON object { "backend": name, "action": one of ' + DEMO_ACTIONS.join(', ') + ' }' } };
        }
        const { backend: name, action } = body as { backend?: unknown; action?: unknown };
        if (!isDemoAction(action)) {
          return { status: 400, body: { error: `action: must be one of ${DEMO_ACTIONS.join(', ')}, got ${JSON.stringify(action ?? null)}` } };
        }
        const found = ctx.backends().find((b) => b.spec.name === name);
        if (!found) {
          const known = ctx.backends().map((b) => b.spec.name).join(', ');
          return { status: 404, body: { error: `backend: no backend named ${JSON.stringify(name ?? null)} (known: ${known})` } };
        }
        found.backend.set(stateFor(found.spec, action));
        return { body: describe(found.spec, found.backend) };
      },
    },
  ];
}
