import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Network-namespace tests share the host's netns table; files run in parallel
    // but each test file uses its own namespace prefix.
    pool: 'forks',
  },
});
