/** `weir demo`: the local, no-cluster demo. The CLI calls runDemo and prints describeDemo. */
export { runDemo, describeDemo, demoEndpointsFile, DEMO_SERVICE, DEMO_SERVICE_PORT, type DemoOptions, type RunningDemo } from './demo.js';
export { DEMO_BACKENDS, DEMO_ACTIONS, stateFor, conditionOf, type DemoAction, type DemoBackendSpec, type DemoCondition } from './demo-backends.js';
export { demoRoutes, type DemoRouteContext } from './demo-routes.js';
export { LoadDriver, xdsBootstrap, type LoadOptions, type TrafficView } from './load-driver.js';
