/**
 * Builds the Go chart renderer (main.go and its siblings) once per source version: the
 * binary is cached under the OS temp directory by a hash of the Go sources and the Go
 * version, so a test run compiles it at most once and later runs not at all.
 *
 * It builds offline in GOPATH mode against Debian's packaged sources in
 * /usr/share/gocode (golang-go, golang-github-masterminds-sprig-dev and their
 * dependencies, gopkg.in/yaml.v2 among them).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The directory of the renderer's Go sources. */
export const RENDERER_SOURCE_DIR = dirname(fileURLToPath(import.meta.url));

/** Debian installs Go library sources here (GOPATH layout). */
const DEBIAN_GOPATH = '/usr/share/gocode';

function goEnv(cacheDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: DEBIAN_GOPATH,
    GOCACHE: cacheDir,
    GOFLAGS: '',
  };
}

let pending: Promise<string> | undefined;

/**
 * The path of a built renderer binary, building it if this source version has no
 * binary yet. Rejects with the install command when Go or sprig is missing.
 */
export function ensureRenderer(): Promise<string> {
  pending ??= build();
  return pending;
}

async function build(): Promise<string> {
  const root = join(tmpdir(), 'weir-helm-render');
  const cacheDir = join(root, 'go-cache');
  let goVersion: string;
  try {
    goVersion = (await run('go', ['version'], { env: goEnv(cacheDir) })).stdout.trim();
  } catch (cause) {
    throw new Error(
      'helm-render needs Go: run scripts/setup.sh, or apt-get install golang-go golang-github-masterminds-sprig-dev',
      { cause },
    );
  }
  const hash = createHash('sha256').update(goVersion);
  const sources = (await readdir(RENDERER_SOURCE_DIR)).filter((f) => f.endsWith('.go')).sort();
  for (const f of sources) {
    hash.update(f).update(await readFile(join(RENDERER_SOURCE_DIR, f)));
  }
  const binary = join(root, `helm-render-${hash.digest('hex').slice(0, 16)}`);
  if (await exists(binary)) return binary;
  await mkdir(root, { recursive: true });
  // One build at a time across test workers: the first takes a lock directory, the
  // others wait for its binary rather than compiling the same thing on the same cores.
  const lock = `${binary}.lock`;
  while (!(await tryLock(lock))) {
    await sleep(250);
    if (await exists(binary)) return binary;
  }
  try {
    if (await exists(binary)) return binary;
    // Build to a private name, then rename: the binary appears whole or not at all.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      // No -trimpath and the default CGO setting: either would rebuild the standard
      // library (Debian ships it precompiled with the defaults), minutes on a busy machine.
      await run('go', ['build', '-o', partial, '.'], {
        cwd: RENDERER_SOURCE_DIR,
        env: goEnv(cacheDir),
        timeout: 300_000,
      });
    } catch (cause) {
      await rm(partial, { force: true });
      const stderr = (cause as { stderr?: string }).stderr ?? '';
      throw new Error(`helm-render failed to build (is golang-github-masterminds-sprig-dev installed?):\n${stderr}`, { cause });
    }
    await rename(partial, binary);
    return binary;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Take the lock (mkdir is atomic); a lock older than the build timeout is stale. */
async function tryLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > 330_000) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
