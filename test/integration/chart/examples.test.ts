import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isEnabled, KNOWN_ANNOTATIONS, parseAnnotations } from '../../../src/discovery/annotations.js';
import { parseProfiles } from '../../../src/signals/profiles.js';
import type { RenderedChart } from '../../support/helm-render/helm-render.js';
import { ManifestValidator, objectName } from '../../support/helm-render/kube-validate.js';
import { at, BUILD_TIMEOUT_MS, containerArgs, ofKind, prepareRenderer, render, REPO_ROOT, type Obj } from './chart-fixture.js';
import { crdObjects, problems } from './chart-validation.js';

const EXAMPLES = join(REPO_ROOT, 'deploy/examples');

describe('deploy/examples: the demo application', () => {
  let text: string;
  let objects: Obj[];
  let chart: RenderedChart;
  beforeAll(async () => {
    text = await readFile(join(EXAMPLES, 'demo-app.yaml'), 'utf8');
    objects = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as Obj);
    await prepareRenderer();
    chart = await render([parse(await readFile(join(EXAMPLES, 'helm/demo-values.yaml'), 'utf8')) as Obj]);
  }, BUILD_TIMEOUT_MS);

  const service = (): Obj => objects.find((o) => o.kind === 'Service') as Obj;

  test('every object is valid against the Kubernetes schemas', () => {
    const validator = new ManifestValidator(crdObjects(chart));
    expect(objects.map((o) => `${String(o.kind)}/${String(at(o, 'metadata.name'))}`)).toEqual([
      'Namespace/weir-demo',
      'Service/checkout',
      'Deployment/checkout-healthy',
      'Deployment/checkout-degraded',
      'ServiceMonitor/checkout',
    ]);
    expect(objects.flatMap((o) => validator.validate(o).map((p) => `${objectName(o)}: ${p}`))).toEqual([]);
  });

  test('the Service opts in with every weir.dev annotation, each valid and explained by a comment', () => {
    const annotations = at(service(), 'metadata.annotations') as Record<string, string>;
    expect(isEnabled(annotations)).toBe(true);
    expect(parseAnnotations(annotations).problems).toEqual([]);
    expect(Object.keys(annotations).sort()).toEqual([...KNOWN_ANNOTATIONS].sort());
    const lines = text.split('\n');
    for (const name of Object.keys(annotations)) {
      const i = lines.findIndex((l) => l.trimStart().startsWith(`${name}:`));
      expect(lines[i - 1]?.trim().startsWith('#'), `no comment above ${name}`).toBe(true);
    }
  });

  test('both Deployments are endpoints of the Service, on its target port', () => {
    const selector = at(service(), 'spec.selector') as Record<string, string>;
    const targetPort = at(service(), 'spec.ports.0.targetPort');
    for (const d of objects.filter((o) => o.kind === 'Deployment')) {
      expect(at(d, 'spec.template.metadata.labels')).toMatchObject(selector);
      expect((at(d, 'spec.template.spec.containers.0.ports') as Obj[]).map((p) => p.name)).toContain(targetPort);
    }
  });

  test('its values file installs weir for the demo namespace with the profile the Service names', () => {
    expect(problems(chart)).toEqual([]);
    expect(containerArgs(chart)).toContain(`--namespaces=${String(at(service(), 'metadata.namespace'))}`);
    const cm = ofKind(chart, 'ConfigMap').find((c) => at(c, 'metadata.name') === 'weir-profiles');
    const parsed = parseProfiles((at(cm, 'data') as Record<string, string>)['profiles.yaml'] ?? '', 'profiles.yaml');
    expect(parsed.valid ? [] : parsed.errors).toEqual([]);
    const profile = (at(service(), 'metadata.annotations') as Record<string, string>)['weir.dev/profile'] ?? '';
    expect(parsed.valid && parsed.result.has(profile)).toBe(true);
    expect(ofKind(chart, 'ServiceMonitor')).toHaveLength(1);
  });
});
