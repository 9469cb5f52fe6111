/**
 * The `weir` executable itself (built by `npm test` before vitest runs): `weir start
 * --discovery file` serves three real gRPC backends to the real grpc-js-xds client, picks
 * up an edit of the endpoints file, refuses bad flags with every problem listed, and stops
 * cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../../src/demo/backend/index.js';
import { useXdsBootstrap, XdsLoad } from '../../support/loop/xds-load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');

function endpointsFile(backends: readonly Backend[]): string {
  return JSON.stringify({
    services: [
      {
        name: 'echo',
        namespace: 'shop',
        ports: [{ name: 'grpc', port: 8080 }],
        // Each backend on its own loopback address, as pods have their own IPs.
        endpoints: backends.map((b) => ({ address: new URL(`http://${b.grpcAddress}`).hostname, pod: b.name, ports: { grpc: b.grpcPort } })),
      },
    ],
  });
}

interface Proc {
  child: ChildProcess;
  stderr: string[];
  stdout: string[];
  exited: Promise<number | null>;
}

function run(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
  const stderr: string[] = [];
  const stdout: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr, stdout, exited };
}

describe('weir start --discovery file', () => {
  let dir: string;
  let backends: Backend[] = [];
  let weir: Proc | undefined;
  let load: XdsLoad | undefined;
  let file: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
    dir = await mkdtemp(path.join(tmpdir(), 'weir-cli-'));
    backends = await Promise.all([1, 2, 3].map((i) => startBackend({ name: `echo-${i}`, host: `127.0.0.${20 + i}`, serviceTimeMs: 1, capacity: 50 })));
    file = path.join(dir, 'services.yaml');
    await writeFile(file, endpointsFile(backends));
  });

  afterAll(async () => {
    load?.stop();
    weir?.child.kill('SIGKILL');
    await Promise.all(backends.map((b) => b.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses invalid flags, listing every problem, with exit code 2', async () => {
    const p = run(['start', '--discovery', 'file', '--interval', 'often', '--xds-address', 'nowhere']);
    expect(await p.exited).toBe(2);
    const err = p.stderr.join('');
    expect(err).toContain('--interval (WEIR_INTERVAL) = "often"');
    expect(err).toContain('--xds-address (WEIR_XDS_ADDRESS) = "nowhere"');
    expect(err).toContain('--endpoints-file is required with --discovery file');
  });

  it('serves the backends to a real xDS client, follows file edits, and stops cleanly on SIGTERM', async () => {
    const xdsPort = await freePort();
    weir = run([
      'start',
      '--discovery', 'file',
      '--endpoints-file', file,
      '--xds-address', `127.0.0.1:${xdsPort}`,
      '--http-address', '127.0.0.1:0',
      '--log-level', 'info',
    ]);
    useXdsBootstrap(`127.0.0.1:${xdsPort}`);
    load = new XdsLoad('xds:///echo.shop:8080', 150);
    await load.ready(30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}; weir said: ${weir!.stderr.join('')}${weir!.stdout.join('').slice(0, 2000)}`);
    });
    load.start();
    await new Promise((r) => setTimeout(r, 3000));
    const all = load.counts(Date.now() - 3000, Date.now() - 1000);
    expect(all.failed).toBe(0);
    expect([...all.byBackend.keys()].sort()).toEqual(['echo-1', 'echo-2', 'echo-3']);

    // Remove echo-3 from the file: traffic stops going there, without a restart.
    await writeFile(file, endpointsFile(backends.slice(0, 2)));
    // Windows end a second ago: on a loaded machine the latest calls may still be in flight.
    const recent = () => load!.counts(Date.now() - 2500, Date.now() - 1000).byBackend;
    await expect.poll(() => recent().get('echo-3') ?? 0, { timeout: 10_000, interval: 250 }).toBe(0);
    expect(recent().get('echo-1') ?? 0).toBeGreaterThan(0);

    weir.child.kill('SIGTERM');
    expect(await weir.exited).toBe(0);
    const logs = weir.stdout.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('weir started');
    expect(logs.map((l) => l.msg)).toContain('weir stopped');
  }, 60_000);
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
