/**
 * Builds a small cluster on the test API server, runs discovery and the status writer
 * over a few ticks, and prints the objects as kubectl would. The output in
 * docs/kubernetes.md comes from this test (WEIR_KUBECTL_OUT=FILE writes it out).
 */
import { writeFileSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { startKubeDiscovery, type KubeDiscovery } from '../../../src/discovery/kube/index.js';
import { silentLogger } from '../../../src/lib/log.js';
import type { Decision, EndpointState } from '../../../src/model/index.js';
import { createStatusWriter, type StatusWriter } from '../../../src/status/index.js';
import {
  applyObject,
  ENDPOINT_WEIGHTS,
  EVENTS,
  ewPrinterColumns,
  printDescribeCustom,
  printGetEvents,
  printGetTable,
  printServiceEvents,
  reportFor,
  serviceObject,
  sliceObject,
  TestApiServer,
  waitFor,
  type EventObject,
} from '../../support/kube-api/index.js';

let server: TestApiServer | undefined;
let discovery: KubeDiscovery | undefined;
let writer: StatusWriter | undefined;
afterEach(async () => {
  await writer?.stop();
  await discovery?.stop();
  await server?.close();
});

test('kubectl get ew, describe and events print from real objects', async () => {
  server = await TestApiServer.start();
  const zones = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
  const mk = (name: string, n: number, annotations: Record<string, string> = {}): void => {
    applyObject(server!, serviceObject({ name, namespace: 'shop', annotations }));
    applyObject(
      server!,
      sliceObject({
        service: name,
        namespace: 'shop',
        name: `${name}-7xkq2`,
        endpoints: Array.from({ length: n }, (_, i) => ({ address: `10.42.${i}.${10 + i}`, zone: zones[i % 3], pod: `${name}-6d9f8b7c5-${['x2k4p', 'm8qzt', 'b7wrl', 'c4njd', 'q9fha'][i % 5]}` })),
      }),
    );
  };
  mk('checkout', 5, { 'weir.dev/latency-target': 'fast' });
  mk('catalog', 4, { 'weir.dev/mode': 'shadow' });
  mk('search', 3);
  discovery = await startKubeDiscovery({ kubeConfig: server.kubeConfig(), log: silentLogger(), holdOffMs: 10 });
  await waitFor(() => discovery!.current().services.size === 3 && [...discovery!.current().services.values()].every((s) => s.endpoints.length > 0), 'discovered');

  const start = Date.now();
  let now = start;
  writer = createStatusWriter({ kubeConfig: server.kubeConfig(), log: silentLogger(), minIntervalMs: 0, now: () => now });
  const slow = '10.42.2.12';
  // Per service: served weights by address, states, reasons and signals of the story.
  const weights = new Map<string, number>();
  const states = new Map<string, EndpointState>();
  const reasons = new Map<string, string>();
  const changed = new Map<string, number>();
  const latency = new Map<string, number>([[slow, 180]]);
  let panicking = false;
  const tick = async (offsetS: number, decisions: Decision[] = []): Promise<void> => {
    now = start + offsetS * 1000;
    writer!.report(
      reportFor(discovery!.current(), now, {
        weight: (id, a) => (id === 'shop/search' && panicking ? 100 : (weights.get(`${id} ${a}`) ?? 100)),
        state: (id, a) => states.get(`${id} ${a}`) ?? 'healthy',
        reason: (id, a) => reasons.get(`${id} ${a}`) ?? 'steady',
        changedAt: (id, a) => changed.get(`${id} ${a}`) ?? 0,
        signals: (id, a) => ({ latencyMs: latency.get(a) ?? 41.7, errorRatio: states.get(`${id} ${a}`) === 'ejected' ? 0.31 : 0.002, requestRate: 212.4 }),
        panic: (id) => id === 'shop/search' && panicking,
        decisions,
      }),
    );
    await writer!.idle();
  };
  const set = (id: string, address: string, weight: number, state: EndpointState, reason: string): void => {
    weights.set(`${id} ${address}`, weight);
    states.set(`${id} ${address}`, state);
    reasons.set(`${id} ${address}`, reason);
    changed.set(`${id} ${address}`, now);
  };
  await tick(0);
  now = start + 60_000;
  set('shop/checkout', slow, 41, 'degraded', 'latency 180ms > target 150ms');
  set('shop/checkout', '10.42.0.10', 112, 'healthy', 'share of a slower endpoint');
  set('shop/checkout', '10.42.1.11', 115, 'healthy', 'share of a slower endpoint');
  set('shop/catalog', '10.42.1.11', 64, 'degraded', 'latency 180ms > target 150ms (shadow)');
  await tick(60);
  now = start + 90_000;
  set('shop/checkout', slow, 18, 'degraded', 'latency 180ms > target 150ms');
  set('shop/checkout', '10.42.3.13', 129, 'healthy', 'share of a slower endpoint');
  set('shop/checkout', '10.42.4.14', 127, 'healthy', 'share of a slower endpoint');
  await tick(90);
  now = start + 120_000;
  const eject: Decision = { serviceId: 'shop/checkout', kind: 'eject', endpoint: slow, reason: 'error ratio 0.31 > threshold 0.1 for 3 ticks' };
  set('shop/checkout', slow, 1, 'ejected', 'error ratio 0.31 > threshold 0.1');
  await tick(120, [eject]);
  await tick(150, [eject]);
  panicking = true;
  now = start + 200_000;
  set('shop/search', '10.42.0.10', 100, 'degraded', 'panic: equal weights');
  set('shop/search', '10.42.1.11', 100, 'degraded', 'panic: equal weights');
  await tick(200, [{ serviceId: 'shop/search', kind: 'panic-enter', reason: '2 of 3 endpoints degraded (panic threshold 0.5)' }]);
  now = start + 330_000;

  const ews = server.store.list(ENDPOINT_WEIGHTS, 'shop');
  const events = server.store.list(EVENTS, 'shop') as unknown as EventObject[];
  const checkoutEvents = events.filter((e) => e.involvedObject.name === 'checkout');
  const out = [
    '$ kubectl get ew -n shop',
    printGetTable(ews, ewPrinterColumns(), now),
    '',
    '$ kubectl describe ew checkout -n shop',
    printDescribeCustom(ews.find((o) => o.metadata.name === 'checkout')!, [], now),
    '',
    '$ kubectl describe service checkout -n shop   # (the end of it)',
    printServiceEvents(checkoutEvents, now),
    '',
    '$ kubectl get events -n shop --field-selector involvedObject.kind=Service',
    printGetEvents(events, now),
  ].join('\n');
  if (process.env.WEIR_KUBECTL_OUT) writeFileSync(process.env.WEIR_KUBECTL_OUT, `${out}\n`);

  const table = out.split('\n').slice(1, 5);
  expect(table[0]).toMatch(/^NAME\s+MODE\s+ENDPOINTS\s+EJECTED\s+SPREAD\s+PANIC\s+LAST CHANGE\s+AGE$/);
  expect(table[1]).toMatch(/^catalog\s+shadow\s+4\s+0\s+1\s+false\s+/);
  expect(table[2]).toMatch(/^checkout\s+enforce\s+5\s+1\s+1\.15\s+false\s+/);
  expect(table[3]).toMatch(/^search\s+enforce\s+3\s+0\s+1\s+true\s+/);
  expect(out).toMatch(/Warning\s+EndpointEjected\s+\S+ \(x2 over \S+\)\s+weir\s+Endpoint 10\.42\.2\.12 \(pod checkout-6d9f8b7c5-b7wrl\) ejected/);
  expect(out).toMatch(/Warning\s+InvalidAnnotation\s+.*Annotation weir\.dev\/latency-target: value "fast"/);
  expect(out).toMatch(/Warning\s+PanicEntered\s+service\/search/);
});
