/**
 * The per-tick working copy of an endpoint's memory, and how it is made: explicit
 * field-by-field copies (not spreads), so that every memory object has the same shape,
 * which keeps property access fast over 10,000 endpoints (spreads of spread objects fall
 * into slow dictionary mode).
 */
import type { EndpointMemory } from './state.js';

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
    overBandSince: 0,
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
    overBandSince: m.overBandSince,
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

export function byAddress(a: { address: string }, b: { address: string }): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/** Whether endpoints are strictly sorted by address (sorted and unique). */
export function isSorted(eps: readonly { address: string }[]): boolean {
  for (let i = 1; i < eps.length; i++) if (byAddress(eps[i - 1]!, eps[i]!) >= 0) return false;
  return true;
}
