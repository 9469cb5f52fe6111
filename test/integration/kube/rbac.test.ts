/**
 * Least privilege, checked against what weir really does: every request discovery, the
 * status writer, leader election and a follower make against the test API server must
 * be allowed by deploy/rbac/, and nothing is granted that weir never uses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startKubeDiscovery } from '../../../src/discovery/kube/index.js';
import { silentLogger } from '../../../src/lib/log.js';
import { createStatusWriter, startLeaderElection, watchPublishedWeights } from '../../../src/status/index.js';
import { applyObject, RESOURCES, reportFor, serviceObject, sliceObject, TestApiServer, waitFor } from '../../support/kube-api/index.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const rbacDir = new URL('../../../deploy/rbac/', import.meta.url);
const roles = readdirSync(rbacDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(new URL(f, rbacDir), 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { namespace?: string }; rules?: Rule[] }))
  .filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test('every request weir makes is allowed by deploy/rbac, and every grant is used', async () => {
  const server = await TestApiServer.start();
  cleanups.push(() => server.close());
  applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/mode': 'fast' } }));
  applyObject(server, sliceObject({ service: 'web', endpoints: ['10.0.0.1', '10.0.0.2'] }));
  const log = silentLogger();
  const kubeConfig = server.kubeConfig();
  const discovery = await startKubeDiscovery({ kubeConfig, log, holdOffMs: 10 });
  cleanups.push(() => discovery.stop());
  const election = startLeaderElection({ kubeConfig, log, namespace: 'weir-system', leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 });
  cleanups.push(() => election.stop());
  const follower = watchPublishedWeights({ kubeConfig, log });
  cleanups.push(() => follower.stop());
  const writer = createStatusWriter({ kubeConfig, log, minIntervalMs: 0 });
  cleanups.push(() => writer.stop());
  await waitFor(() => election.isLeader() && discovery.current().services.has('default/web'), 'leader with a topology');
  writer.report(reportFor(discovery.current(), Date.now(), { weight: (_, a) => (a === '10.0.0.1' ? 50 : 100) }));
  await waitFor(() => follower.current().has('default/web'), 'published');
  writer.report(reportFor(discovery.current(), Date.now(), { weight: () => 100, decisions: [{ serviceId: 'default/web', kind: 'eject', endpoint: '10.0.0.1', reason: 'x' }] }));
  writer.report(reportFor(discovery.current(), Date.now(), { weight: () => 100, decisions: [{ serviceId: 'default/web', kind: 'eject', endpoint: '10.0.0.1', reason: 'x' }] }));
  await writer.idle();
  applyObject(server, serviceObject({ name: 'web', annotations: { 'weir.dev/enabled': 'false' } }));
  await waitFor(() => !discovery.current().services.has('default/web'), 'opted out');
  writer.report(reportFor(discovery.current(), Date.now()));
  await writer.idle();
  await election.stop();

  const used = new Set<string>();
  const denied: string[] = [];
  for (const r of server.requests) {
    const res = RESOURCES.find((x) => x.plural === r.resource)!;
    const verb =
      r.method === 'GET' ? (r.name ? 'get' : r.watch ? 'watch' : 'list') : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[r.method]!;
    const resource = r.subresource ? `${res.plural}/${r.subresource}` : res.plural;
    const grant = roles
      .flatMap((role) => (role.rules ?? []).map((rule, i) => ({ role, rule, id: `${role.kind}/${i}/${rule.apiGroups.join()}/${rule.resources.join()}` })))
      .find(
        ({ role, rule }) =>
          rule.apiGroups.includes(res.group) &&
          rule.resources.includes(resource) &&
          rule.verbs.includes(verb) &&
          (role.kind === 'ClusterRole' || role.metadata.namespace === r.namespace) &&
          (!rule.resourceNames || (r.name !== undefined && rule.resourceNames.includes(r.name))),
      );
    if (grant) used.add(`${grant.id}:${verb}`);
    else denied.push(`${verb} ${resource} ${r.namespace ?? ''}/${r.name ?? ''}`);
  }
  expect([...new Set(denied)]).toEqual([]);
  const granted = roles.flatMap((role) =>
    (role.rules ?? []).flatMap((rule, i) => rule.verbs.map((v) => `${role.kind}/${i}/${rule.apiGroups.join()}/${rule.resources.join()}:${v}`)),
  );
  const unused = granted.filter((g) => !used.has(g));
  expect(unused).toEqual([]);
});
