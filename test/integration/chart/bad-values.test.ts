import { beforeAll, describe, expect, test } from 'vitest';
import { HelmRenderError } from '../../support/helm-render/helm-render.js';
import { BUILD_TIMEOUT_MS, prepareRenderer, render } from './chart-fixture.js';

const HEADER = "values don't meet the specifications of the schema(s) in the following chart(s):\nweir:";

/** The schema failure for these values; fails the test when they render. */
async function schemaFailure(values: Record<string, unknown>): Promise<string> {
  const err = await render([values]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `values ${JSON.stringify(values)} rendered`).toBeInstanceOf(HelmRenderError);
  expect((err as HelmRenderError).stage).toBe('schema');
  const message = (err as HelmRenderError).message;
  expect(message.startsWith(HEADER)).toBe(true);
  return message.slice(HEADER.length + 1);
}

describe('charts/weir refuses bad values at the schema, naming the value', () => {
  beforeAll(prepareRenderer, BUILD_TIMEOUT_MS);

  test.each([
    [{ replicaCount: 'two' }, '- replicaCount: Invalid type. Expected: integer, given: string'],
    [{ replicaCount: 0 }, '- replicaCount: Must be greater than or equal to 1'],
    [{ interval: 'fast' }, "- interval: Does not match pattern '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$'"],
    [{ logLevel: 'loud' }, '- logLevel: logLevel must be one of the following: "trace", "debug", "info", "warn", "error", "fatal", "silent"'],
    [{ podAntiAffinity: 'sometimes' }, '- podAntiAffinity: podAntiAffinity must be one of the following: "soft", "hard", "none"'],
    [{ replicas: 3 }, '- (root): Additional property replicas is not allowed'],
    [{ xds: { port: 70000 } }, '- xds.port: Must be less than or equal to 65535'],
    [{ image: { tag: 1.1 } }, '- image.tag: Invalid type. Expected: string, given: number'],
    [{ watchNamespaces: ['team-a', 'Team_B'] }, "- watchNamespaces.1: Does not match pattern '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'"],
    [{ prometheus: { url: 'prometheus:9090' } }, "- prometheus.url: Does not match pattern '^https?://[^\\s/]+'"],
    [{ serviceMonitor: { interval: '1.5s' } }, "- serviceMonitor.interval: Does not match pattern '^[0-9]+(ms|s|m|h)$'"],
    [{ profiles: { Checkout: {} } }, '- profiles: Property "Checkout" does not match the property name rules'],
    [{ extraArgs: ['start'] }, "- extraArgs.0: Does not match pattern '^--'"],
    [{ podDisruptionBudget: { maxUnavailable: 'half' } }, '- podDisruptionBudget.maxUnavailable: Must validate at least one schema (anyOf)'],
  ])('%j → %s', async (values, expected) => {
    expect(await schemaFailure(values)).toBe(expected);
  });

  test('tls.enabled without a Secret fails at the schema, before any template runs', async () => {
    // deployment.yaml would fail too; the schema's message comes first, as in Helm.
    const expected = '- tls.secretName: String length must be greater than or equal to 1';
    expect(await schemaFailure({ tls: { enabled: true } })).toBe(expected);
    expect(await schemaFailure({ tls: { enabled: true, secretName: null } })).toBe('- tls: secretName is required');
  });

  test('every problem is listed at once', async () => {
    expect(await schemaFailure({ replicaCount: 'two', interval: 'fast', logLevel: 'loud' })).toBe(
      [
        "- interval: Does not match pattern '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$'",
        '- logLevel: logLevel must be one of the following: "trace", "debug", "info", "warn", "error", "fatal", "silent"',
        '- replicaCount: Invalid type. Expected: integer, given: string',
      ].join('\n'),
    );
  });

  test('a null value removes the default, and the schema catches a required one', async () => {
    expect(await schemaFailure({ prometheus: { url: null } })).toBe('- prometheus: url is required');
  });
});
