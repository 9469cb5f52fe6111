import { defineConfig } from 'vitest/config';

// Integration tests start real servers (Prometheus, gRPC backends, our xDS server) on
// loopback. Two workers match the two cores of the CI machine; more only adds noise
// to the timing-sensitive tests.
//
// The closed-loop tests (test/integration/loop) assert how fast weir moves traffic
// ("most of a 5× slower backend's traffic within 5 s"): they run last, one file at a
// time, on a machine the rest of the suite has left, so that a deadline measures weir's
// loop rather than the suite's load on two cores.
const LOOP = 'test/integration/loop/**/*.test.ts';

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [LOOP],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'loop',
          include: [LOOP],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
