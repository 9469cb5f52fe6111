/**
 * Pure conversion of a Kubernetes Service and its EndpointSlices into a model Service.
 * Bad input is reported, never thrown: a malformed slice, endpoint or port is skipped
 * with a problem naming the object, and everything else is kept, so one bad object
 * never withdraws endpoints that proxies still need.
 */
import { isIP } from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { isEnabled, parseAnnotations } from '../annotations.js';
import type { Endpoint, EndpointSourceProblem, Service, ServicePort } from '../../model/index.js';

/** The label that joins an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

/**
 * The model Service of an opted-in Kubernetes Service, or undefined when it did not opt
 * in (or has no name). `slices` are the Service's slices in any order.
 */
export function toService(svc: V1Service, slices: readonly V1EndpointSlice[]): Service | undefined {
  const namespace = svc.metadata?.namespace;
  const name = svc.metadata?.name;
  if (!namespace || !name || !isEnabled(svc.metadata?.annotations)) return undefined;
  const { policy, problems } = parseAnnotations(svc.metadata?.annotations);
  const sourceProblems: EndpointSourceProblem[] = [];
  const ports = toPorts(svc, sourceProblems);
  const endpoints = toEndpoints(ports, slices, sourceProblems);
  return {
    key: { namespace, name },
    ...(svc.metadata?.uid ? { uid: svc.metadata.uid } : {}),
    ports,
    endpoints,
    policy,
    problems,
    sourceProblems,
  };
}

function toPorts(svc: V1Service, problems: EndpointSourceProblem[]): ServicePort[] {
  const object = `Service ${svc.metadata?.namespace}/${svc.metadata?.name}`;
  const out: ServicePort[] = [];
  (svc.spec?.ports ?? []).forEach((p, i) => {
    const protocol = p.protocol ?? 'TCP';
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535 || !PROTOCOLS.has(protocol)) {
      problems.push({ object, reason: `spec.ports[${i}]: port ${String(p.port)}/${protocol} is not a valid port; skipped` });
      return;
    }
    out.push({ name: p.name ?? '', port: p.port, protocol: protocol as ServicePort['protocol'] });
  });
  return out.sort((a, b) => a.port - b.port || cmp(a.name, b.name));
}

interface Draft {
  address: string;
  ports: Record<string, number>;
  pod?: string;
  zone: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  slice: string;
}

function toEndpoints(ports: readonly ServicePort[], slices: readonly V1EndpointSlice[], problems: EndpointSourceProblem[]): Endpoint[] {
  const portNames = new Set(ports.map((p) => p.name));
  const byAddress = new Map<string, Draft>();
  // Sorted by name, so that which slice "wins" a duplicate is deterministic.
  const sorted = [...slices].sort((a, b) => cmp(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  for (const slice of sorted) {
    const sliceName = slice.metadata?.name ?? '';
    const object = `EndpointSlice ${slice.metadata?.namespace}/${sliceName}`;
    const report = (reason: string): void => {
      problems.push({ object, reason });
    };
    const family = slice.addressType === 'IPv4' ? 4 : slice.addressType === 'IPv6' ? 6 : 0;
    if (family === 0) {
      report(`addressType ${String(slice.addressType)} is not supported (IPv4 or IPv6); slice skipped`);
      continue;
    }
    const slicePorts: Record<string, number> = {};
    (slice.ports ?? []).forEach((p, i) => {
      const name = p.name ?? '';
      if (!Number.isInteger(p.port) || (p.port ?? 0) < 1 || (p.port ?? 0) > 65535) {
        report(`ports[${i}]: port ${String(p.port)} is missing or out of range; skipped`);
      } else if (!portNames.has(name)) {
        report(`ports[${i}]: port name "${name}" matches no port of the Service; skipped`);
      } else {
        slicePorts[name] = p.port!;
      }
    });
    if (Object.keys(slicePorts).length === 0) {
      if ((slice.endpoints ?? []).length > 0) report('no port matches a port of the Service; slice skipped');
      continue;
    }
    (slice.endpoints ?? []).forEach((ep, i) => {
      const raw = ep.addresses?.[0];
      if (typeof raw !== 'string' || raw === '') {
        report(`endpoints[${i}]: no address; skipped`);
        return;
      }
      if (isIP(raw) !== family) {
        report(`endpoints[${i}]: address "${raw}" is not an ${slice.addressType} address; skipped`);
        return;
      }
      const address = raw.toLowerCase();
      // EndpointSlice API: a nil `ready` means unknown, to be read as ready; `serving`
      // defaults to `ready`; a terminating endpoint is never ready.
      const terminating = ep.conditions?.terminating ?? false;
      const ready = (ep.conditions?.ready ?? true) && !terminating;
      const serving = ep.conditions?.serving ?? ready;
      const pod = ep.targetRef?.kind === 'Pod' ? ep.targetRef.name : undefined;
      const draft: Draft = { address, ports: { ...slicePorts }, zone: ep.zone ?? '', ready, serving, terminating, slice: sliceName };
      if (pod) draft.pod = pod;
      const seen = byAddress.get(address);
      if (!seen) {
        byAddress.set(address, draft);
        return;
      }
      // The same pod in two slices is legitimate when each carries other ports (pods
      // with different port sets); an overlap is someone's mistake, which must not
      // withdraw anything: the first slice's port wins, and a copy that is ready keeps
      // the endpoint ready.
      const overlap = Object.keys(draft.ports).filter((p) => p in seen.ports);
      if (overlap.length > 0) {
        report(`endpoints[${i}]: address ${address} (port ${overlap.join(', ')}) is also in EndpointSlice ${seen.slice}; duplicate ignored`);
      }
      for (const [p, n] of Object.entries(draft.ports)) if (!(p in seen.ports)) seen.ports[p] = n;
      seen.ready ||= draft.ready;
      seen.serving ||= draft.serving;
      seen.terminating &&= draft.terminating;
      seen.pod ??= draft.pod;
      if (seen.zone === '') seen.zone = draft.zone;
    });
  }
  return [...byAddress.values()]
    .sort((a, b) => cmp(a.address, b.address))
    .map((d) => ({
      address: d.address,
      ports: Object.fromEntries(Object.entries(d.ports).sort(([a], [b]) => cmp(a, b))),
      ...(d.pod === undefined ? {} : { pod: d.pod }),
      zone: d.zone,
      ready: d.ready,
      serving: d.serving,
      terminating: d.terminating,
    }));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
