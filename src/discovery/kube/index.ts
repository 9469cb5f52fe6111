export { startKubeDiscovery, type KubeDiscovery, type KubeDiscoveryOptions } from './kube-discovery.js';
export { toService, SERVICE_NAME_LABEL } from './convert.js';
export { createSupervisedInformer, type SupervisedInformer, type SupervisedInformerOptions, type BackoffOptions } from '../../lib/kube-informer.js';
