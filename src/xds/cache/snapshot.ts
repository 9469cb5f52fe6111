/**
 * The immutable value the cache hands to streams: per client kind, per type URL, a
 * version and the resources by name. A new flush makes new snapshots; streams keep
 * reading the one they were given, so nothing they hold is ever mutated under them.
 */
import { PUSH_ORDER, type ClientKind, type EncodedResource, type ResourceSet, type TypeUrl } from '../types.js';

/** The resources of one type at one version. */
export interface TypeSnapshot {
  /** Opaque version string of the type, bumped when any resource of the type changes. */
  readonly version: string;
  /** name → resource. Must not be altered. */
  readonly resources: ReadonlyMap<string, EncodedResource>;
  /** The names of `resources`, sorted (responses list resources in this order). */
  readonly names: readonly string[];
}

/** Every type served to one client kind. */
export interface KindSnapshot {
  readonly kind: ClientKind;
  readonly types: ReadonlyMap<TypeUrl, TypeSnapshot>;
}

/** What changed in one type between two snapshots. */
export interface TypeDiff {
  /** Names added or whose content hash changed, sorted. */
  readonly changed: readonly string[];
  /** Names that disappeared, sorted. */
  readonly removed: readonly string[];
}

const EMPTY: ReadonlyMap<string, EncodedResource> = new Map();

/** Compare one type's resources by content hash. */
export function diffType(
  before: ReadonlyMap<string, EncodedResource>,
  after: ReadonlyMap<string, EncodedResource>,
): TypeDiff {
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [name, res] of after) {
    if (before.get(name)?.hash !== res.hash) changed.push(name);
  }
  for (const name of before.keys()) {
    if (!after.has(name)) removed.push(name);
  }
  return { changed: changed.sort(), removed: removed.sort() };
}

/**
 * The next snapshot of a kind: types whose content did not change keep their old
 * TypeSnapshot object (same version, same resources); changed types get version
 * `nextVersion(type)`. Returns the snapshot and the diffs of the types that changed.
 */
export function nextSnapshot(
  previous: KindSnapshot | undefined,
  kind: ClientKind,
  built: ResourceSet,
  nextVersion: (type: TypeUrl) => string,
): { snapshot: KindSnapshot; diffs: ReadonlyMap<TypeUrl, TypeDiff> } {
  const types = new Map<TypeUrl, TypeSnapshot>();
  const diffs = new Map<TypeUrl, TypeDiff>();
  for (const type of PUSH_ORDER) {
    const old = previous?.types.get(type);
    const resources = built.get(type) ?? EMPTY;
    const diff = diffType(old?.resources ?? EMPTY, resources);
    if (old && diff.changed.length === 0 && diff.removed.length === 0) {
      types.set(type, old);
      continue;
    }
    types.set(type, { version: nextVersion(type), resources, names: [...resources.keys()].sort() });
    diffs.set(type, diff);
  }
  return { snapshot: { kind, types }, diffs };
}
