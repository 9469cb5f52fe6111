import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { FileDiscovery } from '../../../src/discovery/file/index.js';
import { isWeirError } from '../../../src/lib/errors.js';
import { silentLogger } from '../../../src/lib/log.js';
import type { Topology } from '../../../src/model/index.js';

const file = (addresses: string[]): string => `services:
  - name: echo
    ports: [{ name: grpc, port: 8080 }]
    endpoints:
${addresses.map((a) => `      - { address: ${a}, ports: { grpc: 5000 } }`).join('\n')}
`;

function nextTopology(d: FileDiscovery): Promise<Topology> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no topology change within 10 s')), 10_000);
    const off = d.onChange((t) => {
      clearTimeout(timer);
      off();
      resolve(t);
    });
  });
}

describe('FileDiscovery', () => {
  let dir: string;
  let d: FileDiscovery | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'weir-file-'));
  });
  afterEach(async () => {
    await d?.stop();
    d = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('picks up edits, keeps the last good state on a bad edit, and recovers', async () => {
    const p = path.join(dir, 'services.yaml');
    await writeFile(p, file(['127.0.0.1']));
    const registry = new Registry();
    d = await FileDiscovery.start({ path: p, log: silentLogger(), registry, holdOffMs: 10 });
    expect(d.current().services.get('default/echo')!.endpoints).toHaveLength(1);

    let changed = nextTopology(d);
    await writeFile(p, file(['127.0.0.1', '127.0.0.2']));
    expect((await changed).services.get('default/echo')!.endpoints).toHaveLength(2);

    // A bad edit: reported, and the endpoints stay.
    await writeFile(p, file(['127.0.0.1', 'not-an-ip']));
    await expect.poll(() => d!.problems().join('\n'), { timeout: 10_000 }).toMatch(/line 6.*IPv4 or IPv6/);
    expect(d.current().services.get('default/echo')!.endpoints).toHaveLength(2);
    expect(await registry.getSingleMetricAsString('weir_endpoints_file_valid')).toMatch(/ 0$/m);

    // An atomic replace (what editors and ConfigMap updates do) is picked up too.
    changed = nextTopology(d);
    const tmp = path.join(dir, 'services.yaml.tmp');
    await writeFile(tmp, file(['127.0.0.3']));
    await rename(tmp, p);
    expect((await changed).services.get('default/echo')!.endpoints.map((e) => e.address)).toEqual(['127.0.0.3']);
    expect(d.problems()).toEqual([]);
  });

  it('keeps serving when the file disappears', async () => {
    const p = path.join(dir, 'services.yaml');
    await writeFile(p, file(['127.0.0.1']));
    d = await FileDiscovery.start({ path: p, log: silentLogger(), holdOffMs: 10 });
    await writeFile(p, '');
    await expect.poll(() => d!.problems().join('\n'), { timeout: 10_000 }).toMatch(/file is empty/);
    expect(d.current().services.size).toBe(1);
    await rm(p);
    await expect.poll(() => d!.problems().join('\n'), { timeout: 10_000 }).toMatch(/cannot read/);
    expect(d.current().services.size).toBe(1);
  });

  it('refuses to start on an invalid file, listing every problem', async () => {
    const p = path.join(dir, 'services.yaml');
    await writeFile(p, file(['nope', '300.1.1.1']));
    const err = await FileDiscovery.start({ path: p, log: silentLogger() }).catch((e: unknown) => e);
    expect(isWeirError(err, 'WEIR_ENDPOINTS_FILE_INVALID')).toBe(true);
    expect((err as { details: string[] }).details).toHaveLength(2);
  });
});
