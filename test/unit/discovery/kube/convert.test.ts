import { describe, expect, test } from 'vitest';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { toService } from '../../../../src/discovery/kube/convert.js';
import { serviceObject, sliceObject } from '../../../support/kube-api/fixtures.js';

// The fixtures are wire JSON, which is what informers hand over too.
const svc = (spec: Parameters<typeof serviceObject>[0]): V1Service => JSON.parse(JSON.stringify(serviceObject(spec))) as V1Service;
const slice = (spec: Parameters<typeof sliceObject>[0]): V1EndpointSlice => JSON.parse(JSON.stringify(sliceObject(spec))) as V1EndpointSlice;

describe('toService', () => {
  test('a Service that did not opt in gives nothing', () => {
    expect(toService(svc({ name: 'web', enabled: false }), [])).toBeUndefined();
  });

  test('nil conditions read as ready and serving; terminating is never ready', () => {
    const s = slice({ service: 'web', endpoints: ['10.0.0.1', { address: '10.0.0.2', terminating: true, serving: false, ready: true }] });
    const eps = s.endpoints as { conditions?: object }[];
    eps[0]!.conditions = undefined;
    const out = toService(svc({ name: 'web' }), [s])!;
    expect(out.endpoints.map((e) => [e.address, e.ready, e.serving, e.terminating])).toEqual([
      ['10.0.0.1', true, true, false],
      ['10.0.0.2', false, false, true],
    ]);
  });

  test('the unnamed port matches the unnamed Service port; other slices add their ports', () => {
    const service = svc({ name: 'web', ports: [{ port: 80 }] });
    const out = toService(service, [slice({ service: 'web', ports: [{ port: 8080 }], endpoints: ['10.0.0.1'] })])!;
    expect(out.endpoints[0]?.ports).toEqual({ '': 8080 });
    const two = svc({ name: 'web', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] });
    const merged = toService(two, [
      slice({ service: 'web', name: 'x', ports: [{ name: 'a', port: 1 }], endpoints: ['10.0.0.1'] }),
      slice({ service: 'web', name: 'y', ports: [{ name: 'b', port: 2 }], endpoints: [{ address: '10.0.0.1', ready: false }] }),
    ])!;
    expect(merged.endpoints).toHaveLength(1);
    expect(merged.endpoints[0]).toMatchObject({ ports: { a: 1, b: 2 }, ready: true });
    expect(merged.sourceProblems).toEqual([]);
  });

  test('FQDN slices and IPv6 in an IPv4 slice are skipped with a problem', () => {
    const out = toService(svc({ name: 'web' }), [
      slice({ service: 'web', name: 'f', addressType: 'FQDN', endpoints: ['example.com'] }),
      slice({ service: 'web', name: 'g', endpoints: ['fd00::1', '10.0.0.1'] }),
    ])!;
    expect(out.endpoints.map((e) => e.address)).toEqual(['10.0.0.1']);
    expect(out.sourceProblems?.map((p) => p.object)).toEqual(['EndpointSlice default/f', 'EndpointSlice default/g']);
  });

  test('the output does not depend on the order of the slices', () => {
    const a = slice({ service: 'web', name: 'a', endpoints: ['10.0.0.3', '10.0.0.1'] });
    const b = slice({ service: 'web', name: 'b', endpoints: ['10.0.0.2', '10.0.0.1'] });
    expect(JSON.stringify(toService(svc({ name: 'web' }), [a, b]))).toBe(JSON.stringify(toService(svc({ name: 'web' }), [b, a])));
  });
});
