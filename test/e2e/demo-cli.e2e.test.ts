/**
 * `weir demo` as a user runs it (the executable built by `npm test` before vitest runs):
 * with its dashboard port taken it picks another and says so, it prints where to look,
 * and Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops
 * everything: exit code 0, no process left in the group, no temporary folder left. Killed
 * outright (SIGKILL to weir alone), it leaves no Prometheus and no Prometheus folder.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
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

/** Processes still running in process group `pgid` (zombies not counted), with their command names. */
function groupProcesses(pgid: number): { pid: number; comm: string }[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, pg, stat]) => pid !== undefined && Number(pg) === pgid && !stat?.startsWith('Z'))
    .map(([pid, , , comm]) => ({ pid: Number(pid), comm: comm ?? '' }));
}
const groupMembers = (pgid: number): number[] => groupProcesses(pgid).map((p) => p.pid);

/** Running processes whose command line mentions `text` (the orphan guard names Prometheus' folder). */
function mentioning(text: string): string[] {
  const out = execFileSync('ps', ['-e', '-o', 'stat=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(text) && !l.trim().startsWith('Z'));
}

/** Whether `pid` runs (a zombie waiting for its parent to reap it does not). */
function alive(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

/** Starts `weir demo` in its own process group, with TMPDIR `tmpDir`; resolves once it printed its dashboard. */
async function startDemo(tmpDir: string, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], {
    cwd: ROOT,
    // Its own process group, like a shell job; TMPDIR shows whether temporary folders are removed.
    detached: true,
    env: { PATH: process.env.PATH ?? '', TMPDIR: tmpDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groupId = child.pid!;
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const dashboard = await until('the dashboard URL', () => /Dashboard\s+(http:\/\/\S+)/.exec(out.stdout)?.[1], 90_000).catch(
    (err: Error) => {
      throw new Error(`${err.message}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
    },
  );
  return { child, out, exited, dashboard, pgid: child.pid! };
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

    const { out, exited, dashboard, pgid } = await startDemo(tmp, ['--http-port', String(busy)]);
    const stdout = out.stdout;
    expect(stdout).toMatch(/Prometheus\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/xDS \(ADS\)\s+127\.0\.0\.1:\d+/);
    expect(stdout).toContain(`port ${busy} for the dashboard (--http-port) is taken`);
    expect(dashboard).not.toContain(`:${busy}/`);
    const weights = (await (await fetch(`${dashboard}api/weights`)).json()) as { services: { id: string }[] };
    expect(weights.services.map((s) => s.id)).toEqual(['demo/echo']);
    expect(groupMembers(pgid).length).toBeGreaterThanOrEqual(3); // weir, Prometheus, the load client
    expect((await readdir(tmp)).length).toBeGreaterThan(0);

    process.kill(-pgid, 'SIGINT');
    expect(await exited).toBe(0);
    await until('the process group to be empty', () => (groupMembers(pgid).length === 0 ? true : undefined), 15_000);
    groupId = undefined;
    expect(await readdir(tmp)).toEqual([]);
    // Prometheus' orphan guard (in a process group of its own) was disarmed and is gone.
    await until('no process left that names the folder', () => (mentioning(tmp!).length === 0 ? true : undefined), 5_000);
  }, 150_000);

  test('killed outright (SIGKILL, no exit hook runs), it leaves no Prometheus behind', async () => {
    tmp ??= await mkdtemp(path.join(tmpdir(), 'weir-demo-cli-'));
    const demo = await startDemo(tmp);
    const prometheus = groupProcesses(demo.pgid).filter((p) => p.comm === 'prometheus');
    expect(prometheus).toHaveLength(1);
    expect((await readdir(tmp)).filter((d) => d.startsWith('weir-prometheus-'))).toHaveLength(1);

    process.kill(demo.child.pid!, 'SIGKILL');
    await demo.exited;
    await until('Prometheus to be gone', () => (alive(prometheus[0]!.pid) ? undefined : true), 10_000);
    await until(
      'its folder to be removed',
      () => (existsSync(tmp!) && readdirSync(tmp!).some((d) => d.startsWith('weir-prometheus-')) ? undefined : true),
      10_000,
    );
    // The load client leaves when its IPC channel closes.
    await until('the process group to be empty', () => (groupMembers(demo.pgid).length === 0 ? true : undefined), 15_000);
    groupId = undefined;
    await until('the guard to be done', () => (mentioning(tmp!).length === 0 ? true : undefined), 5_000);
  }, 150_000);
});
