/**
 * The ports of the HTTP layer: what it needs from the rest of weir, defined here and
 * implemented by the composition root (STYLE.md: ports are defined by their user).
 */
import type { LoopReport } from '../control/ports.js';

/** Where the HTTP layer gets the loop's reports from. */
export interface ReportFeed {
  /** The newest report, undefined before the first tick. */
  latest(): LoopReport | undefined;
  /** Call `listener` with each new report. Returns an unsubscribe function. */
  subscribe(listener: (report: LoopReport) => void): () => void;
}

/** The answer of `/readyz`: ready, or every reason why not. */
export interface ReadyState {
  readonly ready: boolean;
  /** Why not ready (e.g. "discovery not synced"); empty when ready. */
  readonly reasons: readonly string[];
}

/** A request as an extra route sees it. */
export interface HttpRouteRequest {
  readonly method: string;
  readonly url: URL;
  /** The parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
}

/** What an extra route answers: a status and a JSON body. */
export interface HttpRouteResponse {
  /** HTTP status code; 200 when absent. */
  readonly status?: number;
  /** Serialised as JSON. */
  readonly body: unknown;
}

/**
 * An extra route (the demo's controls). Matched on the exact method and path; the body
 * is read (bounded) and parsed as JSON before `handler` runs. A handler that throws
 * gets a 500 naming the error; it never stops the server.
 */
export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, e.g. `/api/demo`. */
  readonly path: string;
  handler(request: HttpRouteRequest): HttpRouteResponse | Promise<HttpRouteResponse>;
}
