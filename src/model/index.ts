export * from './service.js';
export * from './samples.js';
export * from './weights.js';
export * from './policy.js';
