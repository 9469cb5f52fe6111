/**
 * Parse and validate the endpoints file into a Topology. Every problem is reported with
 * its line and field path (`services[0].endpoints[2].address (line 14): must be …`).
 */
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { Endpoint, Service, Topology } from '../../model/index.js';
import { serviceId } from '../../model/index.js';
import type { Validated } from '../../lib/errors.js';
import { isEnabled, parseAnnotations, ENABLED_ANNOTATION } from '../annotations.js';
import { endpointsFileSchema, type FileService } from './schema.js';

/** Parse the text of an endpoints file. */
export function parseEndpointsFile(text: string): Validated<Topology> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      valid: false,
      errors: doc.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    };
  }
  const parsed = endpointsFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return {
      valid: false,
      errors: parsed.error.issues.map((i) => `${describePath(i.path, doc, lineCounter)}: ${i.message}`),
    };
  }
  const errors: string[] = [];
  const services = new Map<string, Service>();
  parsed.data.services.forEach((svc, i) => {
    const at = (suffix: string): string => describePath(['services', i, ...suffix.split('.').filter(Boolean).map(toKey)], doc, lineCounter);
    // A service listed in the file is served unless it opts out explicitly.
    if (svc.annotations[ENABLED_ANNOTATION] !== undefined && !isEnabled(svc.annotations)) return;
    const id = serviceId(svc);
    if (services.has(id)) {
      errors.push(`${at('name')}: service ${id} is listed twice`);
      return;
    }
    const built = buildService(svc, at, errors);
    if (built) services.set(id, built);
  });
  if (errors.length > 0) return { valid: false, errors };
  return { valid: true, result: { services: new Map([...services].sort(([a], [b]) => (a < b ? -1 : 1))) } };
}

function buildService(svc: FileService, at: (path: string) => string, errors: string[]): Service | undefined {
  const before = errors.length;
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  svc.ports.forEach((p, j) => {
    if (portNames.has(p.name)) errors.push(`${at(`ports.${j}.name`)}: port name "${p.name}" is used twice`);
    if (portNumbers.has(p.port)) errors.push(`${at(`ports.${j}.port`)}: port ${p.port} is used twice`);
    portNames.add(p.name);
    portNumbers.add(p.port);
  });
  if (svc.ports.length > 1 && portNames.has('')) errors.push(`${at('ports')}: every port must be named when there are several`);

  const endpoints: Endpoint[] = [];
  const seen = new Set<string>();
  svc.endpoints.forEach((e, k) => {
    const address = e.address.toLowerCase();
    if (seen.has(address)) {
      errors.push(`${at(`endpoints.${k}.address`)}: endpoint ${e.address} is listed twice`);
      return;
    }
    seen.add(address);
    let ports: Record<string, number>;
    if (e.ports !== undefined) {
      ports = e.ports;
      for (const name of Object.keys(ports)) {
        if (!portNames.has(name)) errors.push(`${at(`endpoints.${k}.ports.${name}`)}: no service port is named "${name}"`);
      }
    } else if (e.port !== undefined && svc.ports.length === 1) {
      ports = { [svc.ports[0]!.name]: e.port };
    } else {
      errors.push(
        `${at(`endpoints.${k}`)}: needs "ports" (a port per service port name)${svc.ports.length === 1 ? ' or "port"' : ''}`,
      );
      return;
    }
    endpoints.push({
      address,
      ports: Object.freeze({ ...ports }),
      ...(e.pod !== undefined ? { pod: e.pod } : {}),
      zone: e.zone,
      ready: e.ready && !e.terminating,
      serving: e.serving ?? e.ready,
      terminating: e.terminating,
    });
  });
  if (errors.length > before) return undefined;
  const { policy, problems } = parseAnnotations(svc.annotations);
  return {
    key: { namespace: svc.namespace, name: svc.name },
    ports: svc.ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
    endpoints: endpoints.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
    policy,
    problems,
  };
}

function toKey(part: string): string | number {
  return /^\d+$/.test(part) ? Number(part) : part;
}

/** `services[0].endpoints[2].address (line 14)`: the field path and, where known, its line. */
function describePath(path: readonly PropertyKey[], doc: Document, lineCounter: LineCounter): string {
  const text = path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
  // Walk up the path until a node with a position is found (a missing field has none).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) {
      return `${text || '(top level)'} (line ${lineCounter.linePos(node.range[0]).line})`;
    }
  }
  return text || '(top level)';
}
