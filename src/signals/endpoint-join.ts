/**
 * Joins Prometheus series to the endpoints of the services of one profile. A series
 * names its endpoint by a pod name or by an `ip:port` instance; when it also carries
 * the namespace and service labels, they narrow the match. A series that matches no
 * endpoint (another pod, a terminated one, a service of another profile) is ignored:
 * it is "no data" for nobody, never bad data for someone.
 */
import type { Service } from '../model/index.js';
import { serviceId } from '../model/index.js';
import type { SeriesLabels } from './profile-types.js';

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** One endpoint a series was joined to. */
export interface JoinTarget {
  readonly serviceId: string;
  /** The endpoint's address, the key of `Samples.services.get(serviceId)`. */
  readonly address: string;
}

interface Candidate {
  readonly target: JoinTarget;
  readonly namespace: string;
  readonly service: string;
}

/**
 * The host part of an instance label, canonicalised: `10.0.0.1:9090` → `10.0.0.1`,
 * `[::1]:8080` → `::1`, `[2001:DB8:0::1]` → `2001:db8::1`, bare IPs unchanged. A host
 * name is returned lower-cased (it will match only an endpoint with that address).
 */
export function instanceHost(instance: string): string {
  let host = instance.trim();
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracket) host = bracket[1]!;
  else if ((host.match(/:/g) ?? []).length === 1) host = host.slice(0, host.indexOf(':'));
  return canonicalAddress(host);
}

/** The canonical text of an IP address (lower-case, compressed IPv6), for comparison. */
export function canonicalAddress(address: string): string {
  // The common case, a dotted IPv4 address without leading zeros, is already canonical.
  if (IPV4.test(address)) return address;
  const a = address.trim().toLowerCase();
  try {
    // The WHATWG URL parser canonicalises IPv4 and IPv6 host literals.
    const host = new URL(a.includes(':') ? `http://[${a}]/` : `http://${a}/`).hostname;
    return host.startsWith('[') ? host.slice(1, -1) : host;
  } catch {
    return a;
  }
}

/** An index of the endpoints of some services, to join series with. */
export class EndpointIndex {
  private readonly byPod = new Map<string, Candidate[]>();
  private readonly byAddress = new Map<string, Candidate[]>();

  /** `services` in any order; candidates are kept in serviceId order for determinism. */
  constructor(services: readonly Service[]) {
    const sorted = [...services].sort((a, b) => cmp(serviceId(a.key), serviceId(b.key)));
    for (const svc of sorted) {
      const id = serviceId(svc.key);
      for (const ep of svc.endpoints) {
        const c: Candidate = { target: { serviceId: id, address: ep.address }, namespace: svc.key.namespace, service: svc.key.name };
        if (ep.pod !== undefined && ep.pod !== '') push(this.byPod, ep.pod, c);
        push(this.byAddress, canonicalAddress(ep.address), c);
      }
    }
  }

  /**
   * The endpoints a series with `labels` belongs to, read with `spec`. Usually one; more
   * when a pod backs several services and the series names no service (cAdvisor).
   */
  match(labels: Readonly<Record<string, string>>, spec: SeriesLabels): readonly JoinTarget[] {
    const key = labels[spec.endpoint];
    if (key === undefined || key === '') return [];
    const candidates = spec.match === 'pod' ? this.byPod.get(key) : this.byAddress.get(instanceHost(key));
    if (candidates === undefined) return [];
    // A label the series lacks does not narrow the match: the endpoint alone decides.
    const ns = spec.namespace === '' ? undefined : labels[spec.namespace];
    const svc = spec.service === '' ? undefined : labels[spec.service];
    const out: JoinTarget[] = [];
    for (const c of candidates) if ((ns === undefined || c.namespace === ns) && (svc === undefined || c.service === svc)) out.push(c.target);
    return out;
  }
}

function push(map: Map<string, Candidate[]>, key: string, c: Candidate): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
