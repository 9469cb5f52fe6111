/**
 * XDS.md conformance cases that hold for both variants (B): 3, 14–21, each run over
 * SotW and over Delta. Cases 19 and 20 use the real resource builders.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { createResourceBuilder } from '../../../src/xds/resources/index.js';
import { TYPE_URL } from '../../../src/xds/types.js';
import { ENVOY_NODE, GRPC_NODE } from '../../support/xds-client/ads-client.js';
import { checkCla, checkSotwResponse } from '../../support/xds-client/checks.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { readCla } from '../../support/xds-client/wire-reader.js';
import { A, B, TWO, WITH_X, X } from './conformance-fixtures.js';
import { startHarness, type Harness } from './harness.js';
import { openVariant, type VariantName, type VariantStream } from './variants.js';

const CDS = TYPE_URL.CLUSTER;
const EDS = TYPE_URL.ENDPOINT;
const LDS = TYPE_URL.LISTENER;

let h: Harness | undefined;
let streams: VariantStream[] = [];

afterEach(async () => {
  for (const s of streams) expect(s.violations).toEqual([]);
  streams = [];
  await h?.close();
  h = undefined;
});

async function setup(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

function open(harness: Harness, variant: VariantName): VariantStream {
  const s = openVariant(harness, variant);
  streams.push(s);
  return s;
}

describe.each<VariantName>(['sotw', 'delta'])('conformance over %s', (variant) => {
  test('case 3: a NACK gets no resend of the same content; it is recorded; the next change is sent', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(EDS, [A], ENVOY_NODE);
    const r1 = await s.next();
    s.nack(r1, 'endpoint rejected');
    await s.expectNone(500);
    expect(await harness.metric('weir_xds_nacks_total', { type_url: EDS, client_kind: 'envoy' })).toBe(1);
    harness.publish(TWO, makeWeights({ 'default/a': { '10.0.0.1': 3 } }));
    const r2 = await s.next();
    expect(r2.names).toEqual([A]);
    expect(readCla(r2.bodies.get(A) ?? Buffer.alloc(0)).localities[0]?.endpoints[0]?.weight).toBe(3);
  });

  test('case 14: a CDS change to cluster c with an unchanged CLA sends the CLA for c after the CDS', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(CDS, [], ENVOY_NODE);
    s.ack(await s.next());
    s.subscribe(EDS, [A, B]);
    s.ack(await s.next());
    harness.publish(makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1'], lbPolicy: 'maglev' }, 'default/b': { endpoints: ['10.0.1.1@z1'] } }));
    const cds = await s.next();
    expect(cds.typeUrl).toBe(CDS);
    const eds = await s.next();
    expect(eds.typeUrl).toBe(EDS);
    expect(eds.names).toEqual([A]);
  });

  test('case 15: a new cluster X with its CLA: CDS before EDS', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(CDS, [], ENVOY_NODE);
    s.ack(await s.next());
    s.subscribe(EDS, variant === 'sotw' ? [A, X] : [A, X]);
    const first = await s.next();
    s.ack(first);
    harness.publish(WITH_X);
    const cds = await s.next();
    expect(cds.typeUrl).toBe(CDS);
    expect(cds.names).toContain(X);
    const eds = await s.next();
    expect(eds.typeUrl).toBe(EDS);
    expect(eds.names).toEqual([X]);
  });

  test('case 16: later requests without node are attributed to the stream’s node', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(CDS, [A], GRPC_NODE);
    s.ack(await s.next());
    // No node on this request: the stream is still a gRPC client, which is served listeners.
    s.subscribe(LDS, [A]);
    const lds = await s.next();
    expect(lds.typeUrl).toBe(LDS);
    expect(lds.names).toEqual([A]);
    expect(await harness.metric('weir_xds_connected_streams', { client_kind: 'grpc', variant })).toBe(1);
  });

  test('case 17: an empty type_url closes the stream with InvalidArgument', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.sendRawType('', ENVOY_NODE);
    const end = await s.ended;
    expect(end.code).toBe(status.INVALID_ARGUMENT);
    expect(end.details).toMatch(/type_url/);
  });

  test('case 18: every response has a unique non-empty nonce, matching Any type URLs, no duplicate names', async () => {
    const harness = await setup();
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(CDS, [], GRPC_NODE);
    s.subscribe(EDS, [A, B, A, X]);
    s.subscribe(LDS, [A, B, X]);
    s.subscribe(TYPE_URL.ROUTE, [`route:${A}`, `route:${B}`, `route:${X}`]);
    const nonces = new Set<string>();
    /** Take and ACK responses until the stream is quiet. */
    const drain = async () => {
      for (;;) {
        const r = await s.next(400).catch(() => undefined);
        if (!r) return;
        expect(r.nonce).not.toBe('');
        expect(nonces.has(r.nonce)).toBe(false);
        nonces.add(r.nonce);
        expect(new Set(r.names).size).toBe(r.names.length);
        s.ack(r);
      }
    };
    await drain();
    for (const [topology, weights] of [
      [WITH_X, makeWeights({})],
      [WITH_X, makeWeights({ 'default/x': { '10.0.2.1': 9 } })],
      [TWO, makeWeights({ 'default/a': { '10.0.0.1': 2 } })],
    ] as const) {
      harness.publish(topology, weights);
      await drain();
    }
    expect(nonces.size).toBeGreaterThanOrEqual(8);
    // The checker itself catches a broken response, so this case can fail.
    const broken = checkSotwResponse(
      { version_info: '1', type_url: EDS, nonce: '', control_plane: null, resources: [{ type_url: CDS, value: Buffer.alloc(0) }] },
      new Set(),
    );
    expect(broken.length).toBeGreaterThanOrEqual(2);
  });

  test('case 19: every CLA has weights ≥ 1, locality and locality weight set, sums ≤ 2^32-1 (real builders)', async () => {
    const harness = await setup({ build: createResourceBuilder() });
    const topology = makeTopology({
      'default/a': { endpoints: ['10.0.0.1@z1', '10.0.0.2@z1', '10.0.0.3@z2', '10.0.0.4@'] },
      'default/b': { endpoints: ['10.0.1.1@z1', '10.0.1.2@z1'] },
    });
    harness.publish(
      topology,
      makeWeights({ 'default/a': { '10.0.0.1': 0, '10.0.0.2': 4_294_967_295, '10.0.0.3': 4_294_967_295 }, 'default/b': { '10.0.1.1': 2 ** 40 } }),
    );
    for (const node of [ENVOY_NODE, GRPC_NODE]) {
      const s = open(harness, variant);
      s.subscribe(EDS, [A, B], node);
      const r = await s.next();
      expect([...r.names].sort()).toEqual([A, B]);
      for (const [name, body] of r.bodies) {
        expect(checkCla(body, name)).toEqual([]);
        const cla = readCla(body);
        expect(cla.localities.length).toBeGreaterThan(0);
        for (const loc of cla.localities) for (const ep of loc.endpoints) expect(ep.weight ?? 0).toBeGreaterThanOrEqual(1);
      }
    }
  });

  test('case 20: a service scaled to zero gets an empty CLA, not an omission (real builders)', async () => {
    const harness = await setup({ build: createResourceBuilder() });
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(EDS, [A, B], ENVOY_NODE);
    s.ack(await s.next());
    harness.publish(makeTopology({ 'default/a': { endpoints: [] }, 'default/b': { endpoints: ['10.0.1.1@z1'] } }));
    const r = await s.next();
    expect(r.names).toEqual([A]);
    expect(r.removed).toEqual([]);
    expect(readCla(r.bodies.get(A) ?? Buffer.alloc(1)).localities.flatMap((l) => l.endpoints)).toEqual([]);
  });

  test('case 21: 50 updates inside the coalescing window give one response with the final state', async () => {
    const harness = await setup({ holdOffMs: 300, maxDelayMs: 5_000 });
    harness.publish(TWO);
    const s = open(harness, variant);
    s.subscribe(EDS, [A], ENVOY_NODE);
    s.ack(await s.next());
    const flushes = await harness.metric('weir_xds_cache_flushes_total');
    for (let i = 1; i <= 50; i++) harness.cache.update(TWO, makeWeights({ 'default/a': { '10.0.0.1': i } }));
    const r = await s.next(5_000);
    expect(readCla(r.bodies.get(A) ?? Buffer.alloc(0)).localities[0]?.endpoints[0]?.weight).toBe(50);
    s.ack(r);
    await s.expectNone(600);
    expect((await harness.metric('weir_xds_cache_flushes_total')) - flushes).toBe(1);
  });
});
