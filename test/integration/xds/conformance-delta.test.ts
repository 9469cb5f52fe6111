/**
 * XDS.md conformance cases that concern Delta only (D): 22–29.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TYPE_URL } from '../../../src/xds/types.js';
import { ENVOY_NODE, type DeltaResponseMsg, type DeltaStream } from '../../support/xds-client/ads-client.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { readCla } from '../../support/xds-client/wire-reader.js';
import { A, B, TWO, WITH_X, X } from './conformance-fixtures.js';
import { startHarness, type Harness } from './harness.js';

const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.ENDPOINT;

let h: Harness;
let streams: DeltaStream[];

beforeEach(async () => {
  h = await startHarness();
  streams = [];
});

afterEach(async () => {
  for (const s of streams) expect(s.violations).toEqual([]);
  await h.close();
});

function open(): DeltaStream {
  const s = h.client().delta();
  streams.push(s);
  return s;
}

const names = (r: DeltaResponseMsg) => r.resources.map((x) => x.name);
const ack = (s: DeltaStream, r: DeltaResponseMsg) => s.send({ type_url: r.type_url, response_nonce: r.nonce });

describe('Delta conformance', () => {
  test('case 22: a first wildcard CDS request with zero clusters is answered', async () => {
    h.publish(makeTopology({}));
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: CDS });
    const r = await s.next();
    expect(r.type_url).toBe(CDS);
    expect(r.resources).toEqual([]);
    expect(r.removed_resources).toEqual([]);
    // And with the explicit wildcard name, on another stream.
    const t = open();
    t.send({ node: ENVOY_NODE, type_url: CDS, resource_names_subscribe: ['*'] });
    expect((await t.next()).resources).toEqual([]);
  });

  test('case 23: subscribe {a,x} with x missing gives resources [a], removed [x], and keeps the subscription', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A, X] });
    const r1 = await s.next();
    expect(names(r1)).toEqual([A]);
    expect(r1.removed_resources).toEqual([X]);
    ack(s, r1);
    await s.expectNone();
    h.publish(WITH_X);
    const r2 = await s.next();
    expect(names(r2)).toEqual([X]);
    expect(r2.removed_resources).toEqual([]);
  });

  test('case 24: subscribing a name the client already holds sends it anyway', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A] });
    const r1 = await s.next();
    ack(s, r1);
    s.send({ type_url: EDS, response_nonce: r1.nonce, resource_names_subscribe: [A] });
    const r2 = await s.next();
    expect(names(r2)).toEqual([A]);
    expect(r2.resources[0]?.version).toBe(r1.resources[0]?.version);
  });

  test('case 25: a reconnect with initial_resource_versions {a: current hash} does not resend a', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A, B] });
    const r1 = await s.next();
    const versions = Object.fromEntries(r1.resources.map((r) => [r.name, r.version]));
    const t = open();
    t.send({
      node: ENVOY_NODE,
      type_url: EDS,
      resource_names_subscribe: [A, B],
      initial_resource_versions: { [A]: versions[A] ?? '', [B]: 'an-old-version' },
    });
    const r2 = await t.next();
    expect(names(r2)).toEqual([B]);
    ack(t, r2);
    await t.expectNone();
  });

  test('case 26: an update is Resource{name, version = content hash, resource}; a delete is in removed_resources', async () => {
    h.publish(WITH_X);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: CDS });
    const r1 = await s.next();
    expect(names(r1)).toEqual([A, B, X]);
    ack(s, r1);
    s.send({ type_url: EDS, resource_names_subscribe: [A, X] });
    const e1 = await s.next();
    ack(s, e1);
    const before = e1.resources.find((r) => r.name === A)?.version;
    h.publish(TWO, makeWeights({ 'default/a': { '10.0.0.1': 4 } }));
    const cds = await s.next();
    expect(cds.type_url).toBe(CDS);
    expect(cds.resources).toEqual([]);
    expect(cds.removed_resources).toEqual([X]);
    ack(s, cds);
    const eds = await s.next();
    expect(eds.type_url).toBe(EDS);
    expect(names(eds)).toEqual([A]);
    expect(eds.removed_resources).toEqual([X]);
    const a = eds.resources[0];
    expect(a?.version).toMatch(/^[0-9a-f]{8,}$/);
    expect(a?.version).not.toBe(before);
    expect(readCla(a?.resource?.value ?? Buffer.alloc(0)).localities[0]?.endpoints[0]?.weight).toBe(4);
  });

  test('case 27: an unsubscribe-only request gets no response', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A, B] });
    const r1 = await s.next();
    ack(s, r1);
    s.send({ type_url: EDS, response_nonce: r1.nonce, resource_names_unsubscribe: [B] });
    await s.expectNone();
    // B is no longer subscribed: its changes are not sent.
    h.publish(TWO, makeWeights({ 'default/b': { '10.0.1.1': 5 } }));
    await s.expectNone();
  });

  test('case 28: a stale-nonce request adding b still gets b', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A] });
    const r1 = await s.next();
    ack(s, r1);
    h.publish(TWO, makeWeights({ 'default/a': { '10.0.0.1': 6 } }));
    const r2 = await s.next();
    // The client has not processed r2 yet: it answers r1's nonce, adding b.
    s.send({ type_url: EDS, response_nonce: r1.nonce, resource_names_subscribe: [B] });
    ack(s, r2);
    const r3 = await s.next();
    expect(names(r3)).toEqual([B]);
    expect(await h.metric('weir_xds_stale_nonces_total', { variant: 'delta' })).toBe(1);
  });

  test('case 29: system_version_info is never used for ACK logic', async () => {
    h.publish(TWO);
    const s = open();
    s.send({ node: ENVOY_NODE, type_url: EDS, resource_names_subscribe: [A] });
    const r1 = await s.next();
    expect(r1.system_version_info).not.toBe('');
    // Same content again under a new system version (another kind changed): the ACK by
    // nonce alone is enough, and the client is not sent A again.
    ack(s, r1);
    h.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] }, 'default/b': { endpoints: ['10.0.1.1@z2'] } }));
    await s.expectNone();
    h.publish(TWO, makeWeights({ 'default/a': { '10.0.0.2': 2 } }));
    const r2 = await s.next();
    expect(names(r2)).toEqual([A]);
    expect(r2.system_version_info).not.toBe(r1.system_version_info);
  });
});
