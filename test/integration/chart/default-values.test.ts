import { beforeAll, describe, expect, test } from 'vitest';
import type { RenderedChart } from '../../support/helm-render/helm-render.js';
import { at, BUILD_TIMEOUT_MS, containerArgs, objects, ofKind, render, single, type Obj } from './chart-fixture.js';
import { problems } from './chart-validation.js';

describe('charts/weir with default values', () => {
  let chart: RenderedChart;
  beforeAll(async () => {
    chart = await render();
  }, BUILD_TIMEOUT_MS);

  test('renders exactly the objects an operator expects', () => {
    const kinds = objects(chart).map((o) => `${String(o.kind)}/${String(at(o, 'metadata.name'))}`).sort();
    expect(kinds).toEqual([
      'ClusterRole/weir',
      'ClusterRoleBinding/weir',
      'ConfigMap/weir-dashboard',
      'Deployment/weir',
      'PodDisruptionBudget/weir',
      'Role/weir-leader-election',
      'RoleBinding/weir-leader-election',
      'Service/weir-http',
      'Service/weir-xds',
      'ServiceAccount/weir',
    ]);
  });

  test('every object is valid against the Kubernetes schemas, with no unknown field', () => {
    expect(problems(chart)).toEqual([]);
  });

  test('the Deployment runs two replicas spread over nodes, non-root and read-only', () => {
    const d = single(chart, 'Deployment');
    expect(at(d, 'spec.replicas')).toBe(2);
    const pod = at(d, 'spec.template.spec') as Obj;
    expect(at(pod, 'securityContext.runAsNonRoot')).toBe(true);
    expect(at(pod, 'securityContext.seccompProfile.type')).toBe('RuntimeDefault');
    expect(at(pod, 'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.0.podAffinityTerm.topologyKey')).toBe(
      'kubernetes.io/hostname',
    );
    const c = (pod.containers as Obj[])[0] as Obj;
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(at(c, 'livenessProbe.httpGet')).toEqual({ path: '/healthz', port: 'http' });
    expect(at(c, 'readinessProbe.httpGet')).toEqual({ path: '/readyz', port: 'http' });
    expect(at(c, 'resources.requests')).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(at(c, 'ports')).toEqual([
      { name: 'grpc-xds', containerPort: 18000, protocol: 'TCP' },
      { name: 'http', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(at(pod, 'serviceAccountName')).toBe('weir');
  });

  test('the container runs `weir start` with kube discovery and leader election', () => {
    expect(containerArgs(chart)).toEqual([
      'start',
      '--discovery=kube',
      '--prometheus-url=http://prometheus-operated.monitoring.svc:9090',
      '--prometheus-timeout=2s',
      '--xds-address=0.0.0.0:18000',
      '--http-address=0.0.0.0:9090',
      '--interval=1s',
      '--leader-elect=true',
      '--lease-name=weir',
      '--lease-namespace=$(POD_NAMESPACE)',
      '--log-level=info',
    ]);
    const c = (at(single(chart, 'Deployment'), 'spec.template.spec.containers') as Obj[])[0];
    // $(POD_NAMESPACE) in args is expanded by the kubelet from this variable.
    expect(at(c, 'env')).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('RBAC is cluster-wide read of Services and EndpointSlices, writes only what weir owns', () => {
    const rules = at(single(chart, 'ClusterRole'), 'rules') as Obj[];
    expect(rules).toEqual([
      { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      { apiGroups: ['weir.dev'], resources: ['endpointweights'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: ['weir.dev'], resources: ['endpointweights/status'], verbs: ['patch'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    const binding = single(chart, 'ClusterRoleBinding');
    expect(at(binding, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'weir', namespace: 'weir-system' }]);
    // The Lease is reachable only in the release namespace, and by name except for create.
    const lease = single(chart, 'Role');
    expect(at(lease, 'metadata.namespace')).toBe('weir-system');
    expect(at(lease, 'rules')).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['weir'], verbs: ['get', 'update'] },
    ]);
    // No rule anywhere grants secrets, pods or wildcards.
    const all = JSON.stringify(ofKind(chart, 'ClusterRole').concat(ofKind(chart, 'Role')));
    expect(all).not.toMatch(/"\*"|secrets|"pods"/);
  });

  test('Services expose xDS (gRPC 18000) and HTTP (9090) on the controller pods', () => {
    const [http, xds] = ofKind(chart, 'Service').sort((a, b) => String(at(a, 'metadata.name')).localeCompare(String(at(b, 'metadata.name'))));
    expect(at(xds, 'spec.ports')).toEqual([{ name: 'grpc-xds', port: 18000, targetPort: 'grpc-xds', protocol: 'TCP', appProtocol: 'grpc' }]);
    expect(at(http, 'spec.ports')).toEqual([{ name: 'http', port: 9090, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    const podLabels = at(single(chart, 'Deployment'), 'spec.template.metadata.labels');
    for (const svc of [http, xds]) expect(podLabels).toMatchObject(at(svc, 'spec.selector') as Obj);
  });

  test('the PodDisruptionBudget keeps one of the two replicas up', () => {
    const pdb = single(chart, 'PodDisruptionBudget');
    expect(at(pdb, 'spec.maxUnavailable')).toBe(1);
    expect(at(pdb, 'spec.selector.matchLabels')).toEqual(at(single(chart, 'Deployment'), 'spec.selector.matchLabels'));
  });

  test('NOTES.txt tells how to opt a Service in and watch the weights', () => {
    expect(chart.notes).toContain('kubectl annotate svc NAME -n NAMESPACE weir.dev/enabled=true');
    expect(chart.notes).toContain('kubectl get ew -A -w');
    expect(chart.notes).toContain('weir.dev/mode=shadow');
    expect(chart.notes).toContain('weir-xds.weir-system.svc:18000');
  });
});
