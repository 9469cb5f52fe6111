import { defineConfig } from 'vitest/config';

// Integration tests start real servers (Prometheus, gRPC backends, our xDS server) on
// loopback. Two workers match the two cores of the CI machine; more only adds noise
// to the timing-sensitive tests.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
