import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One temporary folder per run, removed at the end (test/helpers/temp-root.ts).
    globalSetup: ['test/helpers/temp-root.ts'],
    // Kusto.Language needs ~1 s to load per worker and whole-pack builds validate every query.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
