import { describe, expect, test } from 'vitest';
import { ManifestValidator } from '../../support/helm-render/kube-validate.js';

// The validator the chart tests rely on must itself catch what an API server refuses.
const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'demo', labels: { app: 'demo' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'demo' } },
    template: {
      metadata: { labels: { app: 'demo' } },
      spec: { containers: [{ name: 'demo', image: 'demo:1', readinessProbe: { httpGet: { path: '/', port: 8080 } } }] },
    },
  },
});

describe('ManifestValidator', () => {
  const validator = new ManifestValidator();

  test('accepts a valid Deployment', () => {
    expect(validator.validate(deployment())).toEqual([]);
  });

  test('names a field of the wrong type', () => {
    const d = deployment();
    (d.spec as Record<string, unknown>).replicas = 'two';
    expect(validator.validate(d)).toEqual(['spec.replicas: must be integer']);
  });

  test('names an unknown field, such as a misspelt probe', () => {
    const d = deployment();
    const c = d.spec.template.spec.containers[0] as Record<string, unknown>;
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
    expect(validator.validate(d)).toEqual(['spec.template.spec.containers[0].readinesProbe: unknown field']);
  });

  test('names a missing required field, a bad name and a label value too long', () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as Record<string, unknown>).name = undefined;
    d.metadata.name = 'Demo_App';
    d.metadata.labels.app = 'x'.repeat(64);
    const problems = validator.validate(JSON.parse(JSON.stringify(d)));
    expect(problems).toContain('metadata.name: "Demo_App" is not a valid object name');
    expect(problems).toContain(`metadata.labels.app: "${'x'.repeat(64)}" is not a valid label value`);
    expect(problems.some((p) => p === "spec.template.spec.containers[0]: must have required property 'name'")).toBe(true);
  });

  test('refuses a kind it has no schema for', () => {
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'example.com/v1/Widget: no schema for this kind',
    ]);
  });

  test('validates custom resources against their CRD, unknown fields included', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 } } },
                  status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        ],
      },
    };
    const v = new ManifestValidator([crd]);
    expect(v.validate(crd)).toEqual([]);
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 }, status: { any: 1 } };
    expect(v.validate(widget)).toEqual([]);
    expect(v.validate({ ...widget, spec: { size: 0, colour: 'red' } })).toEqual([
      'spec: must NOT have additional properties (colour)',
      'spec.size: must be >= 1',
    ]);
  });
});
