/**
 * Protocol rules every response must satisfy (XDS.md cases 18 and 19), checked by the
 * test client on every response it receives, like go-control-plane's fake streams.
 * Each function returns the violations found (empty when the response is sound).
 */
import { readCla, resourceName } from './wire-reader.js';

export const EDS_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const MAX_SUM = 4_294_967_295;

export interface AnyMsg {
  readonly type_url: string;
  readonly value: Buffer;
}

export interface SotwResponseMsg {
  readonly version_info: string;
  readonly resources: readonly AnyMsg[];
  readonly type_url: string;
  readonly nonce: string;
  readonly control_plane: { readonly identifier: string } | null;
}

export interface DeltaResourceMsg {
  readonly name: string;
  readonly version: string;
  readonly resource: AnyMsg | null;
}

export interface DeltaResponseMsg {
  readonly system_version_info: string;
  readonly resources: readonly DeltaResourceMsg[];
  readonly type_url: string;
  readonly removed_resources: readonly string[];
  readonly nonce: string;
}

/** Rules of case 19 for one encoded ClusterLoadAssignment. */
export function checkCla(value: Uint8Array, where: string): string[] {
  const problems: string[] = [];
  let cla;
  try {
    cla = readCla(value);
  } catch (err) {
    return [`${where}: undecodable ClusterLoadAssignment: ${String(err)}`];
  }
  if (cla.clusterName === '') problems.push(`${where}: cluster_name is empty`);
  const perPriority = new Map<number, number>();
  cla.localities.forEach((loc, i) => {
    const at = `${where}.endpoints[${i}]`;
    if (!loc.hasLocality) problems.push(`${at}: locality unset`);
    if (loc.weight === undefined) problems.push(`${at}: load_balancing_weight unset`);
    else if (loc.weight < 1) problems.push(`${at}: load_balancing_weight ${loc.weight} < 1`);
    perPriority.set(loc.priority, (perPriority.get(loc.priority) ?? 0) + (loc.weight ?? 0));
    let sum = 0;
    loc.endpoints.forEach((ep, j) => {
      const w = ep.weight ?? 1;
      if (ep.weight !== undefined && ep.weight < 1) problems.push(`${at}.lb_endpoints[${j}]: weight ${ep.weight} < 1`);
      sum += w;
    });
    if (sum > MAX_SUM) problems.push(`${at}: endpoint weights sum ${sum} > 2^32-1`);
  });
  for (const [priority, sum] of perPriority) {
    if (sum > MAX_SUM) problems.push(`${where}: priority ${priority} locality weights sum ${sum} > 2^32-1`);
  }
  return problems;
}

/** Case 18 (+19 for EDS) for a SotW response; `seenNonces` is the stream's nonce history. */
export function checkSotwResponse(res: SotwResponseMsg, seenNonces: Set<string>): string[] {
  const problems: string[] = [];
  const at = `response ${res.nonce || '(no nonce)'} ${res.type_url}`;
  if (res.nonce === '') problems.push(`${at}: empty nonce`);
  else if (seenNonces.has(res.nonce)) problems.push(`${at}: nonce reused`);
  seenNonces.add(res.nonce);
  if (res.type_url === '') problems.push(`${at}: empty type_url`);
  const names = new Set<string>();
  res.resources.forEach((any, i) => {
    if (any.type_url !== res.type_url) problems.push(`${at}.resources[${i}]: type_url ${any.type_url}`);
    const name = safeName(any.value);
    if (names.has(name)) problems.push(`${at}: duplicate resource ${name}`);
    names.add(name);
    if (res.type_url === EDS_TYPE) problems.push(...checkCla(any.value, `${at}.resources[${i}]`));
  });
  return problems;
}

/** Case 18 (+19, + the Delta rules of XDS.md) for a Delta response. */
export function checkDeltaResponse(res: DeltaResponseMsg, seenNonces: Set<string>): string[] {
  const problems: string[] = [];
  const at = `delta response ${res.nonce || '(no nonce)'} ${res.type_url}`;
  if (res.nonce === '') problems.push(`${at}: empty nonce`);
  else if (seenNonces.has(res.nonce)) problems.push(`${at}: nonce reused`);
  seenNonces.add(res.nonce);
  const names = new Set<string>();
  res.resources.forEach((r, i) => {
    const where = `${at}.resources[${i}]`;
    if (!r.resource) {
      problems.push(`${where}: no body`);
      return;
    }
    if (r.resource.type_url !== res.type_url) problems.push(`${where}: type_url ${r.resource.type_url}`);
    if (r.version === '') problems.push(`${where}: empty version`);
    const bodyName = safeName(r.resource.value);
    if (r.name !== bodyName) problems.push(`${where}: name ${r.name} but body names ${bodyName}`);
    if (names.has(r.name)) problems.push(`${at}: duplicate resource ${r.name}`);
    names.add(r.name);
    if (res.type_url === EDS_TYPE) problems.push(...checkCla(r.resource.value, where));
  });
  const removed = new Set<string>();
  for (const name of res.removed_resources) {
    if (names.has(name)) problems.push(`${at}: ${name} both in resources and removed_resources`);
    if (removed.has(name)) problems.push(`${at}: ${name} removed twice`);
    removed.add(name);
  }
  return problems;
}

function safeName(value: Uint8Array): string {
  try {
    return resourceName(value);
  } catch {
    return '(undecodable)';
  }
}
