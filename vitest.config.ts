import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // Hang guards, not speed checks: on a loaded machine (shared by several jobs) a test that takes 20 s idle can take
    // minutes, and no test may fail for being slow.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // Child processes, not threads: native addons (LMDB, hnswlib, ONNX Runtime) and process-wide state (stdout spies,
    // signal handlers) stay per test file. Two at least: many tests wait on child processes and disk, so a second
    // fork keeps a 2-core machine busy (vitest's default is cores - 1).
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: Math.max(2, availableParallelism() - 1) } },
  },
});
