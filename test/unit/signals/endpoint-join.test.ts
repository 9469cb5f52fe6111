import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Endpoint, type Service } from '../../../src/model/index.js';
import { EndpointIndex, canonicalAddress, instanceHost } from '../../../src/signals/endpoint-join.js';
import type { SeriesLabels } from '../../../src/signals/profile-types.js';

function ep(address: string, pod?: string): Endpoint {
  return { address, ports: { '': 8080 }, ...(pod ? { pod } : {}), zone: '', ready: true, serving: true, terminating: false };
}
function svc(namespace: string, name: string, endpoints: Endpoint[]): Service {
  return { key: { namespace, name }, ports: [{ name: '', port: 80, protocol: 'TCP' }], endpoints, policy: DEFAULT_POLICY, problems: [] };
}

const POD: SeriesLabels = { namespace: 'namespace', service: 'service', endpoint: 'pod', match: 'pod' };
const INSTANCE: SeriesLabels = { namespace: 'namespace', service: 'service', endpoint: 'instance', match: 'address' };
const CADVISOR: SeriesLabels = { namespace: 'namespace', service: '', endpoint: 'pod', match: 'pod' };

const index = new EndpointIndex([
  svc('shop', 'web', [ep('10.0.0.1', 'web-1'), ep('10.0.0.2', 'web-2')]),
  svc('shop', 'api', [ep('10.0.0.1', 'web-1'), ep('2001:db8::7', 'api-1')]),
  svc('other', 'web', [ep('10.1.0.1', 'web-1')]),
]);

describe('instanceHost', () => {
  it('takes the host of ip:port, [ipv6]:port and bare addresses, canonically', () => {
    expect(instanceHost('10.0.0.1:9090')).toBe('10.0.0.1');
    expect(instanceHost('[::1]:8080')).toBe('::1');
    expect(instanceHost('[2001:DB8:0:0::7]:80')).toBe('2001:db8::7');
    expect(instanceHost('2001:db8::7')).toBe('2001:db8::7');
    expect(instanceHost('10.0.0.1')).toBe('10.0.0.1');
    expect(instanceHost('Web-1.example:80')).toBe('web-1.example');
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80::1%eth0');
  });
});

describe('EndpointIndex', () => {
  it('joins a pod series to its service only when the series names the service', () => {
    expect(index.match({ namespace: 'shop', service: 'web', pod: 'web-1' }, POD)).toEqual([{ serviceId: 'shop/web', address: '10.0.0.1' }]);
  });

  it('joins a series without a service label to every service the pod backs, in its namespace', () => {
    expect(index.match({ namespace: 'shop', pod: 'web-1' }, CADVISOR).map((t) => t.serviceId)).toEqual(['shop/api', 'shop/web']);
    expect(index.match({ namespace: 'other', pod: 'web-1' }, CADVISOR)).toEqual([{ serviceId: 'other/web', address: '10.1.0.1' }]);
  });

  it('joins instances by IP whatever the port, IPv6 included', () => {
    expect(index.match({ namespace: 'shop', service: 'web', instance: '10.0.0.2:9100' }, INSTANCE)).toEqual([
      { serviceId: 'shop/web', address: '10.0.0.2' },
    ]);
    expect(index.match({ instance: '[2001:db8:0::7]:15020' }, INSTANCE)).toEqual([{ serviceId: 'shop/api', address: '2001:db8::7' }]);
  });

  it('ignores unknown pods, other services and series without the endpoint label', () => {
    expect(index.match({ namespace: 'shop', service: 'web', pod: 'web-9' }, POD)).toEqual([]);
    expect(index.match({ namespace: 'shop', service: 'cart', pod: 'web-1' }, POD)).toEqual([]);
    expect(index.match({ namespace: 'shop', service: 'web' }, POD)).toEqual([]);
    expect(index.match({ instance: '10.9.9.9:80' }, INSTANCE)).toEqual([]);
  });
});
