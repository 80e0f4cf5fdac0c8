/**
 * `huntpack build`: feeds → IOC model → per-family packs → files, written atomically.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readFeed, type ParsedRecord } from './ingest/index.js';
import { groupByFamily } from './normalize/group.js';
import { formatLocation, type Rejected, type Warning } from './model/issue.js';
import { loadKnowledge, type Knowledge } from './knowledge/load.js';
import { loadWarninglists } from './knowledge/warninglists.js';
import { platformSchema } from './knowledge/catalog.js';
import type { Platform } from './hunt/ir.js';
import { assemblePack, type PackDocument } from './pack/pack.js';
import { applyPolicy, DEFAULT_TTL_DAYS, type TtlClass } from './pack/policy.js';
import { readAllowlist } from './knowledge/allowlist.js';
import { uniqueSlugs } from './pack/slug.js';
import { writeAtomically, type FileMap } from './pack/output.js';
import { RENDERERS } from './render/registry.js';
import { summarizeFamily } from './render/markdown/summary.js';
import { createAnalyzer, type KqlAnalyzer } from './validate/kusto.js';

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
  /** Apply the bundled warninglists (default true). */
  readonly warninglists?: boolean;
  /** Any rejected record fails the run. */
  readonly strict: boolean;
  /** Parse and bind every query with the Kusto parser before writing. */
  readonly validate: boolean;
  /** ISO timestamp written into the packs; absent keeps output free of wall-clock time. */
  readonly now?: string;
  /** Progress callback (the CLI draws a bar on a terminal). */
  readonly onProgress?: (done: number, total: number, label: string) => void;
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
  /** IOCs not hunted, with the family, the reason and the list that dropped them. */
  readonly dropped: readonly { readonly family: string; readonly type: string; readonly value: string; readonly port?: number; readonly code: string; readonly reason: string; readonly list: string }[];
  readonly warnings: readonly { readonly file: string; readonly location: string; readonly message: string }[];
}

export interface BuildResult {
  readonly run: RunDocument;
  readonly packs: readonly PackDocument[];
  readonly files: FileMap;
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

/**
 * The shape of a query: string literals emptied and runs of list lines collapsed. Parsing and binding do not depend on
 * a literal's content (escaping is tested on its own), so queries of one shape validate alike: the parts of a split
 * hunt, or the same hunt across families, are analysed once.
 */
export function queryShape(kql: string): string {
  return kql
    .replace(/^\/\/.*$/gm, '//')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
    .replace(/(\n    "", \d+,?)+/g, '\n    "", 0')
    .replace(/(\n    ""(?:,)?)+/g, '\n    ""');
}

/** Validate every query of the packs; returns `file:line:col: code message` lines for errors. */
export function validatePackQueries(k: Knowledge, packs: readonly PackDocument[], analyzers?: Map<Platform, KqlAnalyzer>): string[] {
  const cache = analyzers ?? new Map<Platform, KqlAnalyzer>();
  const validShapes = new Set<string>();
  const errors: string[] = [];
  for (const pack of packs) {
    for (const q of pack.queries) {
      const shape = `${q.platform}\n${queryShape(q.kql)}`;
      if (validShapes.has(shape)) continue;
      let analyzer = cache.get(q.platform);
      if (!analyzer) {
        analyzer = createAnalyzer(platformSchema(k, q.platform));
        cache.set(q.platform, analyzer);
      }
      const found = analyzer.analyze(q.kql).filter((d) => d.severity === 'error');
      for (const d of found) errors.push(`${pack.family.slug}/${q.file}:${d.line}:${d.column}: ${d.code} ${d.message}`);
      if (found.length === 0) validShapes.add(shape);
    }
  }
  return errors;
}

/** Run a build in memory: parse, plan, render, validate. Throws FeedError / BuildError; writes nothing. */
export async function buildPacks(options: BuildOptions): Promise<BuildResult> {
  const k = loadKnowledge();
  const useLists = options.warninglists !== false;
  const lists = useLists ? loadWarninglists() : undefined;
  const allowlists = (options.allowlists ?? []).map(readAllowlist);
  const inputs = options.inputs.length ? options.inputs.map((f) => ({ path: f, display: f })) : [{ path: SAMPLE_FEED, display: SAMPLE_DISPLAY }];

  const records: ParsedRecord[] = [];
  const runInputs: RunDocument['inputs'][number][] = [];
  const rejected: RunRejected[] = [];
  const warnings: RunDocument['warnings'][number][] = [];
  // A record dated after today cannot be real (and would move the default expiry date): reject it.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const input of inputs) {
    const feed = await readFeed(input.path, input.display, {
      ...(options.family ? { family: options.family } : {}),
      ...(options.map ? { map: options.map } : {}),
      ...(options.firstSeen ? { firstSeen: options.firstSeen } : {}),
    });
    const future = feed.records.filter((r) => r.ioc.firstSeen > tomorrow);
    for (const r of feed.records) if (r.ioc.firstSeen <= tomorrow) records.push(r);
    runInputs.push({ file: input.display, format: feed.format, records: feed.recordsRead, accepted: feed.records.length - future.length, rejected: feed.rejected.length + future.length });
    rejected.push(...feed.rejected.map((r) => toRunRejected(input.display, r)));
    rejected.push(...future.map((r) => ({ file: input.display, location: formatLocation(r.location), value: r.ioc.value, reason: `first seen ${r.ioc.firstSeen} is in the future` })));
    warnings.push(...feed.warnings.map((w) => toRunWarning(input.display, w)));
  }
  if (options.strict && rejected.length > 0) {
    throw new BuildError(
      `--strict: ${rejected.length} record${rejected.length === 1 ? ' was' : 's were'} rejected; nothing written`,
      1,
      rejected.map((r) => `${r.file}: ${r.location}: ${r.reason}`),
    );
  }

  const families = groupByFamily(records);
  // Default expiry reference: the newest date in the feeds, so the same input always gives the same packs.
  let newest: string | null = null;
  for (const r of records) for (const d of [r.ioc.firstSeen, r.ioc.lastSeen]) if (d !== null && (newest === null || d > newest)) newest = d;
  const asOf = options.asOf ?? newest;
  const ttlDays = options.ttlDays ?? DEFAULT_TTL_DAYS;
  const dropped: RunDocument['dropped'][number][] = [];
  const slugs = uniqueSlugs(families.map((f) => f.family.id));
  const packs: PackDocument[] = [];
  const files: FileMap = new Map();
  families.forEach((fam, index) => {
    options.onProgress?.(index, families.length, fam.family.name);
    const slug = slugs.get(fam.family.id)!;
    const decided = applyPolicy(fam.iocs, {
      ...(lists ? { lists } : {}),
      allowlists,
      ...(options.minConfidence !== undefined ? { minConfidence: options.minConfidence } : {}),
      ttlDays,
      asOf: asOf ?? '9999-12-31T00:00:00Z',
    });
    for (const d of decided.dropped) {
      dropped.push({ family: fam.family.id, type: d.ioc.type, value: d.ioc.value, ...(d.ioc.port !== undefined ? { port: d.ioc.port } : {}), code: d.code, reason: d.reason, list: d.list });
    }
    const { doc } = assemblePack(
      k,
      { family: fam.family, slug, iocs: decided.kept, dropped: decided.dropped },
      {
        platforms: options.platforms,
        lookbackDays: options.lookbackDays,
        tables: options.tables ?? 'default',
        asim: options.asim ?? false,
        isSharedHost: (host) => lists?.isSharedHost(host) ?? false,
        lifecycle: { asOf: asOf ?? null, ttlDays },
        version: VERSION,
        ...(options.now ? { generatedAt: options.now } : {}),
      },
      (family, profile, stats, packIocs) => summarizeFamily(k, family, profile, stats, packIocs),
    );
    packs.push(doc);
    for (const r of RENDERERS) for (const a of r.renderPack?.(k, doc) ?? []) files.set(`${slug}/${a.path}`, a.content);
  });
  options.onProgress?.(families.length, families.length, 'done');

  if (options.validate) {
    const errors = validatePackQueries(k, packs);
    if (errors.length) throw new BuildError(`${errors.length} generated quer${errors.length === 1 ? 'y does' : 'ies do'} not validate; nothing written`, 4, errors);
  }

  const run: RunDocument = {
    schemaVersion: 1,
    generator: { name: 'huntpack', version: VERSION },
    ...(options.now ? { generatedAt: options.now } : {}),
    inputs: runInputs,
    families: packs.map((p) => ({ id: p.family.id, name: p.family.name, iocs: p.stats.total, dropped: p.stats.dropped, flagged: p.stats.flagged, queries: p.queries.length, dir: p.family.slug })),
    rejected,
    policy: {
      asOf,
      asOfSource: options.asOf ? 'option' : asOf ? 'newest date in the feeds' : 'no IOCs',
      ttlDays,
      minConfidence: options.minConfidence ?? null,
      warninglists: lists ? lists.lists.map((l) => l.name) : [],
      allowlists: allowlists.map((a) => a.file),
    },
    dropped,
    warnings,
  };
  for (const r of RENDERERS) for (const a of r.renderRun?.(k, run, packs) ?? []) files.set(a.path, a.content);
  return { run, packs, files };
}

/** Build and write atomically into `options.outDir`. */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const result = await buildPacks(options);
  writeAtomically(options.outDir, result.files);
  return result;
}
