/**
 * The dashboard's static files. Only the names listed here are served (a whitelist, so
 * no path from a request ever reaches the file system), read once and kept in memory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Request path → file name and content type. */
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/format.js': { file: 'format.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * Where the files are: next to this module when run from src/ (vitest); when run from a
 * compiled copy (dist/src/http/), tsc has not copied them, so look for the source tree's
 * src/http/static in the folders above (at most 6 levels).
 */
export function findStaticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const direct = path.join(here, 'static');
  if (existsSync(path.join(direct, 'index.html'))) return direct;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'src', 'http', 'static');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return direct;
}

/** Serves the whitelisted files of `dir`, caching each after its first read. */
export class StaticFiles {
  private readonly cache = new Map<string, Promise<StaticFile | undefined>>();

  constructor(private readonly dir: string = findStaticDir()) {}

  /** True when `pathname` names a dashboard file. */
  has(pathname: string): boolean {
    return Object.hasOwn(FILES, pathname);
  }

  /** The file for `pathname`, or undefined when it is not whitelisted or cannot be read. */
  get(pathname: string): Promise<StaticFile | undefined> {
    if (!this.has(pathname)) return Promise.resolve(undefined);
    const entry = FILES[pathname]!;
    let cached = this.cache.get(entry.file);
    if (!cached) {
      cached = readFile(path.join(this.dir, entry.file)).then(
        (body) => ({ body, type: entry.type }),
        () => {
          // Not cached as missing: a file restored later is served without a restart.
          this.cache.delete(entry.file);
          return undefined;
        },
      );
      this.cache.set(entry.file, cached);
    }
    return cached;
  }
}
