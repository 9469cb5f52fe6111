/**
 * Convergence time (what istiod calls "proxy convergence"): from the moment the cache
 * bumps a type's version until every stream that was sent that version ACKed it.
 * One round per client kind and type; a newer bump abandons an unfinished round (its
 * streams will converge on the newer version instead). A stream that NACKs or closes
 * leaves the round: it will never hold the version, and must not hold the round open.
 */
import type { ClientKind, TypeUrl } from '../types.js';

interface Round {
  readonly type: TypeUrl;
  readonly version: string;
  readonly at: number;
  readonly waiting: Set<number>;
  /** True once the fan-out of the flush is done: from then on an empty set completes it. */
  sealed: boolean;
  /** Whether any stream was sent the version: a round nobody took part in is not observed. */
  joined: boolean;
}

export class ConvergenceTracker {
  private readonly rounds = new Map<string, Round>();
  private readonly observe: (type: TypeUrl, seconds: number) => void;

  /** `observe` receives each completed round's duration, in seconds. */
  constructor(observe: (type: TypeUrl, seconds: number) => void) {
    this.observe = observe;
  }

  /** The cache bumped `type` of `kind` to `version` at `at` (performance.now ms). */
  bump(kind: ClientKind, type: TypeUrl, version: string, at: number): void {
    this.rounds.set(key(kind, type), { type, version, at, waiting: new Set(), sealed: false, joined: false });
  }

  /** Stream `id` was sent `version` (or will be, once its pending response is ACKed). */
  expect(id: number, kind: ClientKind, type: TypeUrl, version: string): void {
    const round = this.rounds.get(key(kind, type));
    if (round?.version === version) {
      round.waiting.add(id);
      round.joined = true;
    }
  }

  /** Stream `id` now holds `version` (it ACKed it), or gave up on it (NACK, close). */
  done(id: number, kind: ClientKind, type: TypeUrl, version: string | undefined): void {
    const k = key(kind, type);
    const round = this.rounds.get(k);
    if (!round || (version !== undefined && round.version !== version)) return;
    round.waiting.delete(id);
    this.complete(k, round);
  }

  /** The stream closed: it leaves every round. */
  forget(id: number, kind: ClientKind): void {
    for (const [k, round] of this.rounds) {
      if (!k.startsWith(kind + ' ')) continue;
      round.waiting.delete(id);
      this.complete(k, round);
    }
  }

  /** The flush's fan-out is over: rounds of `kind` complete when their last stream ACKs. */
  seal(kind: ClientKind): void {
    for (const [k, round] of this.rounds) {
      if (!k.startsWith(kind + ' ')) continue;
      round.sealed = true;
      this.complete(k, round);
    }
  }

  private complete(k: string, round: Round): void {
    if (!round.sealed || round.waiting.size > 0) return;
    this.rounds.delete(k);
    if (round.joined) this.observe(round.type, (performance.now() - round.at) / 1000);
  }
}

function key(kind: ClientKind, type: TypeUrl): string {
  return `${kind} ${type}`;
}
