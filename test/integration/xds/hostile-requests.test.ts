/**
 * Malformed and hostile requests (issue 2 "Bad input"): each gets a clear status or is
 * ignored with a metric, and a bystander stream keeps receiving exactly what a fresh
 * client would.
 *
 * Decision on unknown type URLs: ignored (the stream stays open, counted in
 * weir_xds_rejected_requests_total{reason="unknown_type_url"}, logged a few times per
 * stream), because Envoy may ask an ADS server for types it does not need (secrets,
 * runtime) and must not lose its clusters for it. An empty type_url closes the stream
 * with INVALID_ARGUMENT, as the protocol requires.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TYPE_URL } from '../../../src/xds/types.js';
import { ENVOY_NODE, type SotwResponseMsg, type SotwStream } from '../../support/xds-client/ads-client.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { startHarness, type Harness } from './harness.js';

const EDS = TYPE_URL.ENDPOINT;
const A = 'a.default:80';
const TOPO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] } });

let h: Harness;
let bystander: SotwStream;
let lastSeen: SotwResponseMsg;

beforeEach(async () => {
  h = await startHarness({ server: { limits: { maxNames: 5_000, maxNameLength: 256 } } });
  h.publish(TOPO);
  bystander = h.client().sotw();
  bystander.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [A] });
  lastSeen = await bystander.next();
  ack(bystander, lastSeen, [A]);
});

afterEach(async () => {
  // The bystander is still served, with the same bytes a fresh client gets.
  h.publish(TOPO, makeWeights({ 'default/a': { '10.0.0.1': 42 } }));
  const update = await bystander.next();
  const fresh = h.client().sotw();
  fresh.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [A] });
  const reference = await fresh.next();
  expect(update.resources.map((r) => r.value.toString('hex'))).toEqual(reference.resources.map((r) => r.value.toString('hex')));
  expect(bystander.violations).toEqual([]);
  expect(fresh.violations).toEqual([]);
  await h.close();
});

function ack(s: SotwStream, r: SotwResponseMsg, names: string[]): void {
  s.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names });
}

const names = (n: number, prefix = 'svc') => Array.from({ length: n }, (_, i) => `${prefix}-${i}.default:80`);

describe('hostile requests', () => {
  test('an empty type_url closes only that stream, with INVALID_ARGUMENT', async () => {
    const s = h.client().sotw();
    s.send({ node: ENVOY_NODE, type_url: '' });
    expect((await s.ended).code).toBe(status.INVALID_ARGUMENT);
    expect(await h.metric('weir_xds_rejected_requests_total', { reason: 'empty_type_url' })).toBe(1);
  });

  test('an unknown type_url is ignored with a metric; the stream stays usable', async () => {
    const s = h.client().sotw();
    s.send({ node: ENVOY_NODE, type_url: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', resource_names: ['x'] });
    s.send({ type_url: 'garbage' });
    await s.expectNone(300);
    expect(await h.metric('weir_xds_rejected_requests_total', { reason: 'unknown_type_url' })).toBe(2);
    s.send({ type_url: EDS, resource_names: [A] });
    expect((await s.next()).resources).toHaveLength(1);
    expect(s.violations).toEqual([]);
  });

  test('thousands of names within the limit are served (the missing ones remembered)', async () => {
    const s = h.client().sotw();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [...names(4_000), A] });
    const r = await s.next();
    expect(r.resources).toHaveLength(1);
    ack(s, r, [...names(4_000), A]);
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] }, 'default/svc-7': { endpoints: ['10.1.0.1@z1'] } }));
    const appeared = await s.next();
    expect(appeared.resources).toHaveLength(1);
    ack(s, appeared, [...names(4_000), A]);
    h.publish(TOPO);
    expect(s.violations).toEqual([]);
  });

  test('more names than the limit close the stream with RESOURCE_EXHAUSTED (SotW and Delta)', async () => {
    const s = h.client().sotw();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: names(6_000) });
    const end = await s.ended;
    expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(end.details).toMatch(/at most 5000/);
    // Delta subscriptions accumulate: the limit holds across requests too.
    const d = h.client().delta();
    d.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: names(3_000, 'p') });
    d.send({ type_url: EDS, resource_names_subscribe: names(3_000, 'q') });
    expect((await d.ended).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await h.metric('weir_xds_rejected_requests_total', { reason: 'too_many_names' })).toBe(2);
  });

  test('a huge name closes the stream with INVALID_ARGUMENT', async () => {
    const s = h.client().sotw();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: ['x'.repeat(100_000)] });
    const end = await s.ended;
    expect(end.code).toBe(status.INVALID_ARGUMENT);
    expect(end.details).toMatch(/at most 256 characters/);
    const d = h.client().delta();
    d.send({ node: ENVOY_NODE, type_url: EDS, initial_resource_versions: { ['y'.repeat(1_000)]: '1' } });
    expect((await d.ended).code).toBe(status.INVALID_ARGUMENT);
  });

  test('a request larger than the gRPC message limit fails that stream only', async () => {
    const s = h.client().sotw();
    // 5 MB of names: over gRPC's 4 MB default receive limit.
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(100_000, 'z')) });
    const end = await s.ended;
    expect(end.code).not.toBe(status.OK);
  });
});
