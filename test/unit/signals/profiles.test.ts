import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, isWeirError } from '../../../src/lib/errors.js';
import { BUILTIN_PROFILES, customSignalSpecs, loadProfiles, parseProfiles } from '../../../src/signals/profiles.js';
import { renderTemplate } from '../../../src/signals/promql-template.js';
import type { Profiles } from '../../../src/signals/profile-types.js';

function ok(text: string): Profiles {
  const v = parseProfiles(text, 'p.yaml');
  if (!v.valid) throw new Error(v.errors.join('\n'));
  return v.result;
}
function errors(text: string): string[] {
  const v = parseProfiles(text, 'p.yaml');
  if (v.valid) throw new Error('expected problems');
  return v.errors;
}

const CHECKOUT = `
profiles:
  checkout:
    quantile: 0.99
    labels: { endpoint: instance }
    latency:
      query: histogram_quantile({{quantile}}, sum by ({{namespaceLabel}}, {{serviceLabel}}, {{endpointLabel}}, le) (rate(lat_ms_bucket{namespace=~"{{namespace}}", service=~"{{service}}"}[{{window}}])))
      unit: milliseconds
    errorRatio: sum by (namespace, service, instance) (rate(err{service=~"{{service}}"}[{{window}}]))
    custom:
      - name: success-rate
        query: sum by (namespace, service, instance) (ok{service=~"{{service}}"})
        direction: higher-is-better
        threshold: 0.95
      - name: queue
        query: max by (namespace, pod) (queue{namespace=~"{{namespace}}"})
        labels: { service: "", endpoint: pod }
        window: 1m
        direction: lower-is-better
        threshold: 100
`;

describe('built-in profiles', () => {
  it('ship default, istio, cadvisor and kubernetes', () => {
    expect([...BUILTIN_PROFILES.keys()].sort()).toEqual(['cadvisor', 'default', 'istio', 'kubernetes']);
    const d = BUILTIN_PROFILES.get('default')!;
    expect(d.signals.map((s) => s.id)).toEqual(['latency', 'errorRatio', 'requestRate', 'inflight']);
    expect(d.signals[0]!.scale).toBe(1000);
    expect(BUILTIN_PROFILES.get('istio')!.signals[0]!.scale).toBe(1);
    expect(BUILTIN_PROFILES.get('kubernetes')!.signals.map((s) => s.id)).toEqual(['latency', 'errorRatio', 'requestRate', 'inflight', 'cpu', 'memory']);
  });

  it('write the default error ratio so that traffic without error series gives 0', () => {
    const s = BUILTIN_PROFILES.get('default')!.signals.find((x) => x.id === 'errorRatio')!;
    const q = renderTemplate(s.template, {
      namespace: ['n'],
      service: ['s'],
      namespaceLabel: 'namespace',
      serviceLabel: 'service',
      endpointLabel: 'pod',
      window: '10s',
      quantile: 0.9,
    });
    expect(q).toMatch(/\)\s*or\s*0 \* sum by \(namespace, service, pod\) \(rate\(http_server_request_duration_seconds_count/);
  });

  it('join cAdvisor series on namespace and pod only', () => {
    const cpu = BUILTIN_PROFILES.get('istio')!.signals.find((x) => x.id === 'cpu')!;
    expect(cpu.labels).toEqual({ namespace: 'namespace', service: '', endpoint: 'pod', match: 'pod' });
    expect(cpu.window).toBe('1m');
    expect(BUILTIN_PROFILES.get('istio')!.signals[0]!.labels.service).toBe('destination_service_name');
  });
});

describe('parseProfiles', () => {
  it('resolves a profile with custom signals and merges it over the built-ins', () => {
    const profiles = ok(CHECKOUT);
    expect([...profiles.keys()]).toEqual(['cadvisor', 'checkout', 'default', 'istio', 'kubernetes']);
    const p = profiles.get('checkout')!;
    expect(p.builtin).toBe(false);
    expect(p.quantile).toBe(0.99);
    expect(p.signals.map((s) => s.id)).toEqual(['latency', 'errorRatio', 'custom:queue', 'custom:success-rate']);
    expect(p.signals[0]!.scale).toBe(1);
    expect(p.signals[0]!.labels).toEqual({ namespace: 'namespace', service: 'service', endpoint: 'instance', match: 'address' });
    expect(p.signals[2]!.labels).toEqual({ namespace: 'namespace', service: '', endpoint: 'pod', match: 'pod' });
    expect(p.signals[2]!.window).toBe('1m');
    expect(p.custom).toEqual([
      { name: 'queue', direction: 'lower-is-better', threshold: 100 },
      { name: 'success-rate', direction: 'higher-is-better', threshold: 0.95 },
    ]);
    expect(customSignalSpecs(profiles).get('checkout')).toEqual(p.custom);
    expect(customSignalSpecs(profiles).get('default')).toEqual([]);
  });

  it('lets the file replace a built-in', () => {
    const p = ok('profiles:\n  default:\n    cpu: max by (namespace, service, pod) (x{service=~"{{service}}"})\n').get('default')!;
    expect(p.builtin).toBe(false);
    expect(p.signals.map((s) => s.id)).toEqual(['cpu']);
  });

  it('accepts an empty file', () => {
    expect(ok('').size).toBe(BUILTIN_PROFILES.size);
  });

  it('lists every problem with file, profile, field and value', () => {
    const list = errors(`
profiles:
  Bad_Name:
    cpu: up
  web:
    quantile: 1.5
    labels: { endpoint: "pod-name", match: ip }
    latency:
      query: x{service=~"{{svc}}"}
      unit: minutes
    errorRatio: ""
    memroy: up
    custom:
      - name: a
        query: up
        direction: up
        threshold: high
      - name: a
        query: up
        direction: lower-is-better
        threshold: 1
  empty: {}
  nolabel:
    labels: { service: "" }
    requestRate: sum by ({{serviceLabel}}) (x)
`);
    const expected = [
      /^p\.yaml: profiles\.Bad_Name: profile name must be/,
      /^p\.yaml: profiles\.web\.quantile: .*\(value: 1\.5\)/,
      /^p\.yaml: profiles\.web\.labels\.endpoint: must be a label name \(value: "pod-name"\)/,
      /^p\.yaml: profiles\.web\.labels\.match: .*\(value: "ip"\)/,
      /^p\.yaml: profiles\.web\.latency\.query: unknown template variable \{\{svc\}\}/,
      /^p\.yaml: profiles\.web\.latency\.unit: .*\(value: "minutes"\)/,
      /^p\.yaml: profiles\.web\.errorRatio\.query: must not be empty/,
      /^p\.yaml: profiles\.web: Unrecognized key: "memroy"/,
      /^p\.yaml: profiles\.web\.custom\.0\.direction: .*\(value: "up"\)/,
      /^p\.yaml: profiles\.web\.custom\.0\.threshold: .*\(value: "high"\)/,
      /^p\.yaml: profiles\.web\.custom\.1\.name: duplicate custom signal name \(value: "a"\)/,
      /^p\.yaml: profiles\.empty: a profile needs at least one signal/,
      /^p\.yaml: profiles\.nolabel\.requestRate\.query: uses \{\{serviceLabel\}\} but labels\.service is ""/,
    ];
    for (const re of expected) expect(list.some((l) => re.test(l)), `${re} in\n${list.join('\n')}`).toBe(true);
    expect(list).toHaveLength(expected.length);
  });

  it('reports a template that names a label the signal does not have', () => {
    expect(errors('profiles:\n  x:\n    labels: { service: "" }\n    requestRate: sum by ({{serviceLabel}}) (x)\n')).toEqual([
      'p.yaml: profiles.x.requestRate.query: uses {{serviceLabel}} but labels.service is ""',
    ]);
  });

  it('reports YAML syntax errors and unknown top-level keys', () => {
    expect(errors('profiles:\n  a: [\n')[0]).toMatch(/^p\.yaml: line \d+: /);
    expect(errors('profile: {}\n').join('\n')).toMatch(/Unrecognized key: "profile"/);
    expect(errors('profiles:\n  a: {cpu: up}\n  a: {cpu: up}\n')[0]).toMatch(/^p\.yaml: line/);
  });
});

describe('loadProfiles', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('gives the built-ins without a file', () => {
    expect(loadProfiles()).toBe(BUILTIN_PROFILES);
  });

  it('reads a file, and throws PROFILES_INVALID with every problem', () => {
    const d = mkdtempSync(join(tmpdir(), 'weir-profiles-'));
    dir = d;
    const good = join(d, 'good.yaml');
    writeFileSync(good, CHECKOUT);
    expect(loadProfiles(good).has('checkout')).toBe(true);
    const bad = join(d, 'bad.yaml');
    writeFileSync(bad, 'profiles:\n  a: {cpu: ""}\n  b: {}\n');
    try {
      loadProfiles(bad);
      expect.unreachable();
    } catch (err) {
      expect(isWeirError(err, ERROR_CODES.PROFILES_INVALID)).toBe(true);
      if (isWeirError(err)) {
        expect(err.details).toHaveLength(2);
        expect(err.details.every((d) => d.startsWith(`${bad}: profiles.`))).toBe(true);
      }
    }
    expect(() => loadProfiles(join(d, 'missing.yaml'))).toThrow(/cannot read the profiles file/);
  });
});

describe('the example profiles file', () => {
  it('deploy/profiles/profiles.yaml is valid and adds its profiles to the built-ins', () => {
    const profiles = loadProfiles(new URL('../../../deploy/profiles/profiles.yaml', import.meta.url).pathname);
    expect([...profiles.keys()]).toEqual(['cadvisor', 'checkout', 'default', 'istio', 'kubernetes', 'web-by-instance']);
    expect(profiles.get('web-by-instance')!.signals[0]!.labels.match).toBe('address');
    expect(customSignalSpecs(profiles).get('checkout')!.map((c) => c.name)).toEqual(['payment-success', 'queue-depth']);
  });
});
