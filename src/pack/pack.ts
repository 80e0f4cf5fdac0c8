/**
 * Assemble one family's hunt pack: flags from warninglists, hunts from the planner, KQL from the renderer, and the
 * pack.json document. Pure: no I/O, no clock.
 */
import type { FamilyRef, Ioc, IocFlag, IocType } from '../model/ioc.js';
import type { Knowledge, FamilyProfile } from '../knowledge/load.js';
import { DEFAULT_TTL_DAYS, type DroppedIoc, type TtlClass } from './policy.js';
import type { Hunt, Platform, ValueSet } from '../hunt/ir.js';
import { planHunts, predicateSets, unhuntedTypes, type TableSelection } from '../hunt/plan.js';
import { fitHunt, watchlistCsvBytes, type HuntRenderer } from './limits.js';
import { renderExpression, renderKqlBody, renderKqlHeader } from '../render/kql/render.js';

export const SCHEMA_VERSION = 1;

export interface PackQuery {
  readonly id: string;
  /** The matrix hunt this query implements (several queries share it when a large set is split). */
  readonly hunt: string;
  /**
   * `inline`: the whole hunt; `chunk`: one numbered part of a hunt too long for one rule; `watchlist`: the hunt reading
   * its values from watchlists; `externaldata`: the hunt reading the same CSV files over HTTPS (platforms without
   * watchlists, when the hunt needs more than `--max-parts` parts).
   */
  readonly variant: 'inline' | 'chunk' | 'watchlist' | 'externaldata';
  readonly part?: { readonly index: number; readonly count: number };
  /** Watchlist aliases this query reads (`watchlist` variant), or whose CSV files it reads (`externaldata`). */
  readonly watchlists?: readonly string[];
  /** The URLs an `externaldata` variant reads, one per list in `watchlists`. */
  readonly listUrls?: readonly string[];
  readonly iocCount: number;
  readonly platform: Platform;
  readonly table: string;
  readonly iocTypes: readonly IocType[];
  readonly file: string;
  readonly title: string;
  readonly description: string;
  readonly confidence: string;
  readonly connectorId: string;
  readonly lookbackDays: number;
  readonly kql: string;
}

export interface PackIoc {
  readonly type: IocType;
  readonly value: string;
  readonly port?: number;
  readonly threatType: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string | null;
  readonly confidence: number | null;
  readonly tags: readonly string[];
  readonly sourceIds: readonly string[];
  readonly references: readonly string[];
  readonly reporters: readonly string[];
  readonly isCompromised: boolean;
  /** Flag codes, e.g. `reserved-name`; reasons in `flagDetails`. */
  readonly flags: readonly string[];
  readonly flagDetails: readonly IocFlag[];
}

export interface PackDocument {
  readonly schemaVersion: number;
  readonly generator: { readonly name: 'huntpack'; readonly version: string };
  readonly generatedAt?: string;
  readonly family: { readonly id: string; readonly name: string; readonly aliases: readonly string[]; readonly slug: string };
  readonly profile: Pick<FamilyProfile, 'kind' | 'attack' | 'huntingNotes' | 'references' | 'reviewed'> | null;
  readonly summary: string;
  readonly stats: PackStats;
  /** When expiry was evaluated and with which time-to-live per IOC class (days). */
  readonly lifecycle: { readonly asOf: string | null; readonly ttlDays: Readonly<Record<TtlClass, number>> };
  readonly iocs: readonly PackIoc[];
  /** IOCs of the feed that are not hunted (warninglists, allowlist, confidence, expiry, compromised sites), with the reason. */
  readonly excluded: readonly PackExcluded[];
  readonly queries: readonly PackQuery[];
  /**
   * The hunts behind the queries, as IR (src/hunt/ir.ts), with value sets stored once in `huntSets` and referenced by
   * name: what `huntpack hunt` evaluates offline, so its meaning is the KQL's. Restore with `huntsFromPack`.
   */
  readonly hunts: readonly SerializedHunt[];
  readonly huntSets: Readonly<Record<string, ValueSet>>;
  /** Sentinel watchlists for the watchlist variants: upload `file` with this alias and `SearchKey` as the search key. */
  readonly watchlists: readonly { readonly alias: string; readonly file: string; readonly set: string; readonly items: number; readonly bytes: number }[];
  readonly notHunted: readonly { readonly type: IocType; readonly count: number; readonly reason: string }[];
  readonly tables: readonly { readonly table: string; readonly connectorId: string; readonly connector: string; readonly note: string; readonly platforms: readonly Platform[] }[];
  readonly falsePositives: readonly {
    readonly id: string;
    readonly scenario: string;
    readonly description: string;
    readonly exclusion: string;
    readonly exclusions: readonly { readonly table: string; readonly kql: string }[];
  }[];
}

/** A hunt as stored in pack.json: its sets by name. */
export type SerializedHunt = Omit<Hunt, 'sets'> & { readonly sets: readonly string[] };

/** Rebuild the IR hunts of a pack (for the offline evaluator). */
export function huntsFromPack(pack: Pick<PackDocument, 'hunts' | 'huntSets'>): Hunt[] {
  return pack.hunts.map((h) => ({
    ...h,
    sets: h.sets.map((name) => {
      const set = pack.huntSets[name];
      if (!set) throw new Error(`pack.json: hunt ${h.id} names unknown set ${name}`);
      return set;
    }),
  }));
}

export interface PackStats {
  readonly total: number;
  readonly byType: Readonly<Partial<Record<IocType, number>>>;
  readonly byThreatType: Readonly<Record<string, number>>;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly confidence: { readonly min: number; readonly max: number; readonly median: number } | null;
  readonly flagged: number;
  /** IOCs not hunted (see `excluded`). */
  readonly dropped: number;
}

export interface PackInput {
  readonly family: FamilyRef;
  readonly slug: string;
  /** The IOCs to hunt (after the policy). */
  readonly iocs: readonly Ioc[];
  /** The IOCs the policy dropped. */
  readonly dropped: readonly DroppedIoc[];
}

/** An IOC that is not hunted, as pack.json lists it. */
export interface PackExcluded {
  readonly type: IocType;
  readonly value: string;
  readonly port?: number;
  readonly code: string;
  readonly reason: string;
  readonly list: string;
  readonly firstSeen: string;
  readonly lastSeen: string | null;
  readonly confidence: number | null;
  readonly sourceIds: readonly string[];
}

export interface PackOptions extends Partial<TableSelection> {
  /** Lifecycle settings the IOCs were selected with (recorded in the pack; STIX validity uses the TTLs). */
  readonly lifecycle?: { readonly asOf: string | null; readonly ttlDays: Readonly<Record<TtlClass, number>> };
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
  readonly isSharedHost?: (host: string) => boolean;
  /** Most numbered parts per hunt (see limits.ts). */
  readonly maxParts?: number;
  /** Base URL for `externaldata` variants. */
  readonly listUrl?: string;
  readonly version: string;
  readonly generatedAt?: string;
}

function count<T extends string>(items: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const x of items) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function computeStats(iocs: readonly PackIoc[], typeOrder: readonly string[], dropped: number): PackStats {
  const byTypeRaw = count(iocs.map((i) => i.type));
  const byType: Partial<Record<IocType, number>> = {};
  for (const t of typeOrder) if (byTypeRaw[t as IocType]) byType[t as IocType] = byTypeRaw[t as IocType];
  const threat = count(iocs.map((i) => i.threatType ?? 'unspecified'));
  const byThreatType = Object.fromEntries(Object.entries(threat).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
  const firsts = iocs.map((i) => i.firstSeen).sort();
  const lasts = iocs.map((i) => i.lastSeen ?? i.firstSeen).sort();
  const conf = iocs.map((i) => i.confidence).filter((c): c is number => c !== null).sort((a, b) => a - b);
  const mid = conf.length >> 1;
  return {
    total: iocs.length,
    byType,
    byThreatType,
    firstSeen: firsts[0] ?? null,
    lastSeen: lasts[lasts.length - 1] ?? null,
    confidence: conf.length
      ? { min: conf[0]!, max: conf[conf.length - 1]!, median: conf.length % 2 ? conf[mid]! : Math.round((conf[mid - 1]! + conf[mid]!) / 2) }
      : null,
    flagged: iocs.filter((i) => i.flags.length > 0).length,
    dropped,
  };
}

function toPackIoc(i: Ioc): PackIoc {
  return {
    type: i.type,
    value: i.value,
    ...(i.port !== undefined ? { port: i.port } : {}),
    threatType: i.threatType,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    confidence: i.confidence,
    tags: i.tags,
    sourceIds: i.sourceIds,
    references: i.references,
    reporters: i.reporters,
    isCompromised: i.isCompromised,
    flags: i.flags.map((f) => f.code),
    flagDetails: i.flags,
  };
}

/** Number of `//` header lines at the top of every query file (the README shows the query without them). */
export const QUERY_HEADER_LINES = 4;

/** Number of IOC values a hunt's predicates hold. */
export function huntIocCount(hunt: Hunt): number {
  const names = new Set<string>();
  hunt.where.forEach((p) => predicateSets(p, names));
  return hunt.sets.filter((s) => names.has(s.name)).reduce((n, s) => n + s.values.length, 0);
}

/** The title of a hunt variant. */
export function variantTitle(hunt: Hunt): string {
  if (hunt.chunk) return `${hunt.title} (part ${hunt.chunk.index} of ${hunt.chunk.count})`;
  if (hunt.watchlists) return `${hunt.title} (watchlist variant)`;
  if (hunt.listUrls) return `${hunt.title} (externaldata variant)`;
  return hunt.title;
}

/** Header comment lines of a query file (exactly QUERY_HEADER_LINES). */
export function queryHeader(k: Knowledge, family: FamilyRef, hunt: Hunt, iocCount: number): string[] {
  const dialect = k.dialects[hunt.platform];
  const connector = k.tables[hunt.table]?.connector ?? hunt.connectorId;
  return [
    `${variantTitle(hunt)}: ${family.name} (${family.id})`,
    `${dialect.label} · table ${hunt.table} · data connector: ${connector} (connectorId ${hunt.connectorId})`,
    hunt.description,
    `${iocCount} IOC${iocCount === 1 ? '' : 's'} · lookback ${hunt.lookbackDays} days · hunt confidence ${hunt.confidence} · generated by huntpack`,
  ];
}

/** Build the pack document for one family (the summary paragraph comes from `summarize`). */
export function assemblePack(
  k: Knowledge,
  input: PackInput,
  options: PackOptions,
  summarize: (family: FamilyRef, profile: FamilyProfile | undefined, stats: PackStats, iocs: readonly PackIoc[]) => string,
): { doc: PackDocument; hunts: Hunt[] } {
  const typeOrder = Object.keys(k.iocTypes);
  const hunts = planHunts(k, input.iocs, options);
  const queries: PackQuery[] = [];
  const watchlists = new Map<string, { alias: string; file: string; set: string; items: number; bytes: number }>();
  for (const h of hunts) {
    const folder = k.dialects[h.platform].folder;
    const render: HuntRenderer = {
      header: (x) => renderKqlHeader({ lines: queryHeader(k, input.family, x, huntIocCount(x)) }),
      body: (x) => renderKqlBody(x),
    };
    const fitted = fitHunt(h, render, {
      watchlists: k.dialects[h.platform].functions,
      slug: input.slug,
      ...(options.maxParts !== undefined ? { maxParts: options.maxParts } : {}),
      ...(options.listUrl !== undefined ? { listUrl: options.listUrl } : {}),
    });
    for (const w of fitted.watchlists) {
      if (watchlists.has(w.alias)) continue;
      const set = h.sets.find((x) => x.name === w.setName)!;
      watchlists.set(w.alias, { alias: w.alias, file: `watchlists/${w.alias}.csv`, set: w.setName, items: w.items, bytes: watchlistCsvBytes(set) });
    }
    for (const v of fitted.variants) {
      const width = String(v.hunt.chunk?.count ?? 0).length;
      const suffix = v.hunt.chunk
        ? `-part${String(v.hunt.chunk.index).padStart(Math.max(2, width), '0')}`
        : v.hunt.watchlists
          ? '-watchlist'
          : v.hunt.listUrls
            ? '-externaldata'
            : '';
      queries.push({
        id: `${h.platform}-${h.id}${suffix}`,
        hunt: h.id,
        variant: v.kind,
        ...(v.hunt.chunk ? { part: v.hunt.chunk } : {}),
        ...(v.hunt.watchlists ? { watchlists: Object.values(v.hunt.watchlists) } : {}),
        ...(v.hunt.listUrls ? { watchlists: fitted.watchlists.map((w) => w.alias), listUrls: Object.values(v.hunt.listUrls) } : {}),
        iocCount: huntIocCount(v.hunt),
        platform: h.platform,
        table: h.table,
        iocTypes: h.iocTypes,
        file: `queries/${folder}/${h.id}${suffix}.kql`,
        title: variantTitle(v.hunt),
        description: h.description,
        confidence: h.confidence,
        connectorId: h.connectorId,
        lookbackDays: h.lookbackDays,
        kql: v.kql,
      });
    }
  }
  const iocs = input.iocs.map(toPackIoc);
  const stats = computeStats(iocs, typeOrder, input.dropped.length);
  const excluded: PackExcluded[] = input.dropped.map((d) => ({
    type: d.ioc.type,
    value: d.ioc.value,
    ...(d.ioc.port !== undefined ? { port: d.ioc.port } : {}),
    code: d.code,
    reason: d.reason,
    list: d.list,
    firstSeen: d.ioc.firstSeen,
    lastSeen: d.ioc.lastSeen,
    confidence: d.ioc.confidence,
    sourceIds: d.ioc.sourceIds,
  }));
  const unhunted = unhuntedTypes(k, input.iocs).map((type) => ({
    type,
    count: input.iocs.filter((i) => i.type === type).length,
    reason: k.iocTypes[type]?.unhunted ?? 'No hunt in the table matrix covers this IOC type yet.',
  }));
  const tableNames = [...new Set(hunts.map((h) => h.table))];
  const tables = tableNames.map((table) => {
    const info = k.tables[table]!;
    return {
      table,
      connectorId: info.connectorId,
      connector: info.connector,
      note: info.note,
      platforms: [...new Set(hunts.filter((h) => h.table === table).map((h) => h.platform))],
    };
  });
  const huntTypes = new Set(hunts.flatMap((h) => h.iocTypes));
  const falsePositives = k.falsePositives
    .filter((fp) => fp.iocTypes.some((t) => huntTypes.has(t)))
    .map((fp) => {
      const exclusions = tableNames
        .filter((t) => fp.exclusions[t] && hunts.some((h) => h.table === t && h.exclusions.some((e) => e.id === fp.id)))
        .map((table) => ({ table, kql: `| where not(${renderExpression(undefined, fp.exclusions[table]!)})` }));
      return {
        id: fp.id,
        scenario: fp.scenario,
        description: fp.description.trim(),
        exclusion: exclusions.map((e) => `${e.kql}   // ${e.table}`).join('\n'),
        exclusions,
      };
    })
    .filter((fp) => fp.exclusions.length > 0);
  const profile = k.families.get(input.family.id);
  const doc: PackDocument = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'huntpack', version: options.version },
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
    family: { id: input.family.id, name: input.family.name, aliases: input.family.aliases, slug: input.slug },
    profile: profile
      ? { kind: profile.kind, attack: profile.attack, huntingNotes: profile.huntingNotes, references: profile.references, reviewed: profile.reviewed }
      : null,
    summary: summarize(input.family, profile, stats, iocs),
    stats,
    lifecycle: options.lifecycle ?? { asOf: null, ttlDays: DEFAULT_TTL_DAYS },
    iocs,
    excluded,
    queries,
    hunts: hunts.map((h) => ({ ...h, sets: h.sets.map((x) => x.name) })),
    huntSets: Object.fromEntries(
      [...new Map(hunts.flatMap((h) => h.sets).map((x) => [x.name, x])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    watchlists: [...watchlists.values()],
    notHunted: unhunted,
    tables,
    falsePositives,
  };
  return { doc, hunts };
}
