import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR } from './paths.js';

/** Values whose inner keys are Kubernetes' own fields or free-form: documented as a whole. */
const OPAQUE = new Set(['resources', 'podSecurityContext', 'securityContext', 'livenessProbe', 'readinessProbe', 'profiles', 'grafanaDashboard.labels']);

function valuePaths(value: unknown, prefix = ''): string[] {
  if (prefix !== '' && (OPAQUE.has(prefix) || value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0)) {
    return [prefix];
  }
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => valuePaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('charts/weir/README.md', () => {
  test('documents every value of values.yaml, and every value it documents exists', async () => {
    const values = parse(await readFile(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    const readme = await readFile(join(CHART_DIR, 'README.md'), 'utf8');
    const paths = valuePaths(values);
    const documented = [...readme.matchAll(/^\| `([A-Za-z.]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(paths.sort());
  });
});
