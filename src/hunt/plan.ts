/**
 * The planner: a family's IOCs + the hunt matrix + the dialects → hunts (IR). Which tables and predicates apply is
 * data (data/hunts.yaml, data/false-positives.yaml); this code only builds the value sets and instantiates entries.
 */
import type { Ioc, IocType } from '../model/ioc.js';
import type { Knowledge, HuntEntry } from '../knowledge/load.js';
import { platformTables } from '../knowledge/catalog.js';
import type { Endpoint, Exclusion, Hunt, Platform, Predicate, ValueSet } from './ir.js';

/** The IOC sets a matrix entry may name, with their KQL variable names and the IOC types they draw from. */
const SET_DEFS = {
  domain: { name: 'IocDomains', kind: 'domains', types: ['domain'] },
  url: { name: 'IocUrls', kind: 'urls', types: ['url'] },
  endpoint: { name: 'IocEndpoints', kind: 'endpoints', types: ['ipv4', 'ipv6'] },
  ip: { name: 'IocIps', kind: 'ips', types: ['ipv4', 'ipv6'] },
  md5: { name: 'IocMD5', kind: 'strings', types: ['md5'] },
  sha1: { name: 'IocSHA1', kind: 'strings', types: ['sha1'] },
  sha256: { name: 'IocSHA256', kind: 'strings', types: ['sha256'] },
  email: { name: 'IocEmails', kind: 'strings', types: ['email'] },
} as const satisfies Record<string, { name: string; kind: ValueSet['kind']; types: readonly IocType[] }>;
export type SetKey = keyof typeof SET_DEFS;

export function isSetKey(key: string): key is SetKey {
  return Object.hasOwn(SET_DEFS, key);
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Build every value set from the IOCs to hunt. Empty sets are kept; predicates on them are pruned. */
export function buildSets(iocs: readonly Ioc[]): Map<SetKey, ValueSet> {
  const sets = new Map<SetKey, ValueSet>();
  for (const key of Object.keys(SET_DEFS) as SetKey[]) {
    const def = SET_DEFS[key];
    const chosen = iocs.filter((i) => (def.types as readonly IocType[]).includes(i.type));
    if (def.kind === 'endpoints') {
      const seen = new Map<string, Endpoint>();
      for (const i of chosen) if (i.port !== undefined) seen.set(`${i.value}|${i.port}`, { ip: i.value, port: i.port });
      const values = [...seen.values()].sort((a, b) => byCodePoint(a.ip, b.ip) || a.port - b.port);
      sets.set(key, { kind: 'endpoints', name: def.name, values });
    } else {
      const values = [...new Set(chosen.map((i) => i.value))].sort(byCodePoint);
      sets.set(key, { kind: def.kind, name: def.name, values } as ValueSet);
    }
  }
  return sets;
}

function setSize(set: ValueSet): number {
  return set.values.length;
}

/** Drop sub-predicates whose set is empty; undefined when nothing is left to match. */
function prune(p: Predicate, sets: Map<SetKey, ValueSet>): Predicate | undefined {
  if (p.kind === 'any') {
    const of = p.of.map((q) => prune(q, sets)).filter((q): q is Predicate => q !== undefined);
    return of.length === 0 ? undefined : { kind: 'any', of };
  }
  if ('set' in p && p.set !== undefined) {
    if (!isSetKey(p.set)) throw new Error(`data/hunts.yaml: unknown set "${p.set}"`);
    const set = sets.get(p.set)!;
    if (setSize(set) === 0) return undefined;
    return { ...p, set: set.name } as Predicate;
  }
  return p;
}

function setNames(p: Predicate, into: Set<string>): Set<string> {
  if (p.kind === 'any') p.of.forEach((q) => setNames(q, into));
  else if ('set' in p && p.set !== undefined) into.add(p.set);
  return into;
}

export interface PlanOptions {
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
}

/** Exclusions of the false-positive scenarios that apply to an entry's table and IOC types. */
export function exclusionsFor(k: Knowledge, entry: Pick<HuntEntry, 'table' | 'iocTypes'>): Exclusion[] {
  const out: Exclusion[] = [];
  for (const fp of k.falsePositives) {
    const predicate = fp.exclusions[entry.table];
    if (predicate && fp.iocTypes.some((t) => entry.iocTypes.includes(t))) out.push({ id: fp.id, scenario: fp.scenario, predicate });
  }
  return out;
}

/** Plan every hunt for one family's IOCs, in matrix order then platform order. */
export function planHunts(k: Knowledge, iocs: readonly Ioc[], options: PlanOptions): Hunt[] {
  const sets = buildSets(iocs);
  const hunts: Hunt[] = [];
  for (const platform of options.platforms) {
    const tables = platformTables(k, platform);
    const dialect = k.dialects[platform];
    for (const entry of k.hunts) {
      if (!tables.includes(entry.table)) continue;
      const where = entry.where.map((p) => prune(p, sets));
      if (where.some((p) => p === undefined)) continue;
      const preds = where as Predicate[];
      const used = new Set<string>();
      preds.forEach((p) => setNames(p, used));
      const info = k.tables[entry.table];
      if (!info) throw new Error(`data/tables.yaml: no entry for table ${entry.table}`);
      hunts.push({
        id: entry.id,
        platform,
        title: entry.title,
        description: entry.description,
        table: entry.table,
        timeColumn: dialect.timeColumn,
        lookbackDays: options.lookbackDays,
        iocTypes: entry.iocTypes.filter((t) => iocs.some((i) => i.type === t)),
        confidence: entry.confidence,
        connectorId: info.connectorId,
        sets: [...sets.values()].filter((s) => used.has(s.name)),
        where: preds,
        exclusions: exclusionsFor(k, entry),
        project: info.project,
      });
    }
  }
  return hunts;
}

/** IOC types present in the IOCs that no hunt of the matrix covers on any platform, with the reason. */
export function unhuntedTypes(k: Knowledge, iocs: readonly Ioc[]): IocType[] {
  const covered = new Set(k.hunts.flatMap((h) => h.iocTypes));
  return [...new Set(iocs.map((i) => i.type))].filter((t) => !covered.has(t));
}
