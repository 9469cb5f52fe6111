/**
 * Hostile clients (issue 2 "Bad input"): one that never ACKs, one that NACKs
 * everything, a flood of reconnects. None may crash the process, block other streams,
 * or change what other clients receive.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { TYPE_URL } from '../../../src/xds/types.js';
import { AdsTestClient, ENVOY_NODE, type SotwResponseMsg, type SotwStream } from '../../support/xds-client/ads-client.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { readCla } from '../../support/xds-client/wire-reader.js';
import { startHarness, type Harness } from './harness.js';

const EDS = TYPE_URL.ENDPOINT;
const A = 'a.default:80';
const TOPO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'] } });
const withWeight = (w: number) => makeWeights({ 'default/a': { '10.0.0.1': w } });

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

function ack(s: SotwStream, r: SotwResponseMsg): void {
  s.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: [A] });
}

async function subscribed(harness: Harness): Promise<{ s: SotwStream; first: SotwResponseMsg }> {
  const s = harness.client().sotw();
  s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [A] });
  return { s, first: await s.next() };
}

const weightOf = (r: SotwResponseMsg) => readCla(r.resources[0]?.value ?? Buffer.alloc(0)).localities[0]?.endpoints[0]?.weight;

describe('hostile clients', () => {
  test('a stream that never ACKs holds at most one un-ACKed response; others keep converging', async () => {
    h = await startHarness();
    h.publish(TOPO);
    const silent = await subscribed(h);
    const good = await subscribed(h);
    ack(good.s, good.first);
    for (let w = 2; w <= 6; w++) {
      h.publish(TOPO, withWeight(w));
      const r = await good.s.next();
      expect(weightOf(r)).toBe(w);
      ack(good.s, r);
    }
    await silent.s.expectNone(300);
    expect(silent.s.received).toHaveLength(1);
    // Once it ACKs, it gets the latest state in one response.
    ack(silent.s, silent.first);
    expect(weightOf(await silent.s.next())).toBe(6);
    expect(silent.s.violations).toEqual([]);
    expect(good.s.violations).toEqual([]);
  });

  test('a client that NACKs everything gets one response per change, never a resend loop', async () => {
    h = await startHarness();
    h.publish(TOPO);
    const nacker = await subscribed(h);
    let last = nacker.first;
    const nack = (r: SotwResponseMsg) =>
      nacker.s.send({ type_url: EDS, version_info: r.version_info, response_nonce: r.nonce, resource_names: [A], error_detail: { code: 13, message: 'no' } });
    nack(last);
    const good = await subscribed(h);
    ack(good.s, good.first);
    for (let w = 2; w <= 4; w++) {
      h.publish(TOPO, withWeight(w));
      last = await nacker.s.next();
      nack(last);
      ack(good.s, await good.s.next());
    }
    await nacker.s.expectNone(500);
    expect(nacker.s.received).toHaveLength(4);
    expect(await h.metric('weir_xds_nacks_total', { type_url: EDS })).toBe(4);
    expect(good.s.violations).toEqual([]);
  });

  test('a flood of reconnects is bounded, the process survives, and a bystander converges', async () => {
    h = await startHarness({ server: { maxStreams: 60 } });
    h.publish(TOPO);
    const bystander = await subscribed(h);
    ack(bystander.s, bystander.first);
    const refused: number[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const client = new AdsTestClient(h.server.address);
      const streams = Array.from({ length: 100 }, () => client.sotw());
      for (const s of streams) s.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [A] });
      const outcomes = await Promise.all(streams.map((s) => Promise.race([s.next(10_000).then(() => 'served'), s.ended.then((e) => e.code)])));
      refused.push(outcomes.filter((o) => o === status.RESOURCE_EXHAUSTED).length);
      client.close();
    }
    // The cap held: of 100 streams per wave, at least 41 were refused each time.
    for (const n of refused) expect(n).toBeGreaterThanOrEqual(41);
    expect(await h.metric('weir_xds_rejected_requests_total', { reason: 'too_many_streams' })).toBeGreaterThan(0);
    h.publish(TOPO, withWeight(9));
    expect(weightOf(await bystander.s.next(10_000))).toBe(9);
    // Closed streams are released.
    const deadline = Date.now() + 10_000;
    while (h.server.streamCount() > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(h.server.streamCount()).toBe(1);
    expect(await h.metric('weir_xds_connected_streams', { client_kind: 'envoy', variant: 'sotw' })).toBe(1);
  });
});
