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
    firstLatencyAt: 0,
    latencyAt: 0,
    errorsAt: 0,
    typicalRatio: 0,
    control: 1,
    cutFrom: 1,
    episodeLow: 1,
    episodePeak: 0,
    deepenFrom: 0,
    deepenUntil: 0,
    goodSinceCut: true,
    fineSinceCut: false,
    episodeProven: true,
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
    unansweredAt: 0,
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
    firstLatencyAt: m.firstLatencyAt,
    latencyAt: m.latencyAt,
    errorsAt: m.errorsAt,
    typicalRatio: m.typicalRatio,
    control: m.control,
    cutFrom: m.cutFrom,
    episodeLow: m.episodeLow,
    episodePeak: m.episodePeak,
    deepenFrom: m.deepenFrom,
    deepenUntil: m.deepenUntil,
    goodSinceCut: m.goodSinceCut,
    fineSinceCut: m.fineSinceCut,
    episodeProven: m.episodeProven,
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
    unansweredAt: m.unansweredAt,
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
    firstLatencyAt: c.firstLatencyAt[i]!,
    latencyAt: c.latencyAt[i]!,
    errorsAt: c.errorsAt[i]!,
    typicalRatio: c.typicalRatio[i]!,
    control: c.control[i]!,
    cutFrom: c.cutFrom[i]!,
    episodeLow: c.episodeLow[i]!,
    episodePeak: c.episodePeak[i]!,
    deepenFrom: c.deepenFrom[i]!,
    deepenUntil: c.deepenUntil[i]!,
    goodSinceCut: c.goodSinceCut[i]!,
    fineSinceCut: c.fineSinceCut[i]!,
    episodeProven: c.episodeProven[i]!,
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
    unansweredAt: c.unansweredAt[i]!,
  };
}

/**
 * The memory of `rows` (in address order) by column. A column whose every value is the
 * same as in `previous` is that column itself: most fields (when an endpoint was first
 * seen, its last cut, its ejections, its reason) change rarely, and sharing the unchanged
 * columns of the immutable previous memory is what keeps a tick's new state small.
 * Each column is written out rather than passed to a helper with a field accessor: that
 * accessor call, shared by every field, could not be inlined and cost a tenth of a tick.
 * The columns are compared in one pass over the rows, not with a callback per column
 * (`rows.every`): those 25 closures per service were ~0.7 MB of the ~22 MB a tick
 * allocates over 10,000 endpoints.
 */
export function toColumns(rows: readonly EndpointMemory[], previous: EndpointColumns | undefined): EndpointColumns {
  const p = previous !== undefined && sameAddresses(rows, previous.address) ? previous : undefined;
  // Whether each column is unchanged (Object.is: NaN is the same as NaN, −0 is not 0).
  let sameCurrent = p !== undefined;
  let sameFirstSeenAt = p !== undefined;
  let sameReady = p !== undefined;
  let sameSignals = p !== undefined;
  let sameSampleAt = p !== undefined;
  let sameLastDataAt = p !== undefined;
  let sameFirstLatencyAt = p !== undefined;
  let sameLatencyAt = p !== undefined;
  let sameErrorsAt = p !== undefined;
  let sameTypicalRatio = p !== undefined;
  let sameControl = p !== undefined;
  let sameCutFrom = p !== undefined;
  let sameEpisodeLow = p !== undefined;
  let sameEpisodePeak = p !== undefined;
  let sameDeepenFrom = p !== undefined;
  let sameDeepenUntil = p !== undefined;
  let sameGoodSinceCut = p !== undefined;
  let sameFineSinceCut = p !== undefined;
  let sameEpisodeProven = p !== undefined;
  let sameEpisodeAt = p !== undefined;
  let sameEffective = p !== undefined;
  let samePublished = p !== undefined;
  let sameLastCutAt = p !== undefined;
  let sameEjected = p !== undefined;
  let sameEjectedAt = p !== undefined;
  let sameEjections = p !== undefined;
  let sameSlowStartAt = p !== undefined;
  let sameReason = p !== undefined;
  let sameChangedAt = p !== undefined;
  let sameUnansweredAt = p !== undefined;
  if (p !== undefined) {
    for (let i = 0; i < rows.length; i++) {
      const m = rows[i]!;
      sameCurrent &&= Object.is(m.current, p.current[i]);
      sameFirstSeenAt &&= Object.is(m.firstSeenAt, p.firstSeenAt[i]);
      sameReady &&= Object.is(m.ready, p.ready[i]);
      sameSignals &&= Object.is(m.signals, p.signals[i]);
      sameSampleAt &&= Object.is(m.sampleAt, p.sampleAt[i]);
      sameLastDataAt &&= Object.is(m.lastDataAt, p.lastDataAt[i]);
      sameFirstLatencyAt &&= Object.is(m.firstLatencyAt, p.firstLatencyAt[i]);
      sameLatencyAt &&= Object.is(m.latencyAt, p.latencyAt[i]);
      sameErrorsAt &&= Object.is(m.errorsAt, p.errorsAt[i]);
      sameTypicalRatio &&= Object.is(m.typicalRatio, p.typicalRatio[i]);
      sameControl &&= Object.is(m.control, p.control[i]);
      sameCutFrom &&= Object.is(m.cutFrom, p.cutFrom[i]);
      sameEpisodeLow &&= Object.is(m.episodeLow, p.episodeLow[i]);
      sameEpisodePeak &&= Object.is(m.episodePeak, p.episodePeak[i]);
      sameDeepenFrom &&= Object.is(m.deepenFrom, p.deepenFrom[i]);
      sameDeepenUntil &&= Object.is(m.deepenUntil, p.deepenUntil[i]);
      sameGoodSinceCut &&= Object.is(m.goodSinceCut, p.goodSinceCut[i]);
      sameFineSinceCut &&= Object.is(m.fineSinceCut, p.fineSinceCut[i]);
      sameEpisodeProven &&= Object.is(m.episodeProven, p.episodeProven[i]);
      sameEpisodeAt &&= Object.is(m.episodeAt, p.episodeAt[i]);
      sameEffective &&= Object.is(m.effective, p.effective[i]);
      samePublished &&= Object.is(m.published, p.published[i]);
      sameLastCutAt &&= Object.is(m.lastCutAt, p.lastCutAt[i]);
      sameEjected &&= Object.is(m.ejected, p.ejected[i]);
      sameEjectedAt &&= Object.is(m.ejectedAt, p.ejectedAt[i]);
      sameEjections &&= Object.is(m.ejections, p.ejections[i]);
      sameSlowStartAt &&= Object.is(m.slowStartAt, p.slowStartAt[i]);
      sameReason &&= Object.is(m.reason, p.reason[i]);
      sameChangedAt &&= Object.is(m.changedAt, p.changedAt[i]);
      sameUnansweredAt &&= Object.is(m.unansweredAt, p.unansweredAt[i]);
    }
  }
  return {
    address: p?.address ?? rows.map((m) => m.address),
    current: p !== undefined && sameCurrent ? p.current : rows.map((m) => m.current),
    firstSeenAt: p !== undefined && sameFirstSeenAt ? p.firstSeenAt : rows.map((m) => m.firstSeenAt),
    ready: p !== undefined && sameReady ? p.ready : rows.map((m) => m.ready),
    signals: p !== undefined && sameSignals ? p.signals : rows.map((m) => m.signals),
    sampleAt: p !== undefined && sameSampleAt ? p.sampleAt : rows.map((m) => m.sampleAt),
    lastDataAt: p !== undefined && sameLastDataAt ? p.lastDataAt : rows.map((m) => m.lastDataAt),
    firstLatencyAt: p !== undefined && sameFirstLatencyAt ? p.firstLatencyAt : rows.map((m) => m.firstLatencyAt),
    latencyAt: p !== undefined && sameLatencyAt ? p.latencyAt : rows.map((m) => m.latencyAt),
    errorsAt: p !== undefined && sameErrorsAt ? p.errorsAt : rows.map((m) => m.errorsAt),
    typicalRatio: p !== undefined && sameTypicalRatio ? p.typicalRatio : rows.map((m) => m.typicalRatio),
    control: p !== undefined && sameControl ? p.control : rows.map((m) => m.control),
    cutFrom: p !== undefined && sameCutFrom ? p.cutFrom : rows.map((m) => m.cutFrom),
    episodeLow: p !== undefined && sameEpisodeLow ? p.episodeLow : rows.map((m) => m.episodeLow),
    episodePeak: p !== undefined && sameEpisodePeak ? p.episodePeak : rows.map((m) => m.episodePeak),
    deepenFrom: p !== undefined && sameDeepenFrom ? p.deepenFrom : rows.map((m) => m.deepenFrom),
    deepenUntil: p !== undefined && sameDeepenUntil ? p.deepenUntil : rows.map((m) => m.deepenUntil),
    goodSinceCut: p !== undefined && sameGoodSinceCut ? p.goodSinceCut : rows.map((m) => m.goodSinceCut),
    fineSinceCut: p !== undefined && sameFineSinceCut ? p.fineSinceCut : rows.map((m) => m.fineSinceCut),
    episodeProven: p !== undefined && sameEpisodeProven ? p.episodeProven : rows.map((m) => m.episodeProven),
    episodeAt: p !== undefined && sameEpisodeAt ? p.episodeAt : rows.map((m) => m.episodeAt),
    effective: p !== undefined && sameEffective ? p.effective : rows.map((m) => m.effective),
    published: p !== undefined && samePublished ? p.published : rows.map((m) => m.published),
    lastCutAt: p !== undefined && sameLastCutAt ? p.lastCutAt : rows.map((m) => m.lastCutAt),
    ejected: p !== undefined && sameEjected ? p.ejected : rows.map((m) => m.ejected),
    ejectedAt: p !== undefined && sameEjectedAt ? p.ejectedAt : rows.map((m) => m.ejectedAt),
    ejections: p !== undefined && sameEjections ? p.ejections : rows.map((m) => m.ejections),
    slowStartAt: p !== undefined && sameSlowStartAt ? p.slowStartAt : rows.map((m) => m.slowStartAt),
    reason: p !== undefined && sameReason ? p.reason : rows.map((m) => m.reason),
    changedAt: p !== undefined && sameChangedAt ? p.changedAt : rows.map((m) => m.changedAt),
    unansweredAt: p !== undefined && sameUnansweredAt ? p.unansweredAt : rows.map((m) => m.unansweredAt),
  };
}

function sameAddresses(rows: readonly EndpointMemory[], addresses: readonly string[]): boolean {
  if (rows.length !== addresses.length) return false;
  for (let i = 0; i < rows.length; i++) if (rows[i]!.address !== addresses[i]) return false;
  return true;
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
