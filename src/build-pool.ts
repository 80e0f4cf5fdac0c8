/**
 * Families built in parallel: while a big feed is read, the main thread routes each record to its family's file
 * (src/normalize/spill.ts) and keeps no IOCs; then worker threads (src/build-worker.ts) each group, decide, assemble,
 * render and write whole families into the build's temporary folder, while the main thread hands out families and
 * collects their overviews.
 * Every family's files depend only on its own IOCs and the settings, so the output is the same bytes as a build in one
 * thread (tested). Families are handed out biggest first, so the small ones even out the end; memory stays bounded:
 * a family is handed out only while the IOCs in flight stay under a budget, except small ones, so the biggest families
 * are built one at a time, with small ones beside them.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { FamilyResult, FamilySettings } from './family.js';
import type { PackQuery } from './pack/pack.js';
import { OutputError } from './pack/output.js';

/** The compiled worker (absent when running from the TypeScript sources, e.g. in tests: then families build in-thread). */
export const FAMILY_WORKER_FILE = new URL('./build-worker.js', import.meta.url);

/** IOCs that may be in flight across workers at once (a family bigger than this is built alone). */
export const IOC_BUDGET = 100_000;
/** A family this small may always start beside the others. */
export const SMALL_FAMILY = 10_000;

/** Default number of family workers: the machine's cores, at most 4. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

export interface FamilyWorkerData {
  readonly settings: FamilySettings;
  readonly tmpDir: string;
  readonly validate: boolean;
}

export interface FamilyJob {
  readonly index: number;
  readonly slug: string;
  /** The family's spilled records (the worker removes the file once read). */
  readonly file: string;
}

export type FamilyJobReply =
  | { readonly index: number; readonly result: FamilyResult; readonly queries: readonly PackQuery[] }
  | { readonly index: number; readonly error: { readonly name: string; readonly message: string } };

export interface PoolFamily {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  /** Its records (at least its IOCs: duplicates merge in the worker). */
  readonly count: number;
  readonly file: string;
}

export class FamilyPool {
  constructor(
    readonly jobs: number,
    private readonly tmpDir: string,
    private readonly validate: boolean,
    private readonly budget: number = IOC_BUDGET,
  ) {}

  /** Workers for `families` families: `jobs`, but never more than the families or the cores (more threads than cores only add memory). */
  workers(families: number): number {
    return Math.max(1, Math.min(this.jobs, families, availableParallelism()));
  }

  /**
   * Build every family; `onResult` gets each family's result (in completion order, with its index) and the queries to
   * validate, `onProgress` the number done when a family starts (and its name). Rejects on the first failure, after stopping every worker.
   */
  run(
    settings: FamilySettings,
    families: readonly PoolFamily[],
    onResult: (index: number, result: FamilyResult, queries: readonly PackQuery[]) => void,
    onProgress: (done: number, last: string) => void,
  ): Promise<void> {
    // Biggest first (ties in family order): the long jobs start early and small ones fill in around them.
    const pending = families.map((_, i) => i).sort((a, b) => families[b]!.count - families[a]!.count || a - b);
    const workers: Worker[] = [];
    const inFlight = new Map<Worker, number>();
    let inFlightIocs = 0;
    let done = 0;
    return new Promise<void>((resolve, reject) => {
      // Set once the run has ended, by its first failure or its last family: later events change nothing.
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        for (const w of workers) void w.terminate();
        reject(error);
      };
      const dispatch = (worker: Worker): void => {
        if (settled || pending.length === 0) return;
        // The first waiting family that fits the budget or is small; when nothing is in flight, the first one.
        const fits = (i: number): boolean => families[i]!.count <= SMALL_FAMILY || inFlightIocs + families[i]!.count <= this.budget;
        const at = inFlight.size === 0 ? 0 : pending.findIndex(fits);
        if (at < 0) return;
        const index = pending.splice(at, 1)[0]!;
        const fam = families[index]!;
        inFlight.set(worker, index);
        inFlightIocs += fam.count;
        worker.postMessage({ index, slug: fam.slug, file: fam.file } satisfies FamilyJob);
        onProgress(done, fam.name);
      };
      const dispatchAll = (): void => {
        for (const w of workers) if (!inFlight.has(w)) dispatch(w);
      };
      const count = this.workers(families.length);
      const workerData: FamilyWorkerData = { settings, tmpDir: this.tmpDir, validate: this.validate };
      for (let i = 0; i < count; i++) {
        const worker = new Worker(FAMILY_WORKER_FILE, { workerData });
        workers.push(worker);
        worker.on('message', (reply: FamilyJobReply) => {
          const index = inFlight.get(worker)!;
          inFlight.delete(worker);
          inFlightIocs -= families[index]!.count;
          if ('error' in reply) {
            fail(reply.error.name === 'OutputError' ? new OutputError(reply.error.message) : new Error(`family ${families[index]!.id}: ${reply.error.message}`));
            return;
          }
          onResult(reply.index, reply.result, reply.queries);
          done++;
          if (done === families.length) {
            settled = true;
            void Promise.all(workers.map((w) => w.terminate())).then(() => resolve(), reject);
            return;
          }
          dispatchAll();
        });
        worker.on('error', (error) => fail(error));
        worker.on('exit', (code) => {
          if (!settled) fail(new Error(`a family worker stopped unexpectedly (exit code ${code})`));
        });
      }
      if (families.length === 0) {
        resolve();
        return;
      }
      dispatchAll();
    });
  }
}
