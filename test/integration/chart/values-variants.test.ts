import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseProfiles } from '../../../src/signals/profiles.js';
import { HelmRenderError } from '../../support/helm-render/helm-render.js';
import { at, BUILD_TIMEOUT_MS, containerArgs, ofKind, prepareRenderer, render, REPO_ROOT, single, type Obj } from './chart-fixture.js';
import { problems } from './chart-validation.js';

const names = (list: Obj[]): string[] => list.map((o) => `${String(at(o, 'metadata.namespace'))}/${String(at(o, 'metadata.name'))}`).sort();
const podSpec = (chart: Awaited<ReturnType<typeof render>>): Obj => at(single(chart, 'Deployment'), 'spec.template.spec') as Obj;
const container = (chart: Awaited<ReturnType<typeof render>>): Obj => (podSpec(chart).containers as Obj[])[0] as Obj;

describe('charts/weir with non-default values', () => {
  beforeAll(prepareRenderer, BUILD_TIMEOUT_MS);

  test('watchNamespaces: namespaced Roles in each, no cluster-wide access', async () => {
    const chart = await render([{ watchNamespaces: ['team-a', 'team-b'] }]);
    expect(problems(chart)).toEqual([]);
    expect(ofKind(chart, 'ClusterRole')).toEqual([]);
    expect(ofKind(chart, 'ClusterRoleBinding')).toEqual([]);
    expect(names(ofKind(chart, 'Role'))).toEqual(['team-a/weir', 'team-b/weir', 'weir-system/weir-leader-election']);
    for (const rb of ofKind(chart, 'RoleBinding')) {
      expect(at(rb, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'weir', namespace: 'weir-system' }]);
      expect(at(rb, 'roleRef.name')).toBe(String(at(rb, 'metadata.name')));
    }
    const watch = ofKind(chart, 'Role').find((r) => at(r, 'metadata.namespace') === 'team-a');
    expect(JSON.stringify(at(watch, 'rules'))).toContain('endpointslices');
    expect(containerArgs(chart)).toContain('--namespaces=team-a,team-b');
  });

  test('tls.enabled: the Secret is mounted read-only and passed as cert, key and client CA', async () => {
    const chart = await render([{ tls: { enabled: true, secretName: 'weir-xds-tls' } }]);
    expect(problems(chart)).toEqual([]);
    expect(containerArgs(chart)).toEqual(
      expect.arrayContaining(['--xds-tls-cert=/etc/weir/tls/tls.crt', '--xds-tls-key=/etc/weir/tls/tls.key', '--xds-tls-client-ca=/etc/weir/tls/ca.crt']),
    );
    expect(podSpec(chart).volumes).toContainEqual({ name: 'xds-tls', secret: { secretName: 'weir-xds-tls' } });
    expect(container(chart).volumeMounts).toContainEqual({ name: 'xds-tls', mountPath: '/etc/weir/tls', readOnly: true });
    expect(chart.notes).toContain('client certificates required');

    const serverOnly = await render([{ tls: { enabled: true, secretName: 'weir-xds-tls', clientAuth: false } }]);
    expect(containerArgs(serverOnly).filter((a) => a.startsWith('--xds-tls'))).toEqual([
      '--xds-tls-cert=/etc/weir/tls/tls.crt',
      '--xds-tls-key=/etc/weir/tls/tls.key',
    ]);
  });

  test('serviceMonitor.enabled: scrapes /metrics of the HTTP Service only', async () => {
    const chart = await render([{ serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'kube-prometheus' } } }]);
    expect(problems(chart)).toEqual([]);
    const sm = single(chart, 'ServiceMonitor');
    expect(at(sm, 'metadata.labels.release')).toBe('kube-prometheus');
    expect(at(sm, 'spec.endpoints')).toEqual([{ port: 'http', path: '/metrics', honorLabels: true, interval: '30s', scrapeTimeout: '10s' }]);
    const selector = at(sm, 'spec.selector.matchLabels') as Record<string, string>;
    const selected = ofKind(chart, 'Service').filter((s) =>
      Object.entries(selector).every(([k, v]) => (at(s, 'metadata.labels') as Record<string, string>)[k] === v),
    );
    expect(selected.map((s) => at(s, 'metadata.name'))).toEqual(['weir-http']);
    expect(at(sm, 'spec.namespaceSelector.matchNames')).toEqual(['weir-system']);
  });

  test('custom profiles: a ConfigMap weir parses, mounted at /etc/weir/profiles.yaml, pods roll when it changes', async () => {
    // The example profiles file shipped in deploy/profiles, given as chart values.
    const example = parse(await readFile(join(REPO_ROOT, 'deploy/profiles/profiles.yaml'), 'utf8')) as { profiles: Record<string, Obj> };
    const chart = await render([{ profiles: example.profiles }]);
    expect(problems(chart)).toEqual([]);
    const cm = ofKind(chart, 'ConfigMap').find((c) => at(c, 'metadata.name') === 'weir-profiles');
    const text = (at(cm, 'data') as Record<string, string>)['profiles.yaml'] ?? '';
    // PromQL templates reach weir as written (Helm does not expand {{ }} inside values),
    // and weir's own parser accepts the file.
    expect(parse(text)).toEqual(example);
    const parsed = parseProfiles(text, '/etc/weir/profiles.yaml');
    expect(parsed.valid ? [...parsed.result.keys()] : parsed.errors).toEqual(expect.arrayContaining(Object.keys(example.profiles)));
    expect(containerArgs(chart)).toContain('--profiles=/etc/weir/profiles.yaml');
    expect(container(chart).volumeMounts).toContainEqual({ name: 'profiles', mountPath: '/etc/weir/profiles.yaml', subPath: 'profiles.yaml', readOnly: true });
    expect(podSpec(chart).volumes).toContainEqual({ name: 'profiles', configMap: { name: 'weir-profiles' } });

    const annotations = (c: typeof chart): Record<string, string> => at(single(c, 'Deployment'), 'spec.template.metadata.annotations') as Record<string, string>;
    expect(annotations(chart)['checksum/profiles']).toMatch(/^[0-9a-f]{64}$/);
    const [first, ...rest] = Object.entries(example.profiles);
    const changed = await render([{ profiles: Object.fromEntries([[first?.[0] ?? 'x', { ...first?.[1], quantile: 0.5 }], ...rest]) }]);
    expect(annotations(changed)['checksum/profiles']).not.toBe(annotations(chart)['checksum/profiles']);
  });

  test('replicaCount 1: one replica, no PodDisruptionBudget, leader election still on', async () => {
    const chart = await render([{ replicaCount: 1 }]);
    expect(problems(chart)).toEqual([]);
    expect(at(single(chart, 'Deployment'), 'spec.replicas')).toBe(1);
    expect(ofKind(chart, 'PodDisruptionBudget')).toEqual([]);
    expect(containerArgs(chart)).toContain('--leader-elect=true');
  });

  test('two replicas without leader election are refused with the reason', async () => {
    const err = await render([{ leaderElection: { enabled: false } }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HelmRenderError);
    expect((err as HelmRenderError).stage).toBe('render');
    expect((err as HelmRenderError).message).toMatch(
      /^execution error at \(weir\/templates\/deployment\.yaml:\d+:\d+\): leaderElection\.enabled must be true when replicaCount is more than 1/,
    );
    const single1 = await render([{ replicaCount: 1, leaderElection: { enabled: false } }]);
    expect(containerArgs(single1).some((a) => a.startsWith('--lease') || a.startsWith('--leader'))).toBe(false);
    expect(ofKind(single1, 'Role')).toEqual([]);
  });

  test('scheduling, Prometheus auth files, image digest and extra args map through', async () => {
    const chart = await render([
      {
        podAntiAffinity: 'hard',
        topologySpread: { enabled: true },
        prometheus: { url: 'https://thanos.monitoring.svc:10902', bearerTokenFile: '/var/run/secrets/prom/token', caFile: '/etc/prom-ca/ca.crt' },
        image: { digest: `sha256:${createHash('sha256').update('weir').digest('hex')}` },
        interval: '500ms',
        logLevel: 'debug',
        extraArgs: ['--status-min-interval=10s'],
        leaderElection: { leaseNamespace: 'kube-system' },
      },
    ]);
    expect(problems(chart)).toEqual([]);
    const pod = podSpec(chart);
    expect(at(pod, 'affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.0.topologyKey')).toBe('kubernetes.io/hostname');
    expect(at(pod, 'topologySpreadConstraints.0')).toMatchObject({ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' });
    expect(container(chart).image).toMatch(/^weir@sha256:[0-9a-f]{64}$/);
    expect(containerArgs(chart)).toEqual(
      expect.arrayContaining([
        '--prometheus-url=https://thanos.monitoring.svc:10902',
        '--prometheus-bearer-token-file=/var/run/secrets/prom/token',
        '--prometheus-ca-file=/etc/prom-ca/ca.crt',
        '--interval=500ms',
        '--log-level=debug',
        '--lease-namespace=kube-system',
        '--status-min-interval=10s',
      ]),
    );
    // The Lease's Role follows the Lease.
    expect(names(ofKind(chart, 'Role'))).toEqual(['kube-system/weir-leader-election']);
  });

  test('the longest release name Helm allows still gives valid names and labels', async () => {
    const releaseName = 'a-release-name-of-fifty-three-characters-for-testing';
    expect(releaseName).toHaveLength(52);
    const chart = await render([], { releaseName: `${releaseName}x` });
    expect(problems(chart)).toEqual([]);
    const services = ofKind(chart, 'Service').map((s) => String(at(s, 'metadata.name')));
    expect(services.every((n) => n.length <= 63 && /-(xds|http)$/.test(n))).toBe(true);
    await expect(render([], { releaseName: `${releaseName}xy` })).rejects.toThrow(/exceeds max length of 53/);
  });

  test('the Grafana dashboard ConfigMap carries the sidecar label and the weir panels', async () => {
    const chart = await render();
    const cm = ofKind(chart, 'ConfigMap').find((c) => at(c, 'metadata.name') === 'weir-dashboard');
    expect(at(cm, 'metadata.labels.grafana_dashboard')).toBe('1');
    const dashboard = JSON.parse((at(cm, 'data') as Record<string, string>)['weir.json'] ?? '') as { panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of ['weir_endpoint_weight', 'weir_endpoint_signal', 'weir_panic', 'weir_xds_connected_streams', 'weir_xds_nacks_total', 'weir_loop_duration_seconds']) {
      expect(exprs).toContain(metric);
    }
    const off = await render([{ grafanaDashboard: { enabled: false } }]);
    expect(ofKind(off, 'ConfigMap')).toEqual([]);
  });
});
