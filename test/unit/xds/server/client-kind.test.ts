import { describe, expect, test } from 'vitest';
import { detectClientKind } from '../../../../src/xds/server/client-kind.js';

describe('client kind from the node', () => {
  test.each([
    [{ user_agent_name: 'envoy', client_features: [] }, 'envoy'],
    [{ user_agent_name: 'gRPC Node Pure JS', client_features: ['envoy.lb.does_not_support_overprovisioning'] }, 'grpc'],
    [{ user_agent_name: 'grpc-node-js', client_features: [] }, 'grpc'],
    [{ user_agent_name: 'gRPC Go', client_features: [] }, 'grpc'],
    [{ user_agent_name: '', client_features: ['xds.config.resource-in-sotw'] }, 'grpc'],
    [{ user_agent_name: 'something else', client_features: [] }, 'envoy'],
    [null, 'envoy'],
  ] as const)('%j → %s', (node, kind) => {
    expect(detectClientKind(node && { ...node, client_features: [...node.client_features] })).toBe(kind);
  });
});
