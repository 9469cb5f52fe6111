/**
 * The per-tick working copy of an endpoint's memory, and how it is read from and written
 * to a service's columns: explicit field-by-field copies (not spreads or loops over
 * keys), so that every working object has the same shape and every column holds one
 * kind of value, which keeps property access fast over 10,000 endpoints (spreads of
 * spread objects fall into slow dictionary mode).
 */
import type { EndpointColumns, EndpointMemory } from './state.js';

/** Mutable working copy of an endpoint's memory during a tick; it becomes the next memory. */
export type Working = { -readonly [K in keyof EndpointMemory]: EndpointMemory[K] };

/** The memory of an endpoint seen for the first time at `now`. */
export function newMemory(address: string, now: number, ready: boolean, slowStartAt: number, effective: number): EndpointMemory {
  return {
    address,
    current: false,
    firstSeenAt: now,
    ready,
    signals: {},
    sampleAt: 0,
    lastDataAt: 0,
    control: 1,
    cutFrom: 1,
    deepenFrom: 0,
    deepenUntil: 0,
    goodSinceCut: true,
    episodeAt: 0,
    effective,
    published: 0,
    lastCutAt: 0,
    ejected: false,
    ejectedAt: 0,
    ejections: 0,
    slowStartAt,
    reason: '',
    changedAt: 0,
  };
}

/*
 * Explicit field-by-field copies (not spreads): every memory object gets the same shape,
 * which keeps property access fast over 10,000 endpoints (spreads of spread objects fall
 * into slow dictionary mode).
 */
export function toWorking(m: EndpointMemory, address: string, ready = true): Working {
  return {
    address,
    current: false,
    firstSeenAt: m.firstSeenAt,
    ready,
    signals: m.signals,
    sampleAt: m.sampleAt,
    lastDataAt: m.lastDataAt,
    control: m.control,
    cutFrom: m.cutFrom,
    deepenFrom: m.deepenFrom,
    deepenUntil: m.deepenUntil,
    goodSinceCut: m.goodSinceCut,
    episodeAt: m.episodeAt,
    effective: m.effective,
    published: m.published,
    lastCutAt: m.lastCutAt,
    ejected: m.ejected,
    ejectedAt: m.ejectedAt,
    ejections: m.ejections,
    slowStartAt: m.slowStartAt,
    reason: m.reason,
    changedAt: m.changedAt,
  };
}

/** Row `i` of `c` as a fresh working copy: the same as `toWorking` of that row. */
export function readRow(c: EndpointColumns, i: number, ready = true): Working {
  return {
    address: c.address[i]!,
    current: false,
    firstSeenAt: c.firstSeenAt[i]!,
    ready,
    signals: c.signals[i]!,
    sampleAt: c.sampleAt[i]!,
    lastDataAt: c.lastDataAt[i]!,
    control: c.control[i]!,
    cutFrom: c.cutFrom[i]!,
    deepenFrom: c.deepenFrom[i]!,
    deepenUntil: c.deepenUntil[i]!,
    goodSinceCut: c.goodSinceCut[i]!,
    episodeAt: c.episodeAt[i]!,
    effective: c.effective[i]!,
    published: c.published[i]!,
    lastCutAt: c.lastCutAt[i]!,
    ejected: c.ejected[i]!,
    ejectedAt: c.ejectedAt[i]!,
    ejections: c.ejections[i]!,
    slowStartAt: c.slowStartAt[i]!,
    reason: c.reason[i]!,
    changedAt: c.changedAt[i]!,
  };
}

/**
 * The memory of `rows` (in address order) by column. A column whose every value is the
 * same as in `previous` is that column itself: most fields (when an endpoint was first
 * seen, its last cut, its ejections, its reason) change rarely, and sharing the unchanged
 * columns of the immutable previous memory is what keeps a tick's new state small.
 */
export function toColumns(rows: readonly EndpointMemory[], previous: EndpointColumns | undefined): EndpointColumns {
  const p = previous !== undefined && sameAddresses(rows, previous.address) ? previous : undefined;
  return {
    address: p?.address ?? rows.map((m) => m.address),
    current: column(rows, p?.current, (m) => m.current),
    firstSeenAt: column(rows, p?.firstSeenAt, (m) => m.firstSeenAt),
    ready: column(rows, p?.ready, (m) => m.ready),
    signals: column(rows, p?.signals, (m) => m.signals),
    sampleAt: column(rows, p?.sampleAt, (m) => m.sampleAt),
    lastDataAt: column(rows, p?.lastDataAt, (m) => m.lastDataAt),
    control: column(rows, p?.control, (m) => m.control),
    cutFrom: column(rows, p?.cutFrom, (m) => m.cutFrom),
    deepenFrom: column(rows, p?.deepenFrom, (m) => m.deepenFrom),
    deepenUntil: column(rows, p?.deepenUntil, (m) => m.deepenUntil),
    goodSinceCut: column(rows, p?.goodSinceCut, (m) => m.goodSinceCut),
    episodeAt: column(rows, p?.episodeAt, (m) => m.episodeAt),
    effective: column(rows, p?.effective, (m) => m.effective),
    published: column(rows, p?.published, (m) => m.published),
    lastCutAt: column(rows, p?.lastCutAt, (m) => m.lastCutAt),
    ejected: column(rows, p?.ejected, (m) => m.ejected),
    ejectedAt: column(rows, p?.ejectedAt, (m) => m.ejectedAt),
    ejections: column(rows, p?.ejections, (m) => m.ejections),
    slowStartAt: column(rows, p?.slowStartAt, (m) => m.slowStartAt),
    reason: column(rows, p?.reason, (m) => m.reason),
    changedAt: column(rows, p?.changedAt, (m) => m.changedAt),
  };
}

function sameAddresses(rows: readonly EndpointMemory[], addresses: readonly string[]): boolean {
  if (rows.length !== addresses.length) return false;
  for (let i = 0; i < rows.length; i++) if (rows[i]!.address !== addresses[i]) return false;
  return true;
}

/** One column: `previous` when no value differs from it (Object.is: −0 and NaN kept exact), else a new array. */
function column<T>(rows: readonly EndpointMemory[], previous: readonly T[] | undefined, pick: (m: EndpointMemory) => T): readonly T[] {
  if (previous !== undefined) {
    let i = 0;
    while (i < rows.length && Object.is(pick(rows[i]!), previous[i])) i++;
    if (i === rows.length) return previous;
  }
  return rows.map(pick);
}

/**
 * A finder of rows in sorted `addresses` for addresses asked in increasing order: a merge
 * of two sorted lists, so a tick finds every endpoint's memory in one pass without a hash
 * lookup. Returns the row, or −1 when the address has none.
 */
export function rowFinder(addresses: readonly string[]): (address: string) => number {
  let next = 0;
  return (address) => {
    while (next < addresses.length && addresses[next]! < address) next++;
    return addresses[next] === address ? next : -1;
  };
}

export function byAddress(a: { address: string }, b: { address: string }): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/** Whether endpoints are strictly sorted by address (sorted and unique). */
export function isSorted(eps: readonly { address: string }[]): boolean {
  for (let i = 1; i < eps.length; i++) if (byAddress(eps[i - 1]!, eps[i]!) >= 0) return false;
  return true;
}
