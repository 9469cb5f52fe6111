/**
 * The resources the test API server serves: the ones weir reads and writes. Each entry
 * says how its URLs look and whether it has a status subresource, as the real API
 * server's discovery documents would.
 */
export interface ResourceInfo {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** With a status subresource, the main resource ignores status and /status ignores the rest. */
  readonly statusSubresource: boolean;
}

export const RESOURCES: readonly ResourceInfo[] = [
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, statusSubresource: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, statusSubresource: false },
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
    statusSubresource: false,
  },
  {
    group: 'weir.dev',
    version: 'v1alpha1',
    plural: 'endpointweights',
    kind: 'EndpointWeights',
    namespaced: true,
    statusSubresource: true,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
    statusSubresource: false,
  },
];

/** `group/version/plural` (group '' for core): the store's key of a resource. */
export function resourceId(r: Pick<ResourceInfo, 'group' | 'version' | 'plural'>): string {
  return `${r.group}/${r.version}/${r.plural}`;
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findResourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** A parsed API path: /api/v1/namespaces/ns/services/name/status and friends. */
export interface ApiPath {
  readonly resource: ResourceInfo;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    rest = parts.slice(2);
  } else {
    return undefined;
  }
  const version = rest[0]!;
  rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  if (plural === undefined || extra.length > 0) return undefined;
  const resource = findResource(group, version, plural);
  if (!resource) return undefined;
  return { resource, namespace, name, subresource };
}
