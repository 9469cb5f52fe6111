/**
 * XDS.md conformance cases that concern State-of-the-World only (S): 1, 2, 4–13.
 * A real cache and ADS server; a raw client that checks every response (case 18/19
 * rules) and crafted requests.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TYPE_URL } from '../../../src/xds/types.js';
import { ENVOY_NODE, GRPC_NODE, type SotwResponseMsg, type SotwStream } from '../../support/xds-client/ads-client.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { readCla, resourceName } from '../../support/xds-client/wire-reader.js';
import { A, B, TWO, WITH_X, X } from './conformance-fixtures.js';
import { startHarness, type Harness } from './harness.js';

const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.ENDPOINT;

function names(res: SotwResponseMsg): string[] {
  return res.resources.map((r) => resourceName(r.value));
}

let h: Harness;
let streams: SotwStream[];

beforeEach(async () => {
  h = await startHarness();
  streams = [];
});

afterEach(async () => {
  for (const s of streams) expect(s.violations).toEqual([]);
  await h.close();
});

function open(): SotwStream {
  const s = h.client().sotw();
  streams.push(s);
  return s;
}

async function subscribe(s: SotwStream, type: string, resourceNames: string[], node = ENVOY_NODE): Promise<SotwResponseMsg> {
  s.send({ node, type_url: type, resource_names: resourceNames });
  return s.next();
}

function ack(s: SotwStream, res: SotwResponseMsg, resourceNames: string[]): void {
  s.send({ type_url: res.type_url, version_info: res.version_info, response_nonce: res.nonce, resource_names: resourceNames });
}

describe('SotW conformance', () => {
  test('case 1: first request on a new stream (empty nonce, version equal to current) gets a full response', async () => {
    h.publish(TWO);
    const first = await subscribe(open(), CDS, []);
    // A second stream claims to hold that version already: still a full response.
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: CDS, resource_names: [], version_info: first.version_info });
    const res = await s.next();
    expect(names(res)).toEqual([A, B]);
    expect(res.version_info).toBe(first.version_info);
  });

  test('case 2: an ACK (latest nonce, same names, no error_detail) gets no response', async () => {
    h.publish(TWO);
    const s = open();
    const res = await subscribe(s, EDS, [A, B]);
    expect(names(res)).toEqual([A, B]);
    ack(s, res, [A, B]);
    await s.expectNone();
  });

  test('case 4: a NACK carrying the new version_info is still a NACK (no resend, recorded)', async () => {
    h.publish(TWO);
    const s = open();
    const res = await subscribe(s, EDS, [A]);
    s.send({ type_url: EDS, version_info: res.version_info, response_nonce: res.nonce, resource_names: [A], error_detail: { code: 3, message: 'bad weights' } });
    await s.expectNone();
    expect(await h.metric('weir_xds_nacks_total', { type_url: EDS })).toBe(1);
  });

  test('case 5: a stale nonce is not answered; the next request with the latest nonce adding b gets b', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, EDS, [A]);
    ack(s, r1, [A]);
    h.publish(TWO, makeWeights({ 'default/a': { '10.0.0.1': 5 } }));
    const r2 = await s.next();
    expect(names(r2)).toEqual([A]);
    // The client answers the old nonce, adding b: superseded, not answered.
    s.send({ type_url: EDS, version_info: r1.version_info, response_nonce: r1.nonce, resource_names: [A, B] });
    await s.expectNone();
    expect(await h.metric('weir_xds_stale_nonces_total', { type_url: EDS })).toBe(1);
    ack(s, r2, [A, B]);
    const r3 = await s.next();
    expect(names(r3)).toEqual([B]);
  });

  test('case 6: EDS names {a} → {a,b} at the same version sends b', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, EDS, [A]);
    ack(s, r1, [A, B]);
    const r2 = await s.next();
    expect(names(r2)).toEqual([B]);
    expect(r2.version_info).toBe(r1.version_info);
  });

  test('case 7: unsubscribe a, resubscribe a at the same version sends a again', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, EDS, [A, B]);
    ack(s, r1, [B]);
    await s.expectNone();
    ack(s, r1, [A, B]);
    const r2 = await s.next();
    expect(names(r2)).toEqual([A]);
  });

  test('case 8: EDS names {a,x} with x missing sends a; x is pushed when it appears', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, EDS, [A, X]);
    expect(names(r1)).toEqual([A]);
    ack(s, r1, [A, X]);
    await s.expectNone();
    h.publish(WITH_X);
    const r2 = await s.next();
    expect(names(r2)).toEqual([X]);
  });

  test('case 9: a weight change in CLA a only sends a response with only a, at a new version', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, EDS, [A, B]);
    ack(s, r1, [A, B]);
    h.publish(TWO, makeWeights({ 'default/a': { '10.0.0.2': 7 } }));
    const r2 = await s.next();
    expect(names(r2)).toEqual([A]);
    expect(r2.version_info).not.toBe(r1.version_info);
    const cla = readCla(r2.resources[0]?.value ?? Buffer.alloc(0));
    expect(cla.localities[0]?.endpoints.map((e) => e.weight)).toEqual([1, 7]);
  });

  test('case 10: CDS with empty names is wildcard; every CDS response has all clusters', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, CDS, []);
    expect(names(r1)).toEqual([A, B]);
    ack(s, r1, []);
    h.publish(WITH_X);
    const r2 = await s.next();
    expect(names(r2)).toEqual([A, B, X]);
    ack(s, r2, []);
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] }, 'default/b': { endpoints: ['10.0.1.1@z1'] }, 'default/x': { endpoints: ['10.0.2.1@z2'] } }, ), makeWeights({}));
    // Only CLAs changed: no CDS response; a cluster policy change does send all clusters.
    await s.expectNone();
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'], lbPolicy: 'maglev' }, 'default/b': { endpoints: ['10.0.1.1@z1'] } }));
    const r3 = await s.next();
    expect(names(r3)).toEqual([A, B]);
  });

  test('case 11: CDS names [c1] from a gRPC client: every CDS response contains c1', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, CDS, [A], GRPC_NODE);
    expect(names(r1)).toEqual([A]);
    ack(s, r1, [A]);
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'], lbPolicy: 'round-robin' }, 'default/b': { endpoints: ['10.0.1.1@z1'], lbPolicy: 'maglev' } }));
    // gRPC gets the same cluster for any policy here, so change the set instead.
    await s.expectNone();
    ack(s, r1, [A, B]);
    const r2 = await s.next();
    expect(names(r2)).toEqual([A, B]);
    ack(s, r2, [A, B]);
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] } }));
    const r3 = await s.next();
    expect(names(r3)).toEqual([A]);
  });

  test('case 12: names [] → ["*","A"] → ["A"] → [] mean wildcard, wildcard+A, A only, nothing', async () => {
    h.publish(TWO);
    const s = open();
    const r1 = await subscribe(s, CDS, []);
    expect(names(r1)).toEqual([A, B]);
    ack(s, r1, ['*', A]);
    await s.expectNone();
    h.publish(WITH_X);
    const r2 = await s.next();
    expect(names(r2)).toEqual([A, B, X]);
    ack(s, r2, [A]);
    const r3 = await s.next();
    expect(names(r3)).toEqual([A]);
    ack(s, r3, []);
    const r4 = await s.next();
    expect(names(r4)).toEqual([]);
    ack(s, r4, []);
    h.publish(TWO);
    await s.expectNone();
  });

  test('case 13: EDS with empty names sends nothing; EDS is never wildcard', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [] });
    await s.expectNone();
    h.publish(WITH_X);
    await s.expectNone();
  });
});
