// Loaded with `node --import` by the benchmarks: reports the process's peak resident set size on exit.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nHUNTPACK_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
