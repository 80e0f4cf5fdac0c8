/**
 * The planner: a family's IOCs + the hunt matrix + the dialects → hunts (IR). Which tables and predicates apply is
 * data (data/hunts.yaml, data/false-positives.yaml); this code only builds the value sets and instantiates entries.
 */
import type { Ioc, IocType } from '../model/ioc.js';
import type { Knowledge, HuntEntry } from '../knowledge/load.js';
import { huntColumns, platformHas } from '../knowledge/catalog.js';
import type { Endpoint, Exclusion, FunctionSource, Hunt, Platform, Predicate, ValueSet } from './ir.js';
import { canonicalIp, hostForMatch, matchDomain } from './semantics.js';

/** The IOC sets a matrix entry may name, with their KQL variable names and the IOC types they draw from. */
const SET_DEFS = {
  domain: { name: 'IocDomains', kind: 'domains', types: ['domain'] },
  url: { name: 'IocUrls', kind: 'urls', types: ['url'] },
  urlhost: { name: 'IocUrlHosts', kind: 'domains', types: ['url'] },
  urlip: { name: 'IocUrlEndpoints', kind: 'endpoints', types: ['url'] },
  endpoint: { name: 'IocEndpoints', kind: 'endpoints', types: ['ipv4', 'ipv6'] },
  ip: { name: 'IocIps', kind: 'ips', types: ['ipv4', 'ipv6'] },
  md5: { name: 'IocMD5', kind: 'strings', types: ['md5'] },
  sha1: { name: 'IocSHA1', kind: 'strings', types: ['sha1'] },
  sha256: { name: 'IocSHA256', kind: 'strings', types: ['sha256'] },
  hash: { name: 'IocHashes', kind: 'strings', types: ['md5', 'sha1', 'sha256'] },
  email: { name: 'IocEmails', kind: 'strings', types: ['email'] },
} as const satisfies Record<string, { name: string; kind: ValueSet['kind']; types: readonly IocType[] }>;
export type SetKey = keyof typeof SET_DEFS;

export function isSetKey(key: string): key is SetKey {
  return Object.hasOwn(SET_DEFS, key);
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Which hunts of the matrix to write. */
export interface TableSelection {
  /** `default`: the common set; `all`: every table; or the table / ASIM parser names to keep. */
  readonly tables: 'default' | 'all' | readonly string[];
  /** Add the ASIM parser hunts (with `default` or `all`). */
  readonly asim: boolean;
}

export interface PlanOptions extends Partial<TableSelection> {
  readonly platforms: readonly Platform[];
  readonly lookbackDays: number;
  /** Hosts of shared platforms (URL shorteners, free hosting, …): a URL there is hunted by full URL only. */
  readonly isSharedHost?: (host: string) => boolean;
}

/** Is a matrix entry selected? */
export function selects(entry: HuntEntry, sel: TableSelection): boolean {
  if (Array.isArray(sel.tables)) return sel.tables.includes(entry.table);
  if (entry.asim) return sel.asim;
  return sel.tables === 'all' || entry.default !== false;
}

/** Hosts of URL IOCs worth a lower-confidence host hunt: domains only, not compromised, not shared, not already covered. */
function urlHosts(iocs: readonly Ioc[], isSharedHost: (host: string) => boolean): string[] {
  const domains = new Set(iocs.filter((i) => i.type === 'domain').map((i) => i.value));
  const hosts = new Set<string>();
  for (const i of iocs) {
    if (i.type !== 'url' || i.isCompromised) continue;
    const host = hostForMatch(i.value, 'url');
    if (host === '' || !host.includes('.') || /^[0-9.]+$/.test(host) || host.startsWith('[')) continue;
    if (matchDomain(host, domains) !== undefined || isSharedHost(host)) continue;
    hosts.add(host);
  }
  return [...hosts].sort(byCodePoint);
}

/** IP:port endpoints of URL IOCs whose host is an IP (port from the URL, else the scheme's default); not compromised sites. */
function urlEndpoints(iocs: readonly Ioc[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const i of iocs) {
    if (i.type !== 'url' || i.isCompromised) continue;
    const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[0-9a-f:.]+\]|[0-9.]+)(?::(\d+))?(?:[/?#]|$)/i.exec(i.value);
    if (!m) continue;
    const ip = m[2]!.replace(/^\[|\]$/g, '').toLowerCase();
    const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORTS[m[1]!.toLowerCase()];
    if (port === undefined || port < 1 || port > 65535 || canonicalIp(ip) === undefined) continue;
    seen.set(`${ip}|${port}`, { ip, port });
  }
  return [...seen.values()].sort((a, b) => byCodePoint(a.ip, b.ip) || a.port - b.port);
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** Build every value set from the IOCs to hunt. Empty sets are kept; predicates on them are pruned. */
export function buildSets(iocs: readonly Ioc[], isSharedHost: (host: string) => boolean = () => false): Map<SetKey, ValueSet> {
  const sets = new Map<SetKey, ValueSet>();
  const byType = new Map<IocType, Ioc[]>();
  for (const i of iocs) {
    const list = byType.get(i.type);
    if (list) list.push(i);
    else byType.set(i.type, [i]);
  }
  for (const key of Object.keys(SET_DEFS) as SetKey[]) {
    const def = SET_DEFS[key];
    const chosen = (def.types as readonly IocType[]).flatMap((t) => byType.get(t) ?? []);
    if (key === 'urlip') {
      sets.set(key, { kind: 'endpoints', name: def.name, values: urlEndpoints(iocs) });
    } else if (def.kind === 'endpoints') {
      const seen = new Map<string, Endpoint>();
      for (const i of chosen) if (i.port !== undefined) seen.set(`${i.value}|${i.port}`, { ip: i.value, port: i.port });
      const values = [...seen.values()].sort((a, b) => byCodePoint(a.ip, b.ip) || a.port - b.port);
      sets.set(key, { kind: 'endpoints', name: def.name, values });
    } else if (key === 'urlhost') {
      sets.set(key, { kind: 'domains', name: def.name, values: urlHosts(iocs, isSharedHost) });
    } else {
      const values = [...new Set(chosen.map((i) => i.value))].sort(byCodePoint);
      sets.set(key, { kind: def.kind, name: def.name, values } as ValueSet);
    }
  }
  return sets;
}

/** Drop sub-predicates whose set is empty; undefined when nothing is left to match. */
function prune(p: Predicate, sets: Map<SetKey, ValueSet>): Predicate | undefined {
  if (p.kind === 'any') {
    const of = p.of.map((q) => prune(q, sets)).filter((q): q is Predicate => q !== undefined);
    return of.length === 0 ? undefined : { kind: 'any', of };
  }
  if ('set' in p && p.set !== undefined) {
    const set = setFor(p.set, sets);
    if (set.values.length === 0) return undefined;
    return { ...p, set: set.name } as Predicate;
  }
  return p;
}

function setFor(key: string, sets: Map<SetKey, ValueSet>): ValueSet {
  if (!isSetKey(key)) throw new Error(`data/hunts.yaml: unknown set "${key}"`);
  return sets.get(key)!;
}

/** Names of the sets a predicate uses. */
export function predicateSets(p: Predicate, into: Set<string> = new Set()): Set<string> {
  if (p.kind === 'any' || p.kind === 'all') p.of.forEach((q) => predicateSets(q, into));
  else if ('set' in p && p.set !== undefined) into.add(p.set);
  return into;
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

function functionSource(entry: HuntEntry, sets: Map<SetKey, ValueSet>): FunctionSource | undefined {
  if (!entry.function) return undefined;
  return {
    name: entry.function.name,
    args: entry.function.args.map((a) => (a.kind === 'values' ? { ...a, set: setFor(a.set, sets).name } : a)),
  };
}

/** Plan every hunt for one family's IOCs, in matrix order then platform order. */
export function planHunts(k: Knowledge, iocs: readonly Ioc[], options: PlanOptions): Hunt[] {
  const sets = buildSets(iocs, options.isSharedHost);
  const selection: TableSelection = { tables: options.tables ?? 'default', asim: options.asim ?? false };
  const hunts: Hunt[] = [];
  const present = new Set(iocs.map((i) => i.type));
  for (const platform of options.platforms) {
    const dialect = k.dialects[platform];
    for (const entry of k.hunts) {
      if (!selects(entry, selection) || !platformHas(k, platform, entry.table)) continue;
      const where = entry.where.map((p) => prune(p, sets));
      if (where.some((p) => p === undefined)) continue;
      const preds = where as Predicate[];
      const used = new Set<string>();
      preds.forEach((p) => predicateSets(p, used));
      const source = functionSource(entry, sets);
      source?.args.forEach((a) => a.kind === 'values' && used.add(a.set));
      const info = k.tables[entry.table];
      if (!info) throw new Error(`data/tables.yaml: no entry for table ${entry.table}`);
      const coveredTypes = new Set(preds.flatMap((p) => [...predicateSets(p)]).flatMap((name) => {
        const key = (Object.keys(SET_DEFS) as SetKey[]).find((x) => SET_DEFS[x].name === name)!;
        return SET_DEFS[key].types as readonly IocType[];
      }));
      hunts.push({
        id: entry.id,
        platform,
        title: entry.title,
        description: entry.description,
        table: entry.table,
        ...(source ? { source } : {}),
        timeColumn: dialect.timeColumn,
        lookbackDays: options.lookbackDays,
        iocTypes: entry.iocTypes.filter((t) => coveredTypes.has(t) && present.has(t)),
        confidence: entry.confidence,
        connectorId: info.connectorId,
        sets: [...sets.values()].filter((s) => used.has(s.name)),
        where: preds,
        exclusions: exclusionsFor(k, entry),
        project: [
          ...info.project,
          ...(dialect.detectionColumns ?? []).filter(
            (c) => c !== dialect.timeColumn && !info.project.includes(c) && (huntColumns(k, platform, entry.table) ?? []).some((x) => x.name === c),
          ),
        ],
      });
    }
  }
  return hunts;
}

/** IOC types present in the IOCs that no hunt of the matrix covers on any platform. */
export function unhuntedTypes(k: Knowledge, iocs: readonly Ioc[]): IocType[] {
  const covered = new Set(k.hunts.flatMap((h) => h.iocTypes));
  return [...new Set(iocs.map((i) => i.type))].filter((t) => !covered.has(t));
}
