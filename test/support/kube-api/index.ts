export * from './server.js';
export * from './store.js';
export * from './resources.js';
export * from './fixtures.js';
export { parseLabelSelector } from './selectors.js';
export { waitFor } from './wait.js';
export { reportFor, type ReportOptions } from './reports.js';
export * from './kubectl-print.js';
