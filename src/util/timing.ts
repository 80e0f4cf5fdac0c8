/**
 * Stage timings for benchmarks: with `HUNTPACK_TIMING=1` in the environment, a build prints to stderr how long each
 * stage took (wall time, summed over families) and the heap in use after it. Off by default: no output, no cost beyond a
 * clock read per stage.
 */
import { writeSync } from 'node:fs';

export const TIMING_ENABLED = process.env.HUNTPACK_TIMING === '1';

export class StageTimer {
  private readonly totals = new Map<string, number>();
  private readonly heap = new Map<string, number>();

  /** Run `fn` and add its wall time to `stage`. */
  time<T>(stage: string, fn: () => T): T {
    if (!TIMING_ENABLED) return fn();
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.add(stage, performance.now() - t0);
    }
  }

  /** Add `ms` to `stage`. */
  add(stage: string, ms: number): void {
    if (!TIMING_ENABLED) return;
    this.totals.set(stage, (this.totals.get(stage) ?? 0) + ms);
    this.heap.set(stage, process.memoryUsage().heapUsed);
  }

  /** Print every stage as `HUNTPACK_TIMING stage ms heapMiB` lines (when enabled). */
  report(): void {
    if (!TIMING_ENABLED) return;
    for (const [stage, ms] of this.totals) {
      writeSync(2, `HUNTPACK_TIMING ${stage} ${ms.toFixed(0)} ${((this.heap.get(stage) ?? 0) / 2 ** 20).toFixed(0)}\n`);
    }
  }
}
