/**
 * Golden files: test/golden/xds/NAME.input.yaml (services and weights) → NAME.golden.json
 * (every resource for Envoy and for proxyless gRPC, decoded, with its content hash).
 * Regenerate after a deliberate change with `UPDATE_GOLDEN=1 npx vitest run test/unit/xds/resources`
 * and review the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';

import { createResourceBuilder } from '../../../../src/xds/resources/index.js';
import { decodeToJson, messageNameOfTypeUrl } from '../../../../src/xds/proto/index.js';
import { PUSH_ORDER, type ClientKind, type ResourceSet } from '../../../../src/xds/types.js';
import { toTopology, type TopologyInput } from './fixture.js';

const GOLDEN_DIR = join(import.meta.dirname, '../../../golden/xds');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const KINDS: readonly ClientKind[] = ['envoy', 'grpc'];

/** A ResourceSet as JSON: kind → short type name → name → { hash, resource }. */
function toJson(set: ResourceSet): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const typeUrl of PUSH_ORDER) {
    const byName: Record<string, unknown> = {};
    for (const [name, resource] of set.get(typeUrl) ?? new Map()) {
      byName[name] = { hash: resource.hash, resource: decodeToJson(messageNameOfTypeUrl(typeUrl), resource.value) };
    }
    out[messageNameOfTypeUrl(typeUrl).split('.').pop()!] = byName;
  }
  return out;
}

const cases = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.input.yaml'))
  .map((f) => f.slice(0, -'.input.yaml'.length))
  .sort();

describe('resource builder golden files', () => {
  test('there are golden cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  test.each(cases)('%s', (name) => {
    const input = parse(readFileSync(join(GOLDEN_DIR, `${name}.input.yaml`), 'utf8')) as TopologyInput;
    const { topology, weights } = toTopology(input);
    const build = createResourceBuilder();
    const actual: Record<string, unknown> = {};
    for (const kind of KINDS) {
      actual[kind] = toJson(build(topology, weights, kind));
    }
    const goldenPath = join(GOLDEN_DIR, `${name}.golden.json`);
    const text = `${JSON.stringify(actual, null, 2)}\n`;
    if (UPDATE) {
      writeFileSync(goldenPath, text);
    }
    expect(text).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
