/**
 * The Listener and RouteConfiguration that let a proxyless gRPC client dial
 * `xds:///S.N:P`. Envoy is not served these (see ./build.ts).
 */
import {
  API_VERSION,
  MESSAGE,
  encodeHttpConnectionManager,
  encodeRouter,
  packAny,
  type ListenerMsg,
  type RouteConfigurationMsg,
} from '../proto/index.js';

/** The name gRPC and Envoy know the router filter by. */
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

let routerAny: { type_url: string; value: Uint8Array } | undefined;

/**
 * The Listener `name`: an api_listener holding an HttpConnectionManager that fetches the
 * route table of the same name over ADS (RDS) and whose only, hence last, HTTP filter is
 * the router (grpc-js-xds NACKs a listener whose last filter is anything else). RDS
 * rather than an inline route_config: the issue asks for LDS and RDS, and a route change
 * then never touches the listener.
 */
export function buildListener(name: string): ListenerMsg {
  routerAny ??= packAny(MESSAGE.ROUTER, encodeRouter());
  const hcm = encodeHttpConnectionManager({
    rds: { config_source: { ads: {}, resource_api_version: API_VERSION.V3 }, route_config_name: name },
    http_filters: [{ name: ROUTER_FILTER_NAME, typed_config: routerAny }],
  });
  return { name, api_listener: { api_listener: packAny(MESSAGE.HTTP_CONNECTION_MANAGER, hcm) } };
}

/**
 * The RouteConfiguration `name`: one virtual host matching any authority ("*"), one
 * route matching every path (prefix "") to the cluster of the same name.
 */
export function buildRouteConfiguration(name: string): RouteConfigurationMsg {
  return {
    name,
    virtual_hosts: [{ name, domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: name } }] }],
  };
}
