/**
 * The Kubernetes parts of the composition root: the client configuration, discovery
 * (Services + EndpointSlices), and — once H6's status layer is wired — the
 * EndpointWeights status writer, leader election and the follower's view of the
 * leader's weights.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { ReportSink } from '../control/ports.js';
import { startKubeDiscovery, type KubeDiscovery } from '../discovery/kube/index.js';
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
  return {
    discovery,
    stop: () => discovery.stop(),
  };
}
