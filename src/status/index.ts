export { createStatusWriter, type StatusWriter, type StatusWriterOptions } from './status-writer.js';
export * from './endpoint-weights.js';
export { EVENT_REASONS, type EventIntent } from './report-events.js';
