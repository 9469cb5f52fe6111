/**
 * Messages between the bench's server process (main.ts) and its client processes
 * (client.ts), over the child_process IPC channel. Times are epoch ms with sub-ms
 * precision (performance.timeOrigin + performance.now()), comparable across processes.
 */

export interface StartMessage {
  readonly kind: 'start';
  readonly address: string;
  /** One entry per stream this process opens. */
  readonly variants: readonly ('sotw' | 'delta')[];
  /** Every EDS name to subscribe. */
  readonly names: readonly string[];
  /** Streams per gRPC connection. */
  readonly streamsPerChannel: number;
  /** Streams opening at the same time during the initial sync. */
  readonly rampBatch: number;
}

export interface AwaitMessage {
  readonly kind: 'await';
  /** The EDS version every stream must hold. */
  readonly version: string;
  readonly timeoutMs: number;
}

export interface StopMessage {
  readonly kind: 'stop';
}

export type ToClient = StartMessage | AwaitMessage | StopMessage;

export interface ReadyMessage {
  readonly kind: 'ready';
  readonly syncedAt: number;
}

export interface ArrivedMessage {
  readonly kind: 'arrived';
  readonly version: string;
  /** Per stream, when it received that version (epoch ms); NaN when it did not in time. */
  readonly sotw: readonly number[];
  readonly delta: readonly number[];
}

export interface FailedMessage {
  readonly kind: 'failed';
  readonly error: string;
}

export type ToServer = ReadyMessage | ArrivedMessage | FailedMessage;

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
