/**
 * Make before break across types (XDS.md "Warming and order"), and the server's
 * lifecycle: stop drains streams with UNAVAILABLE; a taken port fails the start.
 */
import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { isWeirError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/log.js';
import { startXdsServer } from '../../../src/xds/index.js';
import { TYPE_URL } from '../../../src/xds/types.js';
import { GRPC_NODE, type SotwResponseMsg, type SotwStream } from '../../support/xds-client/ads-client.js';
import { makeTopology } from '../../support/xds-client/fixtures.js';
import { startHarness, type Harness } from './harness.js';

const A = 'a.default:80';
const B = 'b.default:80';
const ONE = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] } });
const TWO = makeTopology({ 'default/a': { endpoints: ['10.0.0.1@z1'] }, 'default/b': { endpoints: ['10.0.1.1@z1'] } });

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A gRPC-like SotW client subscribed to everything about A and B, every response ACKed. */
async function grpcClient(harness: Harness): Promise<{ s: SotwStream; take: () => Promise<SotwResponseMsg[]> }> {
  const s = harness.client().sotw();
  const subs: Record<string, string[]> = {
    [TYPE_URL.LISTENER]: [A, B],
    [TYPE_URL.ROUTE]: [`route:${A}`, `route:${B}`],
    [TYPE_URL.CLUSTER]: [A, B],
    [TYPE_URL.ENDPOINT]: [A, B],
  };
  for (const [type, names] of Object.entries(subs)) s.send({ node: GRPC_NODE, type_url: type, resource_names: names });
  const take = async () => {
    const got: SotwResponseMsg[] = [];
    for (;;) {
      const r = await s.next(400).catch(() => undefined);
      if (!r) return got;
      got.push(r);
      s.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: subs[r.type_url] ?? [] });
    }
  };
  return { s, take };
}

describe('make before break', () => {
  test('a new service arrives CDS → EDS → LDS → RDS; its removal comes after, referrers first', async () => {
    h = await startHarness();
    h.publish(ONE);
    const { s, take } = await grpcClient(h);
    await take();
    h.publish(TWO);
    expect((await take()).map((r) => r.type_url)).toEqual([TYPE_URL.CLUSTER, TYPE_URL.ENDPOINT, TYPE_URL.LISTENER, TYPE_URL.ROUTE]);
    h.publish(ONE);
    // Only the full-state types say "removed" in SotW: the listener goes before the cluster.
    expect((await take()).map((r) => r.type_url)).toEqual([TYPE_URL.LISTENER, TYPE_URL.CLUSTER]);
    expect(s.violations).toEqual([]);
  });
});

describe('server lifecycle', () => {
  test('stop ends open streams with UNAVAILABLE and resolves', async () => {
    h = await startHarness();
    h.publish(ONE);
    const { s, take } = await grpcClient(h);
    await take();
    const started = performance.now();
    await h.server.stop(2_000);
    expect((await s.ended).code).toBe(status.UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  test('a port already in use fails the start with WEIR_LISTEN_FAILED', async () => {
    h = await startHarness();
    const err = await startXdsServer({ address: h.server.address, cache: h.cache, log: silentLogger(), registry: new Registry() }).catch((e: unknown) => e);
    expect(isWeirError(err, 'WEIR_LISTEN_FAILED')).toBe(true);
  });
});
