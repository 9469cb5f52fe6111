import { describe, expect, test } from 'vitest';
import { buildStatus, contentFingerprint, meaningfulKey } from '../../../src/status/endpoint-weights.js';
import { summariseShifts, decisionEvents, problemEvents } from '../../../src/status/report-events.js';
import { TokenBucket } from '../../../src/status/token-bucket.js';
import { DEFAULT_POLICY, type EndpointWeight, type Service, type ServiceWeights } from '../../../src/model/index.js';

const service: Service = {
  key: { namespace: 'default', name: 'web' },
  ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  endpoints: [
    { address: '10.0.0.1', ports: { http: 8080 }, pod: 'web-a', zone: 'z1', ready: true, serving: true, terminating: false },
    { address: '10.0.0.2', ports: { http: 8080 }, zone: '', ready: true, serving: true, terminating: false },
  ],
  policy: DEFAULT_POLICY,
  problems: [{ annotation: 'weir.dev/mode', value: 'fast', reason: 'must be one of enforce, shadow; keeping enforce' }],
};
const ep = (address: string, served: number, state: EndpointWeight['state'] = 'healthy', latencyMs = 10): EndpointWeight => ({
  address,
  weight: served,
  served,
  state,
  signals: { latencyMs },
  reason: 'r',
  changedAt: 0,
});
const weights = (eps: EndpointWeight[], over: Partial<ServiceWeights> = {}): ServiceWeights => ({
  serviceId: 'default/web',
  mode: 'enforce',
  panic: false,
  endpoints: eps,
  changedAt: 0,
  metricsAvailable: true,
  ...over,
});

describe('buildStatus', () => {
  test('shows a capacity estimate, and none for 0 (no estimate)', () => {
    const withCapacity = (address: string, capacity: number): EndpointWeight => ({ ...ep(address, 100), signals: { latencyMs: 10, cpu: 0.5, capacity } });
    const s = buildStatus(weights([withCapacity('10.0.0.1', 19.987654), withCapacity('10.0.0.2', 0)]), service, 1_000);
    expect(s.endpoints.map((e) => e.signals.capacity)).toEqual([19.99, undefined]);
  });
  test('counts, spread, pod and zone; conditions keep their transition time', () => {
    const s1 = buildStatus(weights([ep('10.0.0.2', 40, 'ejected'), ep('10.0.0.1', 160)]), service, 1_000);
    expect(s1).toMatchObject({ endpointCount: 2, ejectedCount: 1, spread: 1, observedTime: '1970-01-01T00:00:01.000Z' });
    expect(s1.endpoints.map((e) => [e.address, e.pod, e.zone])).toEqual([
      ['10.0.0.1', 'web-a', 'z1'],
      ['10.0.0.2', undefined, undefined],
    ]);
    const s2 = buildStatus(weights([ep('10.0.0.1', 100), ep('10.0.0.2', 100)], { metricsAvailable: false }), service, 9_000, s1.conditions);
    expect(s2.conditions[0]!.lastTransitionTime).toBe(s1.conditions[0]!.lastTransitionTime);
    expect(s2.conditions[1]).toMatchObject({ status: 'False', reason: 'MetricsUnavailable', lastTransitionTime: '1970-01-01T00:00:09.000Z' });
  });

  test('signals alone are not a meaningful change, weights and states are', () => {
    const [wa, wb, wc] = [weights([ep('10.0.0.1', 100, 'healthy', 10)]), weights([ep('10.0.0.1', 100, 'healthy', 20)]), weights([ep('10.0.0.1', 100, 'degraded', 20)])];
    expect(meaningfulKey(wa, service)).toBe(meaningfulKey(wb, service));
    expect(contentFingerprint(buildStatus(wa, service, 1))).not.toBe(contentFingerprint(buildStatus(wb, service, 2)));
    expect(meaningfulKey(wb, service)).not.toBe(meaningfulKey(wc, service));
    expect(meaningfulKey(wb, service)).not.toBe(meaningfulKey(weights([ep('10.0.0.1', 101, 'healthy', 20)]), service));
    expect(JSON.stringify(buildStatus(weights([ep('10.0.0.2', 1), ep('10.0.0.1', 2)]), service, 5))).toBe(
      JSON.stringify(buildStatus(weights([ep('10.0.0.1', 2), ep('10.0.0.2', 1)]), service, 5)),
    );
  });
});

describe('report events', () => {
  test('shift summaries name at most three endpoints, largest moves first', () => {
    const before = new Map([['a', 100], ['b', 100], ['c', 100], ['d', 100], ['e', 100]]);
    const after = [['a', 90], ['b', 10], ['c', 150], ['d', 100], ['e', 99]].map(([address, served]) => ({ address: address as string, served: served as number, reason: '' }));
    expect(summariseShifts('default/web', before, after, undefined)?.message).toBe(
      'Weights shifted on 4 of 5 endpoint(s): b 100→10; c 100→150; a 100→90; and 1 more',
    );
    expect(summariseShifts('default/web', before, after.map((e) => ({ ...e, served: before.get(e.address)! })), undefined)).toBeUndefined();
  });

  test('ejections name the pod; problems become warnings', () => {
    const [e] = decisionEvents([{ serviceId: 'default/web', kind: 'eject', endpoint: '10.0.0.1', reason: 'errors' }], service);
    expect(e).toMatchObject({ type: 'Warning', reason: 'EndpointEjected', message: 'Endpoint 10.0.0.1 (pod web-a) ejected: errors' });
    expect(decisionEvents([{ serviceId: 'default/web', kind: 'shift', endpoint: '10.0.0.1', reason: 'x' }], service)).toEqual([]);
    expect(problemEvents('default/web', service, ['unknown profile "gold"']).map((p) => p.reason)).toEqual(['InvalidAnnotation', 'ControllerNotice']);
  });
});

describe('TokenBucket', () => {
  test('allows a burst, then the rate', () => {
    let t = 0;
    const b = new TokenBucket(10, 3, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.waitMs()).toBe(100);
    t = 100;
    expect([b.take(), b.take()]).toEqual([true, false]);
  });
});
