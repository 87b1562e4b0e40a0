import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start real schedulers and agents; two cores do not like many at once.
    fileParallelism: true,
    maxWorkers: 2,
    // Without it the pool keeps one worker once the first files are done, and runs the rest one
    // at a time.
    minWorkers: 2,
  },
});
