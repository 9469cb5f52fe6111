import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { renderChart, type RenderOptions } from '../../support/helm-render/helm-render.js';
import { BUILD_TIMEOUT_MS, prepareRenderer } from './chart-fixture.js';
import { REPO_ROOT } from './paths.js';

// The renderer must behave as Helm does for what charts/weir relies on.
const MINI = join(REPO_ROOT, 'test/support/helm-render/testdata/mini');
const render = (options: Partial<RenderOptions> = {}) => renderChart({ chartDir: MINI, releaseName: 'rel', namespace: 'ns', ...options });
const data = async (options: Partial<RenderOptions> = {}): Promise<Record<string, string>> =>
  (await render(options)).documents[0]?.object.data as Record<string, string>;

describe('helm-render (Helm-compatible chart renderer)', () => {
  beforeAll(prepareRenderer, BUILD_TIMEOUT_MS);

  test('gives templates the objects and functions Helm does', async () => {
    const chart = await render();
    expect(chart.documents.map((d) => d.source)).toEqual(['mini/templates/configmap.yaml']);
    const d = chart.documents[0]?.object as Record<string, Record<string, string>>;
    expect(d.metadata).toEqual({ name: 'rel-mini', namespace: 'ns', labels: { app: 'mini', release: 'rel' } });
    expect(d.data).toEqual({
      // Values are float64 in Helm: a large number prints in exponent form, toYaml does not.
      printed: '1e+06',
      yaml: 'drop: dropped\nkeep: kept\nlist:\n- a\n- b\n',
      json: '{"drop":"dropped","keep":"kept","list":["a","b"]}',
      tpl: 'hello from rel',
      file: 'hi from a file',
      chart: 'mini-1.2.3-4.5',
      service: 'Helm',
      template: 'mini/templates/configmap.yaml',
      hasApps: 'true',
      hasMonitoring: 'false',
      kube: 'v1.30.0',
      fromYaml: 'x',
      upper: 'HELLO',
    });
    expect(chart.notes).toBe('rel says hello.\n');
    expect(chart.crds).toEqual([{ source: 'mini/crds/thing.yaml', text: expect.stringContaining('{{ this is not a template }}') as string }]);
  });

  test('coalesces value layers: maps merge, lists and scalars replace, null removes a default', async () => {
    const chart = await render({ values: [{ nested: { drop: null, list: ['c'] } }, { greeting: 'hi', needed: 'yes' }] });
    expect(chart.values.nested).toEqual({ keep: 'kept', list: ['c'] });
    const d = chart.documents[0]?.object.data as Record<string, string>;
    expect(d.yaml).toBe('keep: kept\nlist:\n- c\n');
    expect(d.tpl).toBe('hi from rel');
    expect(d.needed).toBe('yes');
    expect((await render({ apiVersions: ['monitoring.coreos.com/v1'] })).documents[0]?.object.data).toMatchObject({ hasMonitoring: 'true' });
    expect((await render({ values: [{ second: true }] })).documents.map((x) => x.object.metadata)).toContainEqual({ name: 'second' });
  });

  test('fails like Helm: required, lookup, kubeVersion, strict references', async () => {
    await expect(render({ values: [{ fail: { other: 1 } }], strict: false })).rejects.toThrow(
      /^execution error at \(mini\/templates\/failing\.yaml:2:\d+\): fail\.reason is required when fail is set$/,
    );
    await expect(render({ values: [{ lookupSomething: true }] })).rejects.toThrow(/lookup is not supported/);
    await expect(render({ kubeVersion: '1.24.0' })).rejects.toThrow('chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0');
    // With `second` removed, strict rendering refuses the reference; Helm's default renders nothing.
    await expect(render({ values: [{ second: null }] })).rejects.toThrow(/map has no entry for key "second"/);
    expect(await data({ values: [{ second: null }], strict: false })).toMatchObject({ upper: 'HELLO' });
  });
});
