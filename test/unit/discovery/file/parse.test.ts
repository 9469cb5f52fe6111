import { describe, expect, it } from 'vitest';
import { parseEndpointsFile } from '../../../../src/discovery/file/parse.js';

const GOOD = `
services:
  - name: checkout
    namespace: shop
    annotations:
      weir.dev/lb-policy: ring-hash
      weir.dev/half-life: soon
    ports:
      - name: grpc
        port: 8080
      - name: http
        port: 8081
    endpoints:
      - address: 10.0.0.2
        pod: checkout-b
        zone: zone-b
        ports: { grpc: 50051, http: 8081 }
      - address: 10.0.0.1
        pod: checkout-a
        zone: zone-a
        ports: { grpc: 50051 }
      - address: "fd00::3"
        ports: { grpc: 50051 }
        terminating: true
  - name: cart
    ports: [{ port: 80 }]
    endpoints:
      - { address: 127.0.0.1, port: 9000 }
`;

describe('parseEndpointsFile', () => {
  it('builds a sorted topology with parsed annotations', () => {
    const out = parseEndpointsFile(GOOD);
    if (!out.valid) throw new Error(out.errors.join('\n'));
    expect([...out.result.services.keys()]).toEqual(['default/cart', 'shop/checkout']);
    const checkout = out.result.services.get('shop/checkout')!;
    expect(checkout.policy.lbPolicy).toBe('ring-hash');
    expect(checkout.problems).toEqual([
      expect.objectContaining({ annotation: 'weir.dev/half-life', value: 'soon' }),
    ]);
    expect(checkout.endpoints.map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2', 'fd00::3']);
    // Terminating but still serving: drained (no new traffic), not dropped at once.
    expect(checkout.endpoints[2]).toMatchObject({ ready: false, serving: true, terminating: true });
    const cart = out.result.services.get('default/cart')!;
    expect(cart.endpoints[0]!.ports).toEqual({ '': 9000 });
  });

  it('names the line and the field of every problem', () => {
    const out = parseEndpointsFile(`services:
  - name: checkout
    ports:
      - name: grpc
        port: 8080
    endpoints:
      - address: 10.0.0.300
        ports: { grpc: 50051 }
      - address: 10.0.0.1
        ports: { grpc: 70000 }
`);
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.errors).toEqual([
      'services[0].endpoints[0].address (line 7): must be an IPv4 or IPv6 address',
      expect.stringMatching(/^services\[0\]\.endpoints\[1\]\.ports\.grpc \(line 10\): .*65535/),
    ]);
  });

  it('rejects unknown fields, duplicate endpoints and unknown port names', () => {
    const out = parseEndpointsFile(`services:
  - name: checkout
    prots: []
    ports: [{ name: grpc, port: 8080 }]
`);
    expect(out.valid).toBe(false);
    if (!out.valid) expect(out.errors.join('\n')).toMatch(/prots/);

    const dup = parseEndpointsFile(`services:
  - name: checkout
    ports: [{ name: grpc, port: 8080 }]
    endpoints:
      - { address: 10.0.0.1, ports: { grpc: 1 } }
      - { address: 10.0.0.1, ports: { grcp: 1 } }
`);
    expect(dup.valid).toBe(false);
    if (!dup.valid) {
      expect(dup.errors).toEqual(['services[0].endpoints[1].address (line 6): endpoint 10.0.0.1 is listed twice']);
    }
  });

  it('reports YAML syntax errors with their line', () => {
    const out = parseEndpointsFile('services:\n  - name: [oops\n');
    expect(out.valid).toBe(false);
    if (!out.valid) expect(out.errors[0]).toMatch(/^line \d+:/);
  });

  it('skips a service that opts out', () => {
    const out = parseEndpointsFile(`services:
  - name: a
    annotations: { weir.dev/enabled: "false" }
    ports: [{ port: 80 }]
`);
    expect(out.valid && out.result.services.size).toBe(0);
  });
});
