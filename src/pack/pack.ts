/**
 * Assemble one family's hunt pack: flags from warninglists, hunts from the planner, KQL from the renderer, and the
 * pack.json document. Pure: no I/O, no clock.
 */
import type { FamilyRef, Ioc, IocFlag, IocType } from '../model/ioc.js';
import type { Knowledge, FamilyProfile } from '../knowledge/load.js';
import type { Warninglists } from '../knowledge/warninglists.js';
import type { Hunt, Platform } from '../hunt/ir.js';
import { planHunts, unhuntedTypes } from '../hunt/plan.js';
import { renderExpression, renderKql } from '../render/kql/render.js';

export const SCHEMA_VERSION = 1;

export interface PackQuery {
  readonly id: string;
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
  readonly iocs: readonly PackIoc[];
  readonly queries: readonly PackQuery[];
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

export interface PackStats {
  readonly total: number;
  readonly byType: Readonly<Partial<Record<IocType, number>>>;
  readonly byThreatType: Readonly<Record<string, number>>;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly confidence: { readonly min: number; readonly max: number; readonly median: number } | null;
  readonly flagged: number;
}

export interface PackInput {
  readonly family: FamilyRef;
  readonly slug: string;
  readonly iocs: readonly Ioc[];
}

export interface PackOptions {
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
  readonly version: string;
  readonly generatedAt?: string;
}

function count<T extends string>(items: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const x of items) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function computeStats(iocs: readonly PackIoc[], typeOrder: readonly string[]): PackStats {
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
  };
}

/** Apply warninglist flags (and the feed's is_compromised) to an IOC. */
export function flagIoc(ioc: Ioc, lists: Warninglists): Ioc {
  const flags: IocFlag[] = [...ioc.flags];
  if (ioc.isCompromised) {
    flags.push({
      code: 'compromised',
      reason: 'ThreatFox marks this a compromised legitimate asset: investigate hits, do not block it outright',
      source: 'threatfox/is_compromised',
    });
  }
  for (const hit of lists.check(ioc)) if (hit.policy === 'flag') flags.push({ code: hit.flag, reason: hit.reason, source: hit.list });
  const unique = [...new Map(flags.map((f) => [f.code, f])).values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return { ...ioc, flags: unique };
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

/** Header comment lines of a query file (exactly QUERY_HEADER_LINES). */
export function queryHeader(k: Knowledge, family: FamilyRef, hunt: Hunt, iocCount: number): string[] {
  const dialect = k.dialects[hunt.platform];
  const connector = k.tables[hunt.table]?.connector ?? hunt.connectorId;
  return [
    `${hunt.title}: ${family.name} (${family.id})`,
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
  const hunts = planHunts(k, input.iocs, { platforms: options.platforms, lookbackDays: options.lookbackDays });
  const queries: PackQuery[] = hunts.map((h) => {
    const covered = input.iocs.filter((i) => h.iocTypes.includes(i.type)).length;
    return {
      id: `${h.platform}-${h.id}`,
      platform: h.platform,
      table: h.table,
      iocTypes: h.iocTypes,
      file: `queries/${k.dialects[h.platform].folder}/${h.id}.kql`,
      title: h.title,
      description: h.description,
      confidence: h.confidence,
      connectorId: h.connectorId,
      lookbackDays: h.lookbackDays,
      kql: renderKql(h, { lines: queryHeader(k, input.family, h, covered) }),
    };
  });
  const iocs = input.iocs.map(toPackIoc);
  const stats = computeStats(iocs, typeOrder);
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
    iocs,
    queries,
    notHunted: unhunted,
    tables,
    falsePositives,
  };
  return { doc, hunts };
}
