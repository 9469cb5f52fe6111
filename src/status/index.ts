export { createStatusWriter, type StatusWriter, type StatusWriterOptions } from './status-writer.js';
export * from './endpoint-weights.js';
export { EVENT_REASONS, type EventIntent } from './report-events.js';
export { startLeaderElection, type LeaderElection, type LeaderElectionOptions } from './leader-election.js';
export { watchPublishedWeights, type PublishedWeights, type PublishedWeightsOptions } from './published-weights.js';
