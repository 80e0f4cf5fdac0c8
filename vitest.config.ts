import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Kusto.Language needs ~1 s to load per worker and whole-pack builds validate every query.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
