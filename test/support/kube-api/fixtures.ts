/**
 * Builders of the objects tests put into the test API server: Services and
 * EndpointSlices shaped as the Kubernetes controllers write them.
 */
import { findResource } from './resources.js';
import type { KubeObject } from './store.js';
import type { TestApiServer } from './server.js';

export const SERVICES = findResource('', 'v1', 'services')!;
export const ENDPOINT_SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
export const ENDPOINT_WEIGHTS = findResource('weir.dev', 'v1alpha1', 'endpointweights')!;
export const EVENTS = findResource('', 'v1', 'events')!;
export const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

export interface ServiceSpec {
  namespace?: string;
  name: string;
  annotations?: Record<string, string>;
  ports?: { name?: string; port: number; protocol?: string }[];
  /** Adds `weir.dev/enabled: "true"` unless false. Default true. */
  enabled?: boolean;
}

export function serviceObject(s: ServiceSpec): KubeObject {
  const annotations = { ...(s.enabled === false ? {} : { 'weir.dev/enabled': 'true' }), ...s.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace ?? 'default', annotations },
    spec: {
      type: 'ClusterIP',
      ports: (s.ports ?? [{ name: 'http', port: 80 }]).map((p) => ({
        ...(p.name === undefined ? {} : { name: p.name }),
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        targetPort: p.port,
      })),
    },
  };
}

export interface SliceEndpoint {
  address: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  zone?: string;
  pod?: string;
}

export interface SliceSpec {
  namespace?: string;
  service: string;
  name?: string;
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  ports?: { name?: string; port: number; protocol?: string }[];
  endpoints: (SliceEndpoint | string)[];
}

export function sliceObject(s: SliceSpec): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: s.name ?? `${s.service}-abcde`,
      namespace: s.namespace ?? 'default',
      labels: { 'kubernetes.io/service-name': s.service, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    addressType: s.addressType ?? 'IPv4',
    ports: (s.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({
      ...(p.name === undefined ? {} : { name: p.name }),
      port: p.port,
      protocol: p.protocol ?? 'TCP',
    })),
    endpoints: s.endpoints.map((e, i) => {
      const ep = typeof e === 'string' ? { address: e } : e;
      const ready = ep.ready ?? !(ep.terminating ?? false);
      return {
        addresses: [ep.address],
        conditions: { ready, serving: ep.serving ?? ready, terminating: ep.terminating ?? false },
        zone: ep.zone ?? 'zone-a',
        targetRef: { kind: 'Pod', namespace: s.namespace ?? 'default', name: ep.pod ?? `${s.service}-pod-${i}` },
      };
    }),
  };
}

/** Create or replace an object in the server's store (as kubectl apply would). */
export function applyObject(server: TestApiServer, obj: KubeObject): KubeObject {
  const resource = obj.kind === 'Service' ? SERVICES : obj.kind === 'EndpointSlice' ? ENDPOINT_SLICES : undefined;
  if (!resource) throw new Error(`applyObject: unsupported kind ${obj.kind}`);
  const { namespace, name } = obj.metadata;
  try {
    const current = server.store.get(resource, namespace, name!);
    return server.store.update(resource, namespace, name!, { ...obj, metadata: { ...current.metadata, ...obj.metadata, resourceVersion: undefined } });
  } catch {
    return server.store.create(resource, namespace, obj);
  }
}

export function deleteObject(server: TestApiServer, kind: 'Service' | 'EndpointSlice', namespace: string, name: string): void {
  server.store.delete(kind === 'Service' ? SERVICES : ENDPOINT_SLICES, namespace, name);
}
