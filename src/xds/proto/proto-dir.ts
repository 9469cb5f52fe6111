/**
 * Finds the repository's `proto/` directory, whether this module runs from `src/`
 * (vitest, tsx) or from `dist/src/` (the compiled package).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ERROR_CODES, WeirError } from '../../lib/errors.js';

/** A file that only weir's proto directory holds: the marker the search looks for. */
const MARKER = join('envoy', 'service', 'discovery', 'v3', 'ads.proto');

/**
 * The absolute path of weir's `proto/` directory.
 *
 * Walks up from this module's own location to the first ancestor that has `proto/` with
 * the ADS service in it, rather than counting `..` segments: the depth differs between
 * `src/xds/proto/` and `dist/src/xds/proto/`, and the package ships `proto/` beside `dist/`.
 *
 * @throws WeirError XDS_RESOURCE_INVALID when no such directory exists (a broken install).
 */
export function findProtoDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, MARKER))) {
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new WeirError(ERROR_CODES.XDS_RESOURCE_INVALID, `no proto/ directory with ${MARKER} above ${from}`);
    }
    dir = parent;
  }
}
