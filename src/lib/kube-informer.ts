/**
 * A list-watch cache over @kubernetes/client-node's informer (ListWatch) that never
 * stops silently. client-node relists by itself on 410 Gone and re-watches from the last
 * version when a stream ends, but any other failure (a 500 on the list or the watch, a
 * refused connection) fires `error` and stops the informer for good: here every error
 * restarts it after an exponential backoff with jitter. Watches ask for bookmarks (so a
 * resumed watch starts from a recent version) and carry a server-side timeout (so a
 * connection that went quiet is replaced).
 */
import { makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from './log.js';

export interface BackoffOptions {
  /** First retry delay, ms. Default 250. */
  readonly initialMs?: number;
  /** Largest retry delay, ms. Default 30,000. */
  readonly maxMs?: number;
}

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  /** Collection path, e.g. `/api/v1/services` or `/api/v1/namespaces/ns/services`. */
  readonly path: string;
  /** Lists the collection (the informer's initial list and every relist). */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout, s. Default 300. */
  readonly watchTimeoutSeconds?: number;
  readonly onAdd: (obj: T) => void;
  readonly onUpdate: (obj: T) => void;
  readonly onDelete: (obj: T) => void;
  /** Called after each successful (re)list, once its objects were delivered. */
  readonly onListed?: () => void;
  /** Called on each restart after an error (for metrics). */
  readonly onRestart?: (err: unknown) => void;
}

export interface SupervisedInformer {
  /** Start listing and watching; resolves after the first attempt (successful or not). */
  start(): Promise<void>;
  /** Stop for good; no restart after this. */
  stop(): Promise<void>;
  /** True after the first successful list. */
  listed(): boolean;
}

/** Wrap a client-node informer so that it restarts after every error. */
export function createSupervisedInformer<T extends KubernetesObject>(opts: SupervisedInformerOptions<T>): SupervisedInformer {
  const initialMs = opts.backoff?.initialMs ?? 250;
  const maxMs = opts.backoff?.maxMs ?? 30_000;
  const timeout = opts.watchTimeoutSeconds ?? 300;
  // client-node's ListWatch sends only resourceVersion and selectors; the path may carry
  // the other watch parameters as a query string, which it keeps.
  const path = `${opts.path}?allowWatchBookmarks=true&timeoutSeconds=${timeout}`;
  let stopped = false;
  let hasListed = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | undefined;

  const list = async (): Promise<KubernetesListObject<T>> => {
    const result = await opts.list();
    // ListWatch delivers the items synchronously right after this resolves, so by the
    // next macrotask they are in the cache.
    setImmediate(() => {
      hasListed = true;
      attempt = 0;
      opts.onListed?.();
    });
    return result;
  };
  const informer: Informer<T> = makeInformer(opts.kubeConfig, path, list);
  informer.on('add', opts.onAdd);
  informer.on('update', opts.onUpdate);
  informer.on('delete', opts.onDelete);
  informer.on('error', (err: unknown) => {
    // Aborting our own request on stop() surfaces here too.
    if (stopped) return;
    const delay = Math.min(maxMs, initialMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt = Math.min(attempt + 1, 30);
    opts.log.warn({ path: opts.path, err: describe(err), retryInMs: Math.round(delay) }, 'list/watch failed; restarting');
    opts.onRestart?.(err);
    clearTimeout(retry);
    retry = setTimeout(() => {
      retry = undefined;
      if (!stopped) void informer.start();
    }, delay);
  });
  informer.on('connect', () => {
    opts.log.debug({ path: opts.path }, 'watch (re)connecting');
  });

  return {
    start: async () => {
      stopped = false;
      await informer.start();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await informer.stop();
    },
    listed: () => hasListed,
  };
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { statusCode?: number; code?: number | string; message?: string };
    const code = e.statusCode ?? e.code;
    return code === undefined ? String(e.message) : `${code}: ${e.message ?? ''}`;
  }
  return String(err);
}
