/** Messages between the harness and its load client processes (IPC, advanced serialisation). */

/** Every call of one client, by index in its timetable. */
export interface CallRecords {
  /** When the call was due, ms after the run's start. */
  scheduledMs: Float64Array;
  /** From due time to completion, in µs (0 for a call that never completed). */
  latencyUs: Float64Array;
  /** Index of the backend that served it, -1 when unknown. */
  backend: Int8Array;
  /** gRPC status code, -1 when the call never completed. */
  code: Int8Array;
}

export type ClientCommand =
  | {
      type: 'init';
      clientId: string;
      target: string;
      channelOptions: Record<string, string | number>;
      backendNames: readonly string[];
      /** Backend index by port, to attribute calls by peer address. */
      backendPorts: Readonly<Record<string, number>>;
    }
  | {
      type: 'start';
      clientId: string;
      /** Start of the run (epoch ms); the client's first call is due at start + offset. */
      startAtEpochMs: number;
      offsetMs: number;
      durationMs: number;
      ratePerSecond: number;
      deadlineMs: number;
    }
  | { type: 'stop' };

export type ClientMessage =
  /** Sent once the client's modules are loaded: IPC messages sent before that would be lost. */
  | { type: 'loaded' }
  | { type: 'ready' }
  | { type: 'result'; records: CallRecords }
  | { type: 'error'; message: string };
