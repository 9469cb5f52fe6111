/**
 * Which kind of client a stream serves, recognised from the Node of its first request
 * (XDS.md "What we send": serve each client what it can use). Envoy says
 * `user_agent_name: envoy`; gRPC's xDS clients say `gRPC Node Pure JS`, `gRPC Go`,
 * `gRPC C-core`… and advertise gRPC-only client features. Anything unrecognised is
 * served as Envoy: Envoy's resources are the full, standard form.
 */
import type { ClientKind } from '../types.js';
import type { NodeMsg } from './ads-definition.js';

/** Client features only gRPC's xDS clients advertise. */
const GRPC_FEATURES = new Set(['envoy.lb.does_not_support_overprovisioning', 'xds.config.resource-in-sotw']);

/** The kind of client `node` describes; 'envoy' when it is absent or unknown. */
export function detectClientKind(node: Pick<NodeMsg, 'user_agent_name' | 'client_features'> | null | undefined): ClientKind {
  if (!node) return 'envoy';
  const agent = node.user_agent_name.trim().toLowerCase();
  if (agent === 'envoy' || agent.startsWith('envoy')) return 'envoy';
  if (agent.startsWith('grpc')) return 'grpc';
  if (node.client_features.some((f) => GRPC_FEATURES.has(f))) return 'grpc';
  return 'envoy';
}
