/** The HTTP layer: weir's HTTP server, its ports, and the `/api/weights` view. */
export { startHttpServer, type HttpServerOptions, type RunningHttpServer } from './server.js';
export type { HttpRoute, HttpRouteRequest, HttpRouteResponse, ReadyState, ReportFeed } from './ports.js';
export { ReportHub } from './report-hub.js';
export {
  toWeightsView,
  EMPTY_WEIGHTS_VIEW,
  type WeightsView,
  type ServiceView,
  type EndpointView,
  type ProblemView,
} from './weights-view.js';
export { toHistoryPoint, ReportHistory, type HistoryPoint, type EndpointPoint } from './report-history.js';
