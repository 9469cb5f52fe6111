/**
 * The demo and benchmark backend: a real gRPC server whose service time, capacity and
 * error rate can be changed while it runs, with Prometheus metrics and optional ORCA
 * load reports. Used by `weir demo`, the integration tests and bench/loop.
 */
export { startBackend, type Backend, type BackendOptions, type BackendStats } from './backend.js';
export { DEFAULT_BACKEND_STATE, validateStateUpdate, type BackendState } from './state.js';
export { BACKEND_METRIC_NAMES, DURATION_BUCKETS_SECONDS } from './metrics.js';
export { SERVICE_TIME_SIGMA, sampleServiceTimeMs } from './service-time.js';
export {
  BACKEND_CALL_PATH,
  BACKEND_PROTO_FILE,
  findProtoRoot,
  loadBackendService,
  type BackendClient,
  type BackendClientConstructor,
  type CallReply,
  type CallRequest,
} from './backend-proto.js';
