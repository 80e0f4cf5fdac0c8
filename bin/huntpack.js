#!/usr/bin/env node
// Entry point of the `huntpack` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/run.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('huntpack: dist/ is missing; run `npm ci` or `npm run build` in the huntpack folder first.\n');
  process.exit(70);
}
await import(entry.href);
