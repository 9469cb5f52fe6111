import type { LoopReport, ReportSink } from '../control/ports.js';
import type { ReportFeed } from './ports.js';

/**
 * The simplest bridge from the loop to the HTTP layer: a ReportSink the loop reports to
 * and a ReportFeed the HTTP server reads. Keeps only the latest report; a listener that
 * throws does not stop the others.
 */
export class ReportHub implements ReportSink, ReportFeed {
  private last: LoopReport | undefined;
  private readonly listeners = new Set<(report: LoopReport) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  report(report: LoopReport): void {
    this.last = report;
    for (const listener of [...this.listeners]) {
      try {
        listener(report);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  latest(): LoopReport | undefined {
    return this.last;
  }

  subscribe(listener: (report: LoopReport) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
