/**
 * Server-Sent Events streams (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * one long response per client, an event per line block, comments as keep-alives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The open event streams of one server. */
export class SseStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs: number) {
    // Proxies and browsers drop idle connections; a comment line keeps them open.
    this.keepAlive = setInterval(() => this.writeAll(': keep-alive\n\n'), keepAliveMs);
    this.keepAlive.unref();
  }

  /** Number of open streams. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Turn `res` into an event stream and send `initial` events on it. The stream is
   * forgotten when the client goes away.
   */
  open(req: IncomingMessage, res: ServerResponse, initial: readonly { event: string; data: unknown }[]): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Tells buffering reverse proxies (nginx) to pass events through at once.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    for (const e of initial) res.write(formatEvent(e.event, e.data));
    this.clients.add(res);
    const forget = (): void => {
      this.clients.delete(res);
    };
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
  }

  /** Send one event to every open stream. */
  broadcast(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    this.writeAll(formatEvent(event, data));
  }

  /** End every stream and stop the keep-alives. */
  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private writeAll(text: string): void {
    for (const res of this.clients) {
      if (res.writableEnded || res.destroyed) this.clients.delete(res);
      else res.write(text);
    }
  }
}

/** One event: JSON data on a single `data:` line (JSON.stringify never emits a newline). */
export function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
