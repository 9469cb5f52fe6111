import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RenderedChart } from '../../support/helm-render/helm-render.js';
import { ManifestValidator } from '../../support/helm-render/kube-validate.js';
import { at, BUILD_TIMEOUT_MS, CHART_DIR, ofKind, prepareRenderer, render, REPO_ROOT, single, type Obj } from './chart-fixture.js';
import { crdObjects } from './chart-validation.js';

const readYamlObjects = async (path: string): Promise<Obj[]> =>
  parseAllDocuments(await readFile(path, 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);

/** Rules as a set of sorted, comparable strings: order of rules and verbs is not meaning. */
const ruleSet = (rules: unknown): string[] =>
  (rules as Obj[])
    .map((r) =>
      JSON.stringify(
        Object.fromEntries(
          Object.entries(r)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])].sort() : v]),
        ),
      ),
    )
    .sort();

describe('the CRD and RBAC the chart ships are the ones in deploy/', () => {
  let chart: RenderedChart;
  beforeAll(async () => {
    await prepareRenderer();
    chart = await render();
  }, BUILD_TIMEOUT_MS);

  test('charts/weir/crds/ holds byte-identical copies of deploy/crds/', async () => {
    const deployDir = join(REPO_ROOT, 'deploy/crds');
    const chartDir = join(CHART_DIR, 'crds');
    const files = (await readdir(deployDir)).sort();
    expect(files.length).toBeGreaterThan(0);
    expect((await readdir(chartDir)).sort()).toEqual(files);
    for (const f of files) {
      expect(await readFile(join(chartDir, f), 'utf8'), `charts/weir/crds/${f} differs from deploy/crds/${f}: copy it`).toBe(
        await readFile(join(deployDir, f), 'utf8'),
      );
    }
  });

  test('the EndpointWeights CRD is a valid CustomResourceDefinition (weir.dev, v1alpha1, short name ew)', () => {
    const crds = crdObjects(chart);
    expect(crds).toHaveLength(1);
    const crd = crds[0] as Obj;
    expect(new ManifestValidator().validate(crd)).toEqual([]);
    expect(at(crd, 'spec.group')).toBe('weir.dev');
    expect(at(crd, 'spec.scope')).toBe('Namespaced');
    expect(at(crd, 'spec.names.shortNames')).toEqual(['ew']);
    expect((at(crd, 'spec.versions') as Obj[]).map((v) => v.name)).toEqual(['v1alpha1']);
  });

  test('an EndpointWeights as kubectl shows it validates against the CRD; a broken one does not', async () => {
    const validator = new ManifestValidator(crdObjects(chart));
    const [sample] = await readYamlObjects(join(REPO_ROOT, 'deploy/examples/output/endpointweights.yaml'));
    expect(validator.validate(sample)).toEqual([]);

    const broken = structuredClone(sample) as Obj;
    const endpoints = at(broken, 'status.endpoints') as Obj[];
    (endpoints[0] as Obj).weight = 0;
    (endpoints[1] as Obj).state = 'sick';
    (broken.status as Obj).ejected = 1;
    expect(validator.validate(broken)).toEqual([
      'status: must NOT have additional properties (ejected)',
      'status.endpoints[0].weight: must be >= 1',
      'status.endpoints[1].state: must be one of ["healthy","degraded","ejected","slow-start","stale"]',
    ]);
  });

  test('the chart grants exactly the rules of deploy/rbac/, cluster-wide or per namespace', async () => {
    const [clusterRole] = (await readYamlObjects(join(REPO_ROOT, 'deploy/rbac/clusterrole.yaml'))).filter((o) => o.kind === 'ClusterRole');
    const [leaseRole] = (await readYamlObjects(join(REPO_ROOT, 'deploy/rbac/leader-election-role.yaml'))).filter((o) => o.kind === 'Role');
    expect(ruleSet(at(single(chart, 'ClusterRole'), 'rules'))).toEqual(ruleSet(at(clusterRole, 'rules')));
    expect(ruleSet(at(single(chart, 'Role'), 'rules'))).toEqual(ruleSet(at(leaseRole, 'rules')));

    const namespaced = await render([{ watchNamespaces: ['team-a'] }]);
    const watchRole = ofKind(namespaced, 'Role').find((r) => at(r, 'metadata.namespace') === 'team-a');
    expect(ruleSet(at(watchRole, 'rules'))).toEqual(ruleSet(at(clusterRole, 'rules')));
  });
});
