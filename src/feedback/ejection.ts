/**
 * Ejection on errors, after Envoy's outlier detection: an endpoint whose smoothed error
 * ratio is over the service's threshold is ejected (kept in EDS at the minimum weight,
 * so its recovery shows in the data), for a time that grows with consecutive ejections;
 * it returns, through slow start, once that time has passed and its error ratio is under
 * half the threshold. Without a reading this tick its last one stands for
 * ERROR_READING_HOLD_MS (a trickle's windows often hold no call); without one for that
 * long it returns (missing data is never bad). At most the cap of the ready endpoints is
 * ejected at once.
 */
import type { ServicePolicy } from '../model/index.js';
import { EJECTION_BASE_MS, EJECTION_MAX_MS, ERROR_READING_HOLD_MS, UNEJECT_FRACTION } from './tuning.js';

/**
 * How many of `n` ready endpoints may be ejected at once: ⌊maxEjection × n⌋, but at least
 * one when n ≥ 2 and maxEjection > 0 (like Envoy, which always lets one host go: with
 * the default 0.3 and five endpoints, ⌊1.5⌋ = 1), and never all of them.
 */
export function ejectionCap(n: number, maxEjection: number): number {
  if (n < 2 || maxEjection <= 0) return 0;
  const share = Math.floor(maxEjection * n + 1e-9);
  return Math.min(n - 1, Math.max(1, share));
}

/** How long the `count`-th consecutive ejection lasts, in ms. */
export function ejectionTimeMs(count: number): number {
  return Math.min(EJECTION_MAX_MS, EJECTION_BASE_MS * Math.max(1, count));
}

/** The error ratio an ejected endpoint must be at or under to return: half the threshold. */
function returnLevel(policy: ServicePolicy): number {
  return policy.errorThreshold * UNEJECT_FRACTION;
}

/** One endpoint as ejection sees it. */
export interface EjectionCandidate {
  readonly address: string;
  readonly ejected: boolean;
  readonly ejectedAt: number;
  readonly ejections: number;
  /** Smoothed error ratio when measured this tick; undefined otherwise. */
  readonly errorRatio: number | undefined;
  /**
   * Without a reading this tick, the smoothed error ratio as of the last one, when that
   * is under ERROR_READING_HOLD_MS old (`heldErrorRatio`); judges returns only.
   */
  readonly heldErrorRatio?: number;
}

/**
 * The ratio an ejected endpoint's return is judged on: this tick's reading, else the last
 * one while it is under ERROR_READING_HOLD_MS old (`lastAt`, `at`: sample times in ms; 0:
 * none). An ejected endpoint's trickle (1% of a fair share) makes a call every few
 * seconds, and the windows between its calls hold none: such a gap says nothing of a
 * backend its last calls found failing. On the loop benchmark's fail-fast, returns on
 * such gaps (in a 60 s outage, three) were ejected again on the trickle's next call,
 * each time for longer, the last past the heal: the healed backend stayed out 20 s more.
 */
export function heldErrorRatio(smoothed: number | undefined, lastAt: number, at: number): number | undefined {
  return lastAt > 0 && at - lastAt < ERROR_READING_HOLD_MS ? smoothed : undefined;
}

/** The ratio a candidate is judged on for its return (see `heldErrorRatio`). */
function judged(c: EjectionCandidate): number | undefined {
  return c.errorRatio ?? c.heldErrorRatio;
}

/** The addresses ejected after this tick, and why each changed. */
export interface EjectionOutcome {
  readonly ejected: ReadonlySet<string>;
  /** Newly ejected this tick. */
  readonly added: readonly string[];
  /** Returned this tick. */
  readonly released: readonly string[];
}

function byErrorThenAddress(a: EjectionCandidate, b: EjectionCandidate): number {
  const ea = judged(a) ?? 0;
  const eb = judged(b) ?? 0;
  if (ea !== eb) return eb - ea;
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/**
 * Decide the ejected set among `ready` endpoints. `candidates` needs to hold only the
 * endpoints that are ejected or over the error threshold (the others cannot change).
 * `allowNew` is false while the service's data is stale (nothing is ejected on old data).
 * Endpoints already ejected keep their place first (no churn), then new candidates by
 * error ratio, worst first, until the cap is reached.
 */
export function decideEjections(
  candidates: readonly EjectionCandidate[],
  ready: number,
  policy: ServicePolicy,
  now: number,
  allowNew: boolean,
): EjectionOutcome {
  const cap = ejectionCap(ready, policy.maxEjection);
  const keep: EjectionCandidate[] = [];
  const released: string[] = [];
  for (const c of candidates) {
    if (!c.ejected) continue;
    const served = now - c.ejectedAt >= ejectionTimeMs(c.ejections);
    const ratio = judged(c);
    const healed = ratio === undefined || ratio <= returnLevel(policy);
    if (served && healed) released.push(c.address);
    else keep.push(c);
  }
  keep.sort(byErrorThenAddress);
  // The cap may have shrunk (endpoints went away, or the annotation changed).
  while (keep.length > cap) released.push(keep.pop()!.address);
  const ejected = new Set(keep.map((c) => c.address));
  const added: string[] = [];
  if (allowNew) {
    const fresh = candidates
      .filter((c) => !c.ejected && c.errorRatio !== undefined && c.errorRatio > policy.errorThreshold)
      .sort(byErrorThenAddress);
    for (const c of fresh) {
      if (ejected.size >= cap) break;
      ejected.add(c.address);
      added.push(c.address);
    }
  }
  released.sort();
  return { ejected, added, released };
}
