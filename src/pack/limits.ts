/**
 * Large IOC sets never exceed a limit. A hunt whose query would pass the 10,000 characters of a scheduled analytics
 * rule is split into numbered parts (each within the limit, so each `has_any` list is far below its 10,000 values), and
 * on Sentinel it also gets a watchlist variant that reads the values with `_GetWatchlist()`. Splitting is not meaning:
 * the union of the parts matches exactly what the whole hunt matches (tested).
 */
import type { Hunt, Predicate, ValueSet } from '../hunt/ir.js';
import { predicateSets } from '../hunt/plan.js';

/** Sentinel's limit on a scheduled rule's query text. */
export const RULE_QUERY_MAX = 10_000;

export type VariantKind = 'inline' | 'chunk' | 'watchlist';

export interface HuntVariant {
  readonly kind: VariantKind;
  readonly hunt: Hunt;
  readonly kql: string;
}

/** A watchlist to upload: its alias and its CSV text. */
export interface WatchlistFile {
  readonly alias: string;
  readonly setName: string;
  readonly csv: string;
}

interface Item {
  readonly set: string;
  readonly value: string | { ip: string; port: number };
}

function itemsOf(hunt: Hunt, names: ReadonlySet<string>): Item[] {
  return hunt.sets.filter((s) => names.has(s.name)).flatMap((s) => (s.values as readonly Item['value'][]).map((value) => ({ set: s.name, value })));
}

function itemKey(v: Item['value']): string {
  return typeof v === 'string' ? v : v.ip;
}

/** Drop `any` branches whose set is empty in this part. */
function prunePredicate(p: Predicate, nonEmpty: ReadonlySet<string>): Predicate | undefined {
  if (p.kind === 'any') {
    const of = p.of.map((q) => prunePredicate(q, nonEmpty)).filter((q): q is Predicate => q !== undefined);
    return of.length ? { kind: 'any', of } : undefined;
  }
  if ('set' in p && p.set !== undefined && !nonEmpty.has(p.set)) return undefined;
  return p;
}

/** The part of a hunt holding only `items` (sets used only as parser prefilters keep the values of those items). */
function partOf(hunt: Hunt, items: readonly Item[], predicateNames: ReadonlySet<string>): Hunt | undefined {
  const bySet = new Map<string, Item['value'][]>();
  for (const it of items) {
    const list = bySet.get(it.set);
    if (list) list.push(it.value);
    else bySet.set(it.set, [it.value]);
  }
  const keys = new Set(items.map((i) => itemKey(i.value)));
  const sets: ValueSet[] = hunt.sets.map((s) => {
    if (predicateNames.has(s.name)) return { ...s, values: bySet.get(s.name) ?? [] } as ValueSet;
    const values = (s.values as readonly Item['value'][]).filter((v) => keys.has(itemKey(v)));
    return { ...s, values } as ValueSet;
  });
  const nonEmpty = new Set(sets.filter((s) => s.values.length > 0).map((s) => s.name));
  const where = hunt.where.map((p) => prunePredicate(p, nonEmpty));
  if (where.some((p) => p === undefined)) return undefined;
  return { ...hunt, sets, where: where as Predicate[] };
}

/** Split into contiguous parts, each rendering within the limit. */
function split(hunt: Hunt, render: (h: Hunt) => string, predicateNames: ReadonlySet<string>): Hunt[] {
  const all = itemsOf(hunt, predicateNames);
  const whole = render(hunt).length;
  const parts: Item[][] = [];
  const queue: Item[][] = [];
  const first = Math.max(2, Math.ceil(whole / (RULE_QUERY_MAX * 0.85)));
  const size = Math.ceil(all.length / first);
  for (let i = 0; i < all.length; i += size) queue.push(all.slice(i, i + size));
  while (queue.length) {
    const items = queue.shift()!;
    const part = partOf(hunt, items, predicateNames);
    if (!part) continue;
    // Measure with the longest part label the header can get, so numbering cannot push a part over the limit.
    if (render({ ...part, chunk: { index: 99_999, count: 99_999 } }).length <= RULE_QUERY_MAX || items.length === 1) parts.push(items);
    else {
      const mid = Math.ceil(items.length / 2);
      queue.unshift(items.slice(0, mid), items.slice(mid));
    }
  }
  // Parts are produced in item order, so numbering is deterministic.
  return parts.map((items, i) => ({ ...partOf(hunt, items, predicateNames)!, chunk: { index: i + 1, count: parts.length } }));
}

/** Watchlist aliases: letters, digits and underscores, at most 64 characters. */
export function watchlistAlias(slug: string, setName: string): string {
  const base = `huntpack_${slug.replace(/[^A-Za-z0-9]+/g, '_')}`.slice(0, 63 - setName.length);
  return `${base}_${setName}`;
}

/** One CSV field, quoted; a leading `=`, `+`, `-`, `@`, tab, CR or `'` gets a `'` so spreadsheets never run it as a formula. */
export function csvField(value: string): string {
  const guarded = /^[=+\-@\t\r']/.test(value) ? `'${value}` : value;
  return `"${guarded.replace(/"/g, '""')}"`;
}

/** The CSV of a watchlist for one set: `SearchKey` (plus `Ip`, `Port` for endpoints). */
export function watchlistCsv(set: ValueSet): string {
  if (set.kind === 'endpoints') {
    return ['SearchKey,Ip,Port', ...set.values.map((e) => [csvField(`${e.ip}|${e.port}`), csvField(e.ip), String(e.port)].join(','))].join('\r\n') + '\r\n';
  }
  return ['SearchKey', ...set.values.map((v) => csvField(v))].join('\r\n') + '\r\n';
}

/**
 * The variants of a hunt: the inline query when it fits a rule; otherwise its numbered parts and, where the platform
 * has watchlists, one watchlist variant.
 */
export function fitHunt(hunt: Hunt, render: (h: Hunt) => string, options: { watchlists: boolean; slug: string }): { variants: HuntVariant[]; watchlists: WatchlistFile[] } {
  const kql = render(hunt);
  if (kql.length <= RULE_QUERY_MAX) return { variants: [{ kind: 'inline', hunt, kql }], watchlists: [] };
  const predicateNames = new Set<string>();
  hunt.where.forEach((p) => predicateSets(p, predicateNames));
  const variants: HuntVariant[] = split(hunt, render, predicateNames).map((h) => ({ kind: 'chunk', hunt: h, kql: render(h) }));
  const watchlists: WatchlistFile[] = [];
  if (options.watchlists) {
    const aliases: Record<string, string> = {};
    for (const set of hunt.sets.filter((s) => predicateNames.has(s.name))) {
      const alias = watchlistAlias(options.slug, set.name);
      aliases[set.name] = alias;
      watchlists.push({ alias, setName: set.name, csv: watchlistCsv(set) });
    }
    const wh: Hunt = { ...hunt, watchlists: aliases };
    variants.push({ kind: 'watchlist', hunt: wh, kql: render(wh) });
  }
  return { variants, watchlists };
}
