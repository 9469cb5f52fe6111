import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger };

/**
 * The one pino root of a process. Components take `root.child({ component: 'xds' })`;
 * log fields, not sentences: `log.info({ service, endpoint, from, to, reason }, 'weight changed')`.
 */
export function createRootLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = { level: options.level ?? 'info', base: { app: 'weir' } };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/** A logger that drops everything: for tests and benches that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
