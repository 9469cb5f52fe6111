/**
 * The weir_xds_* metrics a user would watch: streams by kind and variant, pushes by
 * type, push duration, convergence (bump → every stream ACKed), NACKs, stale nonces.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TYPE_URL } from '../../../src/xds/types.js';
import { ENVOY_NODE, GRPC_NODE } from '../../support/xds-client/ads-client.js';
import { makeTopology, makeWeights } from '../../support/xds-client/fixtures.js';
import { startHarness, type Harness } from './harness.js';

const EDS = TYPE_URL.ENDPOINT;
const A = 'a.default:80';
const TOPO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] } });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('xds metrics', () => {
  test('streams, pushes, push duration and convergence are measured', async () => {
    h = await startHarness();
    h.publish(TOPO);
    const envoy = h.client().sotw();
    const grpc = h.client().delta();
    envoy.send({ node: ENVOY_NODE, type_url: EDS, resource_names: [A] });
    grpc.send({ node: GRPC_NODE, type_url: EDS, resource_names_subscribe: [A] });
    const e1 = await envoy.next();
    const g1 = await grpc.next();
    expect(await h.metric('weir_xds_connected_streams', { client_kind: 'envoy', variant: 'sotw' })).toBe(1);
    expect(await h.metric('weir_xds_connected_streams', { client_kind: 'grpc', variant: 'delta' })).toBe(1);
    envoy.send({ type_url: EDS, version_info: e1.version_info, response_nonce: e1.nonce, resource_names: [A] });
    grpc.send({ type_url: EDS, response_nonce: g1.nonce });

    h.publish(TOPO, makeWeights({ 'default/a': { '10.0.0.1': 3 } }));
    const e2 = await envoy.next();
    const g2 = await grpc.next();
    expect(await h.metric('weir_xds_push_duration_seconds')).toBeGreaterThanOrEqual(1);
    // Not converged until both ACK.
    envoy.send({ type_url: EDS, version_info: e2.version_info, response_nonce: e2.nonce, resource_names: [A] });
    const convergedBefore = await h.metric('weir_xds_convergence_seconds', { type_url: EDS });
    grpc.send({ type_url: EDS, response_nonce: g2.nonce });
    const deadline = Date.now() + 5_000;
    while ((await h.metric('weir_xds_convergence_seconds', { type_url: EDS })) <= convergedBefore && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await h.metric('weir_xds_convergence_seconds', { type_url: EDS })).toBeGreaterThan(convergedBefore);
    expect(await h.metric('weir_xds_pushes_total', { type_url: EDS })).toBe(4);

    envoy.close();
    grpc.close();
    while ((await h.metric('weir_xds_connected_streams')) > 0 && Date.now() < deadline + 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(await h.metric('weir_xds_connected_streams')).toBe(0);
  });
});
