/**
 * `weir demo` as a user runs it (the executable built by `npm test` before vitest runs):
 * with its dashboard port taken it picks another and says so, it prints where to look,
 * and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
 * everything: exit code 0, no process left in the group, no temporary folder left.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/src/cli.js');

let blocker: Server | undefined;
let tmp: string | undefined;
let groupId: number | undefined;

afterAll(async () => {
  // Only if the test failed half-way: our own process group, by its id.
  if (groupId !== undefined) {
    try {
      process.kill(-groupId, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (blocker) await new Promise((resolve) => blocker!.close(resolve));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Processes still in process group `pgid`. */
function groupMembers(pgid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([pid, pg]) => pg === pgid && pid !== undefined)
    .map(([pid]) => pid!);
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('weir demo (the executable)', () => {
  test('a busy port is replaced and said so; Ctrl-C leaves nothing behind', async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    tmp = await mkdtemp(path.join(tmpdir(), 'weir-demo-cli-'));

    const child = spawn(process.execPath, [CLI, 'demo', '--http-port', String(busy)], {
      cwd: ROOT,
      // Its own process group, like a shell job; TMPDIR shows whether temporary folders are removed.
      detached: true,
      env: { PATH: process.env.PATH ?? '', TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groupId = child.pid!;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const dashboard = await until('the dashboard URL', () => /Dashboard\s+(http:\/\/\S+)/.exec(stdout)?.[1], 90_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      },
    );
    expect(stdout).toMatch(/Prometheus\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/xDS \(ADS\)\s+127\.0\.0\.1:\d+/);
    expect(stdout).toContain(`port ${busy} for the dashboard (--http-port) is taken`);
    expect(dashboard).not.toContain(`:${busy}/`);
    const weights = (await (await fetch(`${dashboard}api/weights`)).json()) as { services: { id: string }[] };
    expect(weights.services.map((s) => s.id)).toEqual(['demo/echo']);
    expect(groupMembers(groupId).length).toBeGreaterThanOrEqual(3); // weir, Prometheus, the load client
    expect((await readdir(tmp)).length).toBeGreaterThan(0);

    process.kill(-groupId, 'SIGINT');
    expect(await exited).toBe(0);
    await until('the process group to be empty', () => (groupMembers(groupId!).length === 0 ? true : undefined), 15_000);
    groupId = undefined;
    expect(await readdir(tmp)).toEqual([]);
  }, 150_000);
});
