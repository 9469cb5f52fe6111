/**
 * Turns a serialized message into the EncodedResource the cache shares across streams.
 */
import { createHash } from 'node:crypto';

import type { EncodedResource, TypeUrl } from '../types.js';

/**
 * Hex content hash of `bytes`: the first 16 hex digits (64 bits) of their SHA-256.
 * Used as the Delta resource version, so it must change whenever the bytes do; 64 bits
 * keeps an accidental collision among a few thousand live resources out of reach.
 */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Freezes `value` with its name, type URL and content hash. `value` must not be mutated afterwards. */
export function toEncodedResource(name: string, typeUrl: TypeUrl, value: Uint8Array): EncodedResource {
  return Object.freeze({ name, typeUrl, value, hash: contentHash(value) });
}
