/**
 * `huntpack build`: feeds → IOC model → per-family packs → files, written atomically.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { readFeedTo } from './ingest/index.js';
import { FamilyGrouper } from './normalize/group.js';
import { formatLocation, type Rejected, type Warning } from './model/issue.js';
import { loadKnowledge, type Knowledge } from './knowledge/load.js';
import { loadWarninglists } from './knowledge/warninglists.js';
import { FamilySpill } from './normalize/spill.js';
import { platformSchema } from './knowledge/catalog.js';
import type { Platform } from './hunt/ir.js';
import type { PackDocument } from './pack/pack.js';
import { DEFAULT_TTL_DAYS, type TtlClass } from './pack/policy.js';
import { readAllowlist } from './knowledge/allowlist.js';
import { uniqueSlugs } from './pack/slug.js';
import { openAtomicOutput, type FileMap } from './pack/output.js';
import { artifactText, RENDERERS, type Artifact } from './render/registry.js';
import { RUN_DROPPED_ROWS } from './render/display.js';
import { createAnalyzer, type KqlAnalyzer } from './validate/kusto.js';
import type { ValidateRequest, ValidateResponse } from './validate/worker.js';
import { StageTimer } from './util/timing.js';
import { collectGarbage } from './util/gc.js';
import { queryShape } from './validate/shape.js';
import { processFamily, spilledSource, type FamilyContext, type FamilyResult, type FamilySettings, type PackOverview } from './family.js';
import { defaultJobs, FamilyPool, FAMILY_WORKER_FILE } from './build-pool.js';

/**
 * Feeds of this size or more (about 10,000 records) are big: their records are spilled to one file per family while
 * they are read, so this thread keeps no IOCs.
 */
const BIG_INPUT_BYTES = 2 * 1024 * 1024;
/** Builds of this many records or more build their families in parallel unless `jobs` says otherwise. */
const PARALLEL_MIN_RECORDS = 150_000;


/** The bundled sample feed, used when `build` gets no feed. */
export const SAMPLE_FEED = fileURLToPath(new URL('../samples/threatfox-sample.json', import.meta.url));
export const SAMPLE_DISPLAY = 'samples/threatfox-sample.json (bundled sample)';

export const VERSION: string = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

export interface BuildOptions {
  /** Feed files; empty = the bundled sample. */
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
  /** Which tables to hunt: the common set (default), every table, or the named tables / ASIM parsers. */
  readonly tables?: 'default' | 'all' | readonly string[];
  /** Add hunts through the ASIM parsers. */
  readonly asim?: boolean;
  /** Family for IOCs that carry none (free text, generic CSV, unattributed records). */
  readonly family?: string;
  /** Generic CSV column mapping (`value`, `type`, `family`, `first_seen`, `confidence`, `tags` → column name). */
  readonly map?: Readonly<Record<string, string>>;
  /** First seen for IOCs of undated inputs (ISO); default: the file's modification time. */
  readonly firstSeen?: string;
  /** Allowlist files (`VALUE  REASON` per line). */
  readonly allowlists?: readonly string[];
  /** Drop IOCs below this feed confidence. */
  readonly minConfidence?: number;
  /** Time-to-live per IOC class in days (defaults: ip 30, domain 90, url 90, hash 365, email 90). */
  readonly ttlDays?: Readonly<Record<TtlClass, number>>;
  /** ISO date expiry is evaluated at; default: the newest date in the feeds, so builds stay reproducible. */
  readonly asOf?: string;
  /** Most numbered parts per hunt before it comes only as a list variant (default 10; see pack/limits.ts). */
  readonly maxParts?: number;
  /** HTTPS base URL the output folder is served from, for `externaldata` variants. */
  readonly listUrl?: string;
  /** Apply the bundled warninglists (default true). */
  readonly warninglists?: boolean;
  /** Any rejected record fails the run. */
  readonly strict: boolean;
  /** Parse and bind every query with the Kusto parser before writing. */
  readonly validate: boolean;
  /** ISO timestamp written into the packs; absent keeps output free of wall-clock time. */
  readonly now?: string;
  /**
   * Families built in parallel by worker threads (default: the cores, at most 4, for builds of 150,000 records or
   * more); 1 builds every family in this thread. Either way the files are the same bytes.
   */
  readonly jobs?: number;
  /** Progress callback (the CLI draws a bar on a terminal): bytes of a big feed being read, then families built. */
  readonly onProgress?: (done: number, total: number, label: string, unit: 'bytes' | 'families') => void;
}

export interface RunRejected {
  readonly file: string;
  readonly location: string;
  readonly value: string;
  readonly reason: string;
}

export interface RunDocument {
  readonly schemaVersion: number;
  readonly generator: { readonly name: 'huntpack'; readonly version: string };
  readonly generatedAt?: string;
  readonly inputs: readonly { readonly file: string; readonly format: string; readonly records: number; readonly accepted: number; readonly rejected: number }[];
  readonly families: readonly { readonly id: string; readonly name: string; readonly iocs: number; readonly dropped: number; readonly flagged: number; readonly queries: number; readonly dir: string }[];
  readonly rejected: readonly RunRejected[];
  /** How IOCs were selected for hunting. */
  readonly policy: {
    readonly asOf: string | null;
    readonly asOfSource: 'option' | 'newest date in the feeds' | 'no IOCs';
    readonly ttlDays: Readonly<Record<TtlClass, number>>;
    readonly minConfidence: number | null;
    readonly warninglists: readonly string[];
    readonly allowlists: readonly string[];
  };
  /** How many IOCs were not hunted, in all and by reason code. */
  readonly droppedCount: number;
  readonly droppedByCode: Readonly<Record<string, number>>;
  /** IOCs not hunted, with the family, the reason and the list that dropped them: the first 1,000 (each pack.json lists its own in full). */
  readonly dropped: readonly { readonly family: string; readonly type: string; readonly value: string; readonly port?: number; readonly code: string; readonly reason: string; readonly list: string }[];
  readonly warnings: readonly { readonly file: string; readonly location: string; readonly message: string }[];
}

export type { PackOverview } from './family.js';

/** An in-memory build: every pack document and every file. For tests and small feeds; the CLI streams (see {@link build}). */
export interface BuildResult {
  readonly run: RunDocument;
  readonly packs: readonly PackDocument[];
  readonly files: FileMap;
}

/** What {@link build} returns: the run document and the packs' overviews (their files are on disk). */
export interface BuildSummary {
  readonly run: RunDocument;
  readonly overviews: readonly PackOverview[];
}

/** Failure of the run after parsing: strict rejections or invalid KQL. Nothing is written. */
export class BuildError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'BuildError';
  }
}

function toRunRejected(file: string, r: Rejected): RunRejected {
  return { file, location: formatLocation(r.location), value: r.value, reason: r.reason };
}

function toRunWarning(file: string, w: Warning) {
  return { file, location: formatLocation(w.location), message: w.message };
}

export { queryShape } from './validate/shape.js';

/** Checks a build's queries; `finish` gives `file:line:col: code message` lines for every error. */
interface Validator {
  check(pack: Pick<PackDocument, 'family' | 'queries'>): void;
  finish(): Promise<string[]>;
  /** Stop without results (the build failed for another reason). */
  abort(): void;
}

/** Validates queries with one analyzer per platform, analysing each query shape once across the whole build. */
export class QueryValidator implements Validator {
  private readonly analyzers = new Map<Platform, KqlAnalyzer>();
  private readonly validShapes = new Set<string>();
  private readonly errors: string[] = [];
  constructor(private readonly k: Knowledge) {}

  /** Check one pack's queries; returns its errors (also kept for {@link finish}). */
  check(pack: Pick<PackDocument, 'family' | 'queries'>): string[] {
    const errors: string[] = [];
    for (const q of pack.queries) {
      const shape = `${q.platform}\n${queryShape(q.kql)}`;
      if (this.validShapes.has(shape)) continue;
      let analyzer = this.analyzers.get(q.platform);
      if (!analyzer) {
        analyzer = createAnalyzer(platformSchema(this.k, q.platform));
        this.analyzers.set(q.platform, analyzer);
      }
      const found = analyzer.analyze(q.kql).filter((d) => d.severity === 'error');
      for (const d of found) errors.push(`${pack.family.slug}/${q.file}:${d.line}:${d.column}: ${d.code} ${d.message}`);
      if (found.length === 0) this.validShapes.add(shape);
    }
    this.errors.push(...errors);
    return errors;
  }

  async finish(): Promise<string[]> {
    return this.errors;
  }

  abort(): void {}
}

/** The compiled worker (absent when running from the TypeScript sources, e.g. in tests: then validation runs inline). */
const WORKER_FILE = new URL('./validate/worker.js', import.meta.url);

/**
 * Validates in a worker thread, each query shape once, so Kusto's start-up overlaps reading the feed and the analysis
 * overlaps rendering and writing. Errors are in build order.
 */
class WorkerValidator implements Validator {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { file: string; shape: string }>();
  private readonly sent = new Set<string>();
  private readonly results: { order: number; lines: string[] }[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private done: Promise<void>;
  private resolveDone: () => void = () => {};

  constructor() {
    this.worker = new Worker(WORKER_FILE);
    this.worker.unref();
    this.done = Promise.resolve();
    this.worker.on('message', (res: ValidateResponse) => {
      const req = this.pending.get(res.id)!;
      this.pending.delete(res.id);
      if (res.failure) this.failure ??= new Error(`Kusto validation failed: ${res.failure}`);
      const lines = res.errors.map((d) => `${req.file}:${d.line}:${d.column}: ${d.code} ${d.message}`);
      if (lines.length) this.results.push({ order: res.id, lines });
      if (this.pending.size === 0) this.resolveDone();
    });
    this.worker.on('error', (error) => {
      this.failure ??= error;
      this.resolveDone();
    });
  }

  check(pack: Pick<PackDocument, 'family' | 'queries'>): void {
    for (const q of pack.queries) {
      const shape = `${q.platform}\n${queryShape(q.kql)}`;
      if (this.sent.has(shape)) continue;
      this.sent.add(shape);
      const id = this.nextId++;
      if (this.pending.size === 0) this.done = new Promise((resolve) => (this.resolveDone = resolve));
      this.pending.set(id, { file: `${pack.family.slug}/${q.file}`, shape });
      this.worker.postMessage({ id, platform: q.platform, kql: q.kql } satisfies ValidateRequest);
    }
  }

  async finish(): Promise<string[]> {
    if (this.pending.size > 0 && !this.failure) await this.done;
    await this.worker.terminate();
    if (this.failure) throw this.failure;
    return this.results.sort((a, b) => a.order - b.order).flatMap((r) => r.lines);
  }

  abort(): void {
    void this.worker.terminate();
  }
}

/** The validator for a build: a worker thread when the compiled worker exists, else inline. */
function createValidator(k: Knowledge): Validator {
  return existsSync(fileURLToPath(WORKER_FILE)) ? new WorkerValidator() : new QueryValidator(k);
}

/** Validate every query of the packs; returns `file:line:col: code message` lines for errors. */
export function validatePackQueries(k: Knowledge, packs: readonly PackDocument[]): string[] {
  const validator = new QueryValidator(k);
  return packs.flatMap((p) => validator.check(p));
}

/** Some of a family's files (called once per renderer), at paths relative to the output folder. */
export type PackSink = (pack: PackDocument, files: readonly Artifact[]) => void | Promise<void>;

/**
 * The build: read every feed record by record into the family grouper, then assemble, validate and render one family
 * at a time, handing its files to `sink` and keeping only its overview. Throws FeedError / BuildError.
 */
async function runBuild(options: BuildOptions, sink: PackSink, plan?: FamilyPlan): Promise<{ run: RunDocument; overviews: PackOverview[]; runFiles: Artifact[] }> {
  const k = loadKnowledge();
  // Started first: Kusto's start-up runs in its worker while the feed is read.
  const validator = options.validate ? createValidator(k) : undefined;
  const inputs = options.inputs.length ? options.inputs.map((f) => ({ path: f, display: f })) : [{ path: SAMPLE_FEED, display: SAMPLE_DISPLAY }];
  const planned = plan?.(inputBytes(inputs.map((i) => i.path)));
  // A big build keeps no IOCs in this thread: records go to one file per family, grouped later family by family.
  const spill = planned?.spill ? new FamilySpill() : undefined;
  try {
    return await buildWith(k, options, inputs, sink, validator, spill, spill ? planned?.pool : undefined);
  } catch (error) {
    validator?.abort();
    throw error;
  } finally {
    spill?.dispose();
  }
}

/** The family settings of a build's options. */
function familySettings(options: BuildOptions, asOf: string | null, ttlDays: Readonly<Record<TtlClass, number>>): FamilySettings {
  return {
    platforms: options.platforms,
    lookbackDays: options.lookbackDays,
    tables: options.tables ?? 'default',
    asim: options.asim ?? false,
    ...(options.maxParts !== undefined ? { maxParts: options.maxParts } : {}),
    ...(options.listUrl !== undefined ? { listUrl: options.listUrl } : {}),
    ...(options.minConfidence !== undefined ? { minConfidence: options.minConfidence } : {}),
    ttlDays,
    asOf,
    warninglists: options.warninglists !== false,
    allowlists: options.allowlists ?? [],
    version: VERSION,
    ...(options.now ? { now: options.now } : {}),
  };
}

/**
 * Given the feeds' total size in bytes: whether to spill records to one file per family while reading (so this thread
 * keeps no IOCs), and, given the records read, a pool to build the families in parallel (absent: in this thread).
 */
type FamilyPlan = (inputBytes: number) => { readonly spill: boolean; readonly pool?: (records: number) => FamilyPool | undefined };

/** The feeds' total size in bytes (a feed that cannot be read counts 0: reading it reports why). */
function inputBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    try {
      total += statSync(p).size;
    } catch {
      // reported when the feed is read
    }
  }
  return total;
}

async function buildWith(
  k: Knowledge,
  options: BuildOptions,
  inputs: readonly { path: string; display: string }[],
  sink: PackSink,
  validator: Validator | undefined,
  spill: FamilySpill | undefined,
  poolFor: ((records: number) => FamilyPool | undefined) | undefined,
): Promise<{ run: RunDocument; overviews: PackOverview[]; runFiles: Artifact[] }> {
  const lists = options.warninglists !== false ? loadWarninglists() : undefined;
  const allowlists = (options.allowlists ?? []).map(readAllowlist);
  const timer = new StageTimer();
  const readStart = performance.now();
  const grouper = new FamilyGrouper();
  const runInputs: RunDocument['inputs'][number][] = [];
  const rejected: RunRejected[] = [];
  const warnings: RunDocument['warnings'][number][] = [];
  // A record dated after today cannot be real (and would move the default expiry date): reject it. With --as-of the
  // horizon is that date, so the same feed and options give the same packs whatever day they are built.
  const horizon = new Date((options.asOf ? Date.parse(options.asOf) : Date.now()) + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const futureReason = options.asOf ? `is more than a day after --as-of ${options.asOf}` : 'is in the future';
  // Default expiry reference: the newest date in the feeds, so the same input always gives the same packs.
  let newest: string | null = null;
  for (const [index, input] of inputs.entries()) {
    const future: RunRejected[] = [];
    const feed = await readFeedTo(
      input.path,
      input.display,
      {
        ...(options.family ? { family: options.family } : {}),
        ...(options.map ? { map: options.map } : {}),
        ...(options.firstSeen ? { firstSeen: options.firstSeen } : {}),
        ...(options.onProgress ? { onProgress: (done: number, total: number) => options.onProgress!(done, total, `reading ${input.display}${inputs.length > 1 ? ` (${index + 1}/${inputs.length})` : ''}`, 'bytes') } : {}),
      },
      (r) => {
        // A future last seen would also move the default expiry date and expire the rest of the feed.
        const late = r.ioc.firstSeen > horizon ? `first seen ${r.ioc.firstSeen}` : r.ioc.lastSeen !== null && r.ioc.lastSeen > horizon ? `last seen ${r.ioc.lastSeen}` : null;
        if (late !== null) {
          future.push({ file: input.display, location: formatLocation(r.location), value: r.ioc.value, reason: `${late} ${futureReason}` });
          return;
        }
        if (newest === null || r.ioc.firstSeen > newest) newest = r.ioc.firstSeen;
        if (r.ioc.lastSeen !== null && r.ioc.lastSeen > newest) newest = r.ioc.lastSeen;
        if (spill) spill.add(r);
        else grouper.add(r);
      },
    );
    runInputs.push({ file: input.display, format: feed.format, records: feed.recordsRead, accepted: feed.accepted - future.length, rejected: feed.rejected.length + future.length });
    rejected.push(...feed.rejected.map((r) => toRunRejected(input.display, r)), ...future);
    warnings.push(...feed.warnings.map((w) => toRunWarning(input.display, w)));
  }
  timer.add('read+normalise+group', performance.now() - readStart);
  if (options.strict && rejected.length > 0) {
    throw new BuildError(
      `--strict: ${rejected.length} record${rejected.length === 1 ? ' was' : 's were'} rejected; nothing written`,
      1,
      rejected.map((r) => `${r.file}: ${r.location}: ${r.reason}`),
    );
  }

  const asOf: string | null = options.asOf ?? newest;
  const ttlDays = options.ttlDays ?? DEFAULT_TTL_DAYS;
  const settings = familySettings(options, asOf, ttlDays);
  const errors: string[] = [];
  let results: FamilyResult[];
  if (spill) {
    const pool = poolFor?.(runInputs.reduce((n, i) => n + i.accepted, 0));
    const families = spill.families();
    // Reading left the heap grown with parsed text; give it back before the families need memory.
    collectGarbage();
    const slugs = uniqueSlugs(families.map((f) => f.id));
    results = new Array<FamilyResult>(families.length);
    if (pool) {
      const started = performance.now();
      await pool.run(
        settings,
        families.map((f) => ({ id: f.id, name: f.name, slug: slugs.get(f.id)!, count: f.records, file: f.file })),
        (index, result, queries) => {
          results[index] = result;
          validator?.check({ family: result.overview.family, queries });
        },
        (done, last) => options.onProgress?.(done, families.length, last, 'families'),
      );
      timer.add(`families in ${pool.workers(families.length)} workers`, performance.now() - started);
    } else {
      const ctx: FamilyContext = { k, lists, allowlists, settings, timer, collectBetweenStages: true };
      for (const [index, f] of families.entries()) {
        options.onProgress?.(index, families.length, f.name, 'families');
        results[index] = await processFamily(ctx, slugs.get(f.id)!, spilledSource(f.file, timer), { check: (doc) => validator?.check(doc), write: sink });
      }
    }
  } else {
    const families = grouper.families();
    const slugs = uniqueSlugs(families.map((f) => f.family.id));
    results = new Array<FamilyResult>(families.length);
    const ctx: FamilyContext = { k, lists, allowlists, settings, timer };
    for (const [index, fam] of families.entries()) {
      options.onProgress?.(index, families.length, fam.family.name, 'families');
      results[index] = await processFamily(ctx, slugs.get(fam.family.id)!, () => ({ family: fam.family, iocs: timer.time('take', () => fam.take()) }), {
        check: (doc) => validator?.check(doc),
        write: sink,
      });
    }
  }
  options.onProgress?.(results.length, results.length, 'done', 'families');
  const validateWait = performance.now();
  if (validator) errors.push(...(await validator.finish()));
  timer.add('validate (wait)', performance.now() - validateWait);
  if (errors.length) throw new BuildError(`${errors.length} generated quer${errors.length === 1 ? 'y does' : 'ies do'} not validate; nothing written`, 4, errors);

  const overviews = results.map((r) => r.overview);
  const droppedByCode: Record<string, number> = {};
  let droppedCount = 0;
  for (const r of results) {
    droppedCount += r.droppedCount;
    for (const [code, n] of Object.entries(r.droppedByCode)) droppedByCode[code] = (droppedByCode[code] ?? 0) + n;
  }
  const dropped = results.flatMap((r) => r.dropped).slice(0, RUN_DROPPED_ROWS);
  const run: RunDocument = {
    schemaVersion: 1,
    generator: { name: 'huntpack', version: VERSION },
    ...(options.now ? { generatedAt: options.now } : {}),
    inputs: runInputs,
    families: overviews.map((p) => ({ id: p.family.id, name: p.family.name, iocs: p.stats.total, dropped: p.stats.dropped, flagged: p.stats.flagged, queries: p.queryCount, dir: p.family.slug })),
    rejected,
    policy: {
      asOf,
      asOfSource: options.asOf ? 'option' : asOf ? 'newest date in the feeds' : 'no IOCs',
      ttlDays,
      minConfidence: options.minConfidence ?? null,
      warninglists: lists ? lists.lists.map((l) => l.name) : [],
      allowlists: allowlists.map((a) => a.file),
    },
    droppedCount,
    droppedByCode: Object.fromEntries(Object.entries(droppedByCode).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    dropped,
    warnings,
  };
  const runFiles: Artifact[] = [];
  timer.time('run pages', () => {
    for (const r of RENDERERS) runFiles.push(...(r.renderRun?.(k, run, overviews) ?? []));
  });
  timer.report();
  return { run, overviews, runFiles };
}

/** Run a build in memory: parse, plan, render, validate. Throws FeedError / BuildError; writes nothing. */
export async function buildPacks(options: BuildOptions): Promise<BuildResult> {
  const packs: PackDocument[] = [];
  const files: FileMap = new Map();
  const { run, runFiles } = await runBuild(options, (doc, artifacts) => {
    if (packs[packs.length - 1] !== doc) packs.push(doc);
    for (const a of artifacts) files.set(a.path, artifactText(a.content));
  });
  for (const a of runFiles) files.set(a.path, artifactText(a.content));
  return { run, packs, files };
}

/**
 * Build and write atomically into `options.outDir`: each family's files go into a temporary folder as soon as they are
 * rendered (so memory holds one family's output at a time), and the folder is renamed into place only when the whole
 * build succeeded. On any error the temporary folder is removed and `outDir` is untouched.
 */
export async function build(options: BuildOptions): Promise<BuildSummary> {
  const out = openAtomicOutput(options.outDir);
  try {
    const plan: FamilyPlan = (bytes) => {
      const jobs = options.jobs ?? defaultJobs();
      if (jobs < 2 || !existsSync(fileURLToPath(FAMILY_WORKER_FILE))) return { spill: bytes >= BIG_INPUT_BYTES };
      // --jobs given: workers whatever the size. By default only for many records: below that, on two cores, starting
      // workers costs about what they save, and memory grows with each (measured: 73,000 records 6.0 s in one thread,
      // 6.5 s with two; 260,000 records 42 s and 28 s).
      const explicit = options.jobs !== undefined;
      return {
        spill: explicit || bytes >= BIG_INPUT_BYTES,
        pool: (records) => (explicit || records >= PARALLEL_MIN_RECORDS ? new FamilyPool(jobs, out.tmpDir, options.validate) : undefined),
      };
    };
    const { run, overviews, runFiles } = await runBuild(
      options,
      (_doc, files) => {
        for (const f of files) out.write(f.path, f.content);
      },
      plan,
    );
    for (const o of overviews) out.claim(o.family.slug);
    for (const f of runFiles) out.write(f.path, f.content);
    out.commit();
    return { run, overviews };
  } catch (error) {
    out.abort();
    throw error;
  }
}
