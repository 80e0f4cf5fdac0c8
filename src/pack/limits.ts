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

/**
 * Most numbered parts a hunt is split into (`--max-parts`). Past it, nobody pastes and runs every part: the hunt comes
 * only as its list variant (a Sentinel watchlist, or on Defender XDR the same CSV read with `externaldata`).
 */
export const DEFAULT_MAX_PARTS = 10;

/** Where `externaldata` variants read a set's CSV when no `--list-url` is given: a placeholder that cannot resolve. */
export const PLACEHOLDER_LIST_URL = 'https://replace-with-your-host.invalid/huntpack';

export type VariantKind = 'inline' | 'chunk' | 'watchlist' | 'externaldata';

export interface HuntVariant {
  readonly kind: VariantKind;
  readonly hunt: Hunt;
  readonly kql: string;
}

/** A watchlist to upload (or a CSV to host for `externaldata`): its alias, the set it holds and the set's size. */
export interface WatchlistFile {
  readonly alias: string;
  readonly setName: string;
  readonly items: number;
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

/**
 * How a hunt becomes text: its header comments and its body (the query itself). Split parts differ only in their
 * header, so each part's body is rendered once.
 */
export interface HuntRenderer {
  header(hunt: Hunt): string;
  body(hunt: Hunt): string;
}

/** Split into contiguous parts, each rendering within the limit (`whole`: the length of the whole hunt's query). */
function split(hunt: Hunt, render: HuntRenderer, predicateNames: ReadonlySet<string>, whole: number): HuntVariant[] {
  const all = itemsOf(hunt, predicateNames);
  const parts: { hunt: Hunt; body: string }[] = [];
  const queue: Item[][] = [];
  const first = Math.max(2, Math.ceil(whole / (RULE_QUERY_MAX * 0.85)));
  const size = Math.ceil(all.length / first);
  for (let i = 0; i < all.length; i += size) queue.push(all.slice(i, i + size));
  while (queue.length) {
    const items = queue.shift()!;
    const part = partOf(hunt, items, predicateNames);
    if (!part) continue;
    const body = render.body(part);
    // Measure with the longest part label the header can get, so numbering cannot push a part over the limit.
    if (render.header({ ...part, chunk: { index: 99_999, count: 99_999 } }).length + body.length <= RULE_QUERY_MAX || items.length === 1) parts.push({ hunt: part, body });
    else {
      const mid = Math.ceil(items.length / 2);
      queue.unshift(items.slice(0, mid), items.slice(mid));
    }
  }
  // Parts are produced in item order, so numbering is deterministic.
  return parts.map((p, i) => {
    const numbered: Hunt = { ...p.hunt, chunk: { index: i + 1, count: parts.length } };
    return { kind: 'chunk', hunt: numbered, kql: render.header(numbered) + p.body };
  });
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
  return [...watchlistCsvChunks(set)].join('');
}

/** The size in bytes of {@link watchlistCsv}, without building it. */
export function watchlistCsvBytes(set: ValueSet): number {
  let n = 0;
  for (const chunk of watchlistCsvChunks(set)) n += Buffer.byteLength(chunk);
  return n;
}

/** {@link watchlistCsv} in chunks of about 10,000 rows. */
export function* watchlistCsvChunks(set: ValueSet): Generator<string> {
  let rows: string[] = [set.kind === 'endpoints' ? 'SearchKey,Ip,Port' : 'SearchKey'];
  const flush = (): string => {
    const text = rows.join('\r\n') + '\r\n';
    rows = [];
    return text;
  };
  if (set.kind === 'endpoints') {
    for (const e of set.values) {
      rows.push([csvField(`${e.ip}|${e.port}`), csvField(e.ip), String(e.port)].join(','));
      if (rows.length >= 10_000) yield flush();
    }
  } else {
    for (const v of set.values) {
      rows.push(csvField(v));
      if (rows.length >= 10_000) yield flush();
    }
  }
  if (rows.length) yield flush();
}

/** A lower bound of the characters the values of the predicate sets take in an inline query. */
function inlineChars(hunt: Hunt, predicateNames: ReadonlySet<string>): number {
  let n = 0;
  for (const s of hunt.sets) {
    if (!predicateNames.has(s.name)) continue;
    if (s.kind === 'endpoints') for (const e of s.values) n += e.ip.length + 10;
    else for (const v of s.values) n += v.length + 7;
  }
  return n;
}

export interface FitOptions {
  /** The platform has Sentinel watchlists (`_GetWatchlist`). */
  readonly watchlists: boolean;
  readonly slug: string;
  /** Most numbered parts (default {@link DEFAULT_MAX_PARTS}); a hunt needing more comes only as its list variant. */
  readonly maxParts?: number;
  /** Base URL the set CSVs are served from for `externaldata` (`<base>/<slug>/watchlists/<alias>.csv`). */
  readonly listUrl?: string;
}

/**
 * The variants of a hunt: the inline query when it fits a rule; otherwise its numbered parts (at most `maxParts`) and,
 * where the platform has watchlists, one watchlist variant. A hunt needing more parts comes only as its watchlist
 * variant, or on a platform without watchlists as its `externaldata` variant reading the same CSV over HTTPS.
 */
export function fitHunt(hunt: Hunt, r: HuntRenderer, options: FitOptions): { variants: HuntVariant[]; watchlists: WatchlistFile[] } {
  const predicateNames = new Set<string>();
  hunt.where.forEach((p) => predicateSets(p, predicateNames));
  const maxParts = options.maxParts ?? DEFAULT_MAX_PARTS;
  const render = (h: Hunt): string => r.header(h) + r.body(h);
  // Far past the part budget: do not render the whole list only to measure it.
  const estimate = inlineChars(hunt, predicateNames);
  const tooBig = estimate > Math.max(maxParts, 1) * RULE_QUERY_MAX;
  let whole = estimate;
  if (!tooBig) {
    const kql = render(hunt);
    if (kql.length <= RULE_QUERY_MAX) return { variants: [{ kind: 'inline', hunt, kql }], watchlists: [] };
    whole = kql.length;
  }
  const parts = tooBig || maxParts === 0 ? [] : split(hunt, r, predicateNames, whole);
  const variants: HuntVariant[] = parts.length <= maxParts ? parts : [];
  const watchlists: WatchlistFile[] = [];
  const listed = hunt.sets.filter((s) => predicateNames.has(s.name));
  for (const set of listed) {
    const alias = watchlistAlias(options.slug, set.name);
    watchlists.push({ alias, setName: set.name, items: set.values.length });
  }
  if (options.watchlists) {
    const wh: Hunt = { ...hunt, watchlists: Object.fromEntries(watchlists.map((w) => [w.setName, w.alias])) };
    variants.push({ kind: 'watchlist', hunt: wh, kql: render(wh) });
  } else if (variants.length === 0) {
    const base = (options.listUrl ?? PLACEHOLDER_LIST_URL).replace(/\/+$/, '');
    const wh: Hunt = { ...hunt, listUrls: Object.fromEntries(watchlists.map((w) => [w.setName, `${base}/${options.slug}/watchlists/${w.alias}.csv`])) };
    variants.push({ kind: 'externaldata', hunt: wh, kql: render(wh) });
  } else {
    // Parts only: no list file is needed.
    watchlists.length = 0;
  }
  return { variants, watchlists };
}
