import { describe, expect, it } from 'vitest';
import { parseConfig, parseHostPort, START_FLAGS } from '../../../src/app/config.js';

describe('parseConfig', () => {
  it('gives documented defaults', () => {
    const out = parseConfig({}, {});
    if (!out.valid) throw new Error(out.errors.join('\n'));
    expect(out.result).toMatchObject({
      discovery: 'kube',
      namespaces: [],
      xdsAddress: '0.0.0.0:18000',
      httpAddress: '0.0.0.0:9090',
      intervalMs: 1000,
      prometheusTimeoutMs: 2000,
      signalWindowMs: 30_000,
      leaderElect: false,
      leaseName: 'weir',
    });
    expect(Object.isFrozen(out.result)).toBe(true);
  });

  it('takes flags over environment, and environment over defaults', () => {
    const out = parseConfig(
      { discovery: 'file', 'endpoints-file': 'a.yaml', interval: '500ms' },
      { WEIR_INTERVAL: '5s', WEIR_PROMETHEUS_URL: 'http://127.0.0.1:9091', WEIR_NAMESPACES: 'b, a,b', POD_NAMESPACE: 'weir-system' },
    );
    if (!out.valid) throw new Error(out.errors.join('\n'));
    expect(out.result.intervalMs).toBe(500);
    expect(out.result.prometheusUrl).toBe('http://127.0.0.1:9091');
    expect(out.result.namespaces).toEqual(['a', 'b']);
    expect(out.result.leaseNamespace).toBe('weir-system');
  });

  it('reports every problem at once, naming flag, env variable and value', () => {
    const out = parseConfig(
      { discovery: 'files', interval: 'fast', 'xds-address': 'nowhere', 'prometheus-url': 'ftp://x' },
      { WEIR_HTTP_ADDRESS: '0.0.0.0:99999' },
    );
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.errors).toHaveLength(5);
    expect(out.errors.join('\n')).toContain('--interval (WEIR_INTERVAL) = "fast": must be a duration');
    expect(out.errors.join('\n')).toContain('--http-address (WEIR_HTTP_ADDRESS) = "0.0.0.0:99999"');
  });

  it('checks flags that go together', () => {
    const out = parseConfig({ discovery: 'file', 'xds-tls-cert': 'c.pem', 'leader-elect': 'true' }, {});
    expect(out.valid).toBe(false);
    if (out.valid) return;
    expect(out.errors).toEqual([
      '--endpoints-file is required with --discovery file',
      '--xds-tls-cert and --xds-tls-key go together',
      '--leader-elect needs --discovery kube',
    ]);
  });

  it('has an env variable per flag', () => {
    expect(START_FLAGS.map((f) => f.env)).toContain('WEIR_XDS_TLS_CLIENT_CA');
  });
});

describe('parseHostPort', () => {
  it('reads IPv4, names and bracketed IPv6', () => {
    expect(parseHostPort('0.0.0.0:18000')).toEqual({ host: '0.0.0.0', port: 18000 });
    expect(parseHostPort('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    expect(parseHostPort('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(parseHostPort('::1:9090')).toBeUndefined();
    expect(parseHostPort('a:70000')).toBeUndefined();
  });
});
