/**
 * The Kubernetes parts of the composition root: the client configuration, discovery
 * (Services + EndpointSlices), the EndpointWeights status writer and Events, and, with
 * --leader-elect, the Lease and the follower's view of the weights the leader published.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { ReportSink } from '../control/ports.js';
import { startKubeDiscovery, type KubeDiscovery } from '../discovery/kube/index.js';
import { createStatusWriter, startLeaderElection, watchPublishedWeights } from '../status/index.js';
import { ERROR_CODES, WeirError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { WeightTable } from '../model/index.js';
import type { WeirConfig } from './config.js';

export interface KubeParts {
  readonly discovery: KubeDiscovery;
  /** Writes EndpointWeights status and Events (leader only). */
  readonly status?: ReportSink;
  readonly election?: { isLeader(): boolean; stop(): Promise<void> };
  /** The weights the leader published, served by followers. */
  readonly followed?: { current(): WeightTable };
  stop(): Promise<void>;
}

/** Load the client configuration: --kubeconfig, else in-cluster, else the default locations. */
export function loadKubeConfig(config: WeirConfig): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, `cannot load the Kubernetes client configuration${config.kubeconfig ? ` from ${config.kubeconfig}` : ''}`, { cause });
  }
  if (!kc.getCurrentCluster()) {
    throw new WeirError(ERROR_CODES.CONFIG_INVALID, 'no Kubernetes cluster configured: pass --kubeconfig or run in a cluster');
  }
  return kc;
}

export async function startKube(config: WeirConfig, deps: { log: Logger; registry: Registry }): Promise<KubeParts> {
  const kubeConfig = loadKubeConfig(config);
  const discovery = await startKubeDiscovery({
    kubeConfig,
    namespaces: config.namespaces,
    log: deps.log.child({ component: 'kube-discovery' }),
    registry: deps.registry,
  });
  const status = createStatusWriter({
    kubeConfig,
    log: deps.log.child({ component: 'status' }),
    registry: deps.registry,
    minIntervalMs: config.statusMinIntervalMs,
    writesPerSecond: config.statusWritesPerSecond,
    instance: config.identity,
  });
  if (!config.leaderElect) {
    return { discovery, status, stop: once(async () => stopAll([status, discovery])) };
  }
  const election = startLeaderElection({
    kubeConfig,
    log: deps.log.child({ component: 'leader-election' }),
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    registry: deps.registry,
  });
  const followed = watchPublishedWeights({
    kubeConfig,
    namespaces: config.namespaces,
    log: deps.log.child({ component: 'published-weights' }),
  });
  // The composition root releases the lease right after the loop stops; stop() does it
  // too (first, so another replica takes over at once), and only once.
  const releaseLease = once(() => election.stop());
  return {
    discovery,
    status,
    election: { isLeader: () => election.isLeader(), stop: releaseLease },
    followed,
    stop: once(async () => {
      await releaseLease();
      await stopAll([status, followed, discovery]);
    }),
  };
}

async function stopAll(parts: readonly { stop(): Promise<void> }[]): Promise<void> {
  for (const p of parts) await p.stop();
}

/** `f`, run at most once; later calls get the first call's promise. */
function once(f: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= f());
}
