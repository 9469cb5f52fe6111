/**
 * A watchdog for a child process that must not outlive us, however we die. `exit` hooks
 * do not run on SIGKILL (an OOM kill, `kill -9`, a test runner's timeout), and a
 * Prometheus left behind keeps its port, its CPU and its temporary directory.
 *
 * The guard is a shell that reads its stdin, a pipe whose other end only we hold. The
 * kernel closes that end when our process dies, whatever killed it; `read` then returns
 * and the shell kills the child and removes its directory. On a normal stop we kill the
 * guard first, so that it never acts on a process id that has since been reused. The
 * guard runs in its own process group, so a signal to ours (a Ctrl-C) leaves it to do
 * its work if we cannot.
 */
import { spawn } from 'node:child_process';

/** A guard on one child: `release` (on a normal stop) disarms it. Idempotent. */
export interface OrphanGuard {
  release(): void;
}

// $1: the child's pid; $2: its directory (may be empty). `read` fails at end of file.
const SCRIPT = 'read -r _ || true; kill -KILL "$1" 2>/dev/null; if [ -n "$2" ]; then sleep 0.5; rm -rf -- "$2"; fi';

/** Kill `pid` (and remove `dir`, when given) if this process dies without releasing the guard. */
export function guardAgainstOrphan(pid: number, dir = ''): OrphanGuard {
  const guard = spawn('/bin/sh', ['-c', SCRIPT, 'weir-orphan-guard', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // Neither the guard nor its pipe keeps our event loop alive.
  guard.unref();
  (guard.stdin as { unref?: () => void } | null)?.unref?.();
  // A guard that cannot start leaves us as we were (the exit hook still runs on normal exits).
  guard.on('error', () => undefined);
  guard.stdin?.on('error', () => undefined);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      guard.kill('SIGKILL');
    },
  };
}
