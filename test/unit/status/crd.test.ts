import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { buildStatus, EW_GROUP, EW_KIND, EW_PLURAL, EW_VERSION } from '../../../src/status/endpoint-weights.js';
import { DEFAULT_POLICY } from '../../../src/model/index.js';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
  enum?: unknown[];
  required?: string[];
}

const crd = parse(readFileSync(new URL('../../../deploy/crds/endpointweights.weir.dev.yaml', import.meta.url), 'utf8')) as {
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames: string[] };
    versions: { name: string; additionalPrinterColumns: { name: string; jsonPath: string }[]; schema: { openAPIV3Schema: Schema } }[];
  };
};

/** Every field of `value` is declared by `schema`, with the right type and enum value. */
function check(value: unknown, schema: Schema, path: string, errors: string[]): void {
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${String(value)} not in enum`);
  if (Array.isArray(value)) {
    if (schema.type !== 'array') errors.push(`${path}: array not allowed`);
    value.forEach((v, i) => check(v, schema.items ?? {}, `${path}[${i}]`, errors));
  } else if (value !== null && typeof value === 'object') {
    if (schema.type !== 'object') errors.push(`${path}: object not allowed`);
    for (const r of schema.required ?? []) if (!(r in value)) errors.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? schema.additionalProperties;
      if (!sub) errors.push(`${path}.${k}: not in the schema (would be pruned)`);
      else check(v, sub, `${path}.${k}`, errors);
    }
  } else if (typeof value === 'number') {
    if (schema.type !== 'number' && !(schema.type === 'integer' && Number.isInteger(value))) errors.push(`${path}: ${value} is not ${schema.type}`);
  } else if (typeof value !== schema.type) {
    errors.push(`${path}: ${typeof value} is not ${schema.type}`);
  }
}

describe('EndpointWeights CRD', () => {
  test('names match the writer, and kubectl get ew has the promised columns', () => {
    expect(crd.spec.group).toBe(EW_GROUP);
    expect(crd.spec.names).toMatchObject({ kind: EW_KIND, plural: EW_PLURAL, shortNames: ['ew'] });
    const v = crd.spec.versions[0]!;
    expect(v.name).toBe(EW_VERSION);
    expect(v.additionalPrinterColumns.map((c) => c.name)).toEqual(['Mode', 'Endpoints', 'Ejected', 'Spread', 'Panic', 'Last Change', 'Age']);
  });

  test('every field the writer produces is declared by the schema', () => {
    const status = buildStatus(
      {
        serviceId: 'default/web',
        mode: 'shadow',
        panic: true,
        changedAt: 5,
        metricsAvailable: true,
        endpoints: [
          { address: '10.0.0.1', weight: 3, served: 1, state: 'slow-start', reason: 'new', changedAt: 5, signals: { latencyMs: 1, errorRatio: 0, requestRate: 2, cpu: 0.5, memory: 0.5, capacity: 4, custom: { queue: 3 } } },
        ],
      },
      {
        key: { namespace: 'default', name: 'web' },
        ports: [],
        endpoints: [{ address: '10.0.0.1', ports: {}, pod: 'p', zone: 'z', ready: true, serving: true, terminating: false }],
        policy: DEFAULT_POLICY,
        problems: [],
      },
      10,
    );
    const errors: string[] = [];
    check(status, crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.status!, 'status', errors);
    expect(errors).toEqual([]);
    // The capacity estimate is shown; 0 (no estimate) is not a capacity of nothing.
    expect(status.endpoints[0]!.signals.capacity).toBe(4);
  });
});
