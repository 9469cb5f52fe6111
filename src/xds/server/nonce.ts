/**
 * Nonces: unique and non-empty for every response of the process. A random prefix per
 * process keeps a nonce from a previous run (echoed by a confused client after a
 * reconnect) from ever matching one of ours.
 */
import { randomBytes } from 'node:crypto';

const PROCESS_PREFIX = randomBytes(4).toString('hex');

/** Issues the nonces of one stream. */
export class NonceSource {
  private readonly prefix: string;
  private counter = 0;

  constructor(streamId: number) {
    this.prefix = `${PROCESS_PREFIX}-${streamId.toString(36)}-`;
  }

  next(): string {
    this.counter++;
    return this.prefix + this.counter.toString(36);
  }
}
