/**
 * Checks every ADS request must pass before it touches stream state (XDS.md "Protocol
 * rules", issue 2 "Bad input"). A request that breaks the protocol or the limits closes
 * its own stream with a clear status; a request for a type weir does not serve is
 * ignored with a metric and a log line, because Envoy may legitimately ask an ADS
 * server for types it has no use for (secrets, runtime) and must not be cut off for it.
 */
import { status } from '@grpc/grpc-js';
import { TYPE_URL, type TypeUrl } from '../types.js';

export interface RequestLimits {
  /** Most names one request may list, and most names one stream may subscribe per type. */
  readonly maxNames: number;
  /** Longest resource name accepted, in UTF-16 code units. */
  readonly maxNameLength: number;
}

/**
 * Kubernetes names give `S.N:P` at most 63+1+63+1+5 characters; a large mesh subscribes
 * tens of thousands of clusters at most. The limits leave room for both.
 */
export const DEFAULT_LIMITS: RequestLimits = Object.freeze({ maxNames: 50_000, maxNameLength: 1_024 });

const SERVED = new Set<string>(Object.values(TYPE_URL));

/** The outcome of checking a request. */
export type Verdict =
  | { readonly kind: 'ok'; readonly type: TypeUrl }
  | { readonly kind: 'close'; readonly code: status; readonly reason: string; readonly details: string }
  | { readonly kind: 'ignore'; readonly reason: string; readonly details: string };

/** Check a request's type URL and every list of names it carries. */
export function checkRequest(typeUrl: string, nameLists: readonly (readonly string[])[], limits: RequestLimits): Verdict {
  if (typeUrl === '') {
    return { kind: 'close', code: status.INVALID_ARGUMENT, reason: 'empty_type_url', details: 'type_url is required on ADS' };
  }
  for (const names of nameLists) {
    if (names.length > limits.maxNames) {
      return {
        kind: 'close',
        code: status.RESOURCE_EXHAUSTED,
        reason: 'too_many_names',
        details: `a request may name at most ${limits.maxNames} resources (got ${names.length})`,
      };
    }
    for (const name of names) {
      if (name.length > limits.maxNameLength) {
        return {
          kind: 'close',
          code: status.INVALID_ARGUMENT,
          reason: 'name_too_long',
          details: `resource names are at most ${limits.maxNameLength} characters (got ${name.length})`,
        };
      }
    }
  }
  if (!SERVED.has(typeUrl)) {
    return { kind: 'ignore', reason: 'unknown_type_url', details: `type_url ${typeUrl.slice(0, 200)} is not served` };
  }
  return { kind: 'ok', type: typeUrl as TypeUrl };
}
