/**
 * The local evaluator of the hunt IR: the same meaning as the rendered KQL, over plain rows keyed by column name.
 * Prefilters are not meaning and are not implemented here (see src/render/kql/render.ts).
 */
import type { Hunt, Predicate, ValueSet } from './ir.js';
import { canonicalIp, hostForMatch, lower, toPort, urlKey } from './semantics.js';

export type Row = Readonly<Record<string, unknown>>;

/** Result of a hunt over one row. */
export interface RowMatch {
  /** The IOC that matched, as the KQL's `MatchedIoc` column shows it. */
  readonly ioc: string;
}

/** A hunt compiled for fast repeated evaluation. */
export interface CompiledHunt {
  readonly hunt: Hunt;
  /** Evaluate one row; `now` in ms since epoch. Undefined when the row does not match. */
  match(row: Row, now: number): RowMatch | undefined;
  /**
   * The predicates (and enabled exclusions) only, without the time window: `match(row, now)` is exactly
   * `rowTime(row[hunt.timeColumn]) >= now - windowMs && test(row)`. For callers that parse a row's time once for many hunts.
   */
  test(row: Row): RowMatch | undefined;
  /** The lookback in ms. */
  readonly windowMs: number;
}

type Test = (row: Row) => string | undefined;

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

// Single-entry memos of the value normalisations. A row is evaluated by many hunts (one per family and IOC kind) that
// normalise the same cell; the functions are pure, so the last input's result is reused as is.
let memoUrlHostIn: string | undefined;
let memoUrlHostOut: readonly string[] = [];
let memoFqdnIn: string | undefined;
let memoFqdnOut: readonly string[] = [];
let memoUrlKeyIn: string | undefined;
let memoUrlKeyOut = '';
let memoIpIn: string | undefined;
let memoIpOut: string | undefined;

/**
 * The candidate suffixes `matchDomain` tries, longest first: `host`, then the text after each `.` except the last
 * (labels.slice(i).join('.') for i in 0..n-2 is the substring after the i-th dot).
 */
function labelSuffixes(host: string): string[] {
  const out: string[] = [];
  let dot = host.indexOf('.');
  if (dot < 0) return out;
  out.push(host);
  for (;;) {
    const next = host.indexOf('.', dot + 1);
    if (next < 0) return out;
    out.push(host.slice(dot + 1));
    dot = next;
  }
}

/** `labelSuffixes(hostForMatch(value, source))`, memoised. */
function hostSuffixes(value: string, source: 'url' | 'fqdn'): readonly string[] {
  if (source === 'url') {
    if (value !== memoUrlHostIn) {
      memoUrlHostOut = labelSuffixes(hostForMatch(value, source));
      memoUrlHostIn = value;
    }
    return memoUrlHostOut;
  }
  if (value !== memoFqdnIn) {
    memoFqdnOut = labelSuffixes(hostForMatch(value, source));
    memoFqdnIn = value;
  }
  return memoFqdnOut;
}

function urlKeyMemo(value: string): string {
  if (value !== memoUrlKeyIn) {
    memoUrlKeyOut = urlKey(value);
    memoUrlKeyIn = value;
  }
  return memoUrlKeyOut;
}

const hex4 = (n: number): string => (n < 0x10 ? '000' : n < 0x100 ? '00' : n < 0x1000 ? '0' : '') + n.toString(16);

/** `canonicalIp`, with a fast path for strict dotted-quad IPv4 (same result), memoised. */
function canonicalIpFast(value: string): string | undefined {
  if (value === memoIpIn) return memoIpOut;
  let out: string | undefined;
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(value);
  if (m) {
    const a = +m[1]!, b = +m[2]!, c = +m[3]!, d = +m[4]!;
    out = a > 255 || b > 255 || c > 255 || d > 255 ? undefined : `0000:0000:0000:0000:0000:ffff:${hex4(a * 256 + b)}:${hex4(c * 256 + d)}`;
  } else {
    out = canonicalIp(value);
  }
  memoIpIn = value;
  memoIpOut = out;
  return out;
}

/** The memoised and fast-path normalisations above, exposed for their equivalence tests. */
export const _fastPaths = { labelSuffixes, canonicalIpFast, urlKeyMemo };

function compileSet(set: ValueSet) {
  switch (set.kind) {
    case 'domains':
    case 'strings':
    case 'ips':
      return new Set(set.values);
    case 'urls': {
      // key → smallest IOC URL with that key (as `summarize min(IocUrl) by UrlKey`)
      const byKey = new Map<string, string>();
      for (const u of set.values) {
        const k = urlKey(u);
        const prev = byKey.get(k);
        if (k !== '' && (prev === undefined || u < prev)) byKey.set(k, u);
      }
      return byKey;
    }
    case 'endpoints': {
      const byKey = new Map<string, string>();
      for (const e of set.values) {
        const c = canonicalIp(e.ip);
        if (c) byKey.set(`${c}|${e.port}`, e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
      }
      return byKey;
    }
  }
}

function compilePredicate(hunt: Hunt, p: Predicate): Test {
  const setOf = (name: string): ValueSet => {
    const s = hunt.sets.find((x) => x.name === name);
    if (!s) throw new Error(`hunt ${hunt.id}: unknown set ${name}`);
    return s;
  };
  switch (p.kind) {
    case 'equals-any': {
      const values = new Set((p.set !== undefined ? (setOf(p.set).values as readonly string[]) : (p.values ?? [])).map(lower));
      return (row) => {
        const v = lower(text(row[p.column]));
        return values.has(v) ? v : undefined;
      };
    }
    case 'starts-with-any': {
      const prefixes = p.values.map(lower);
      return (row) => {
        const v = lower(text(row[p.column]));
        return prefixes.some((x) => v.startsWith(x)) ? v : undefined;
      };
    }
    case 'contains-any': {
      const parts = p.values.map(lower);
      return (row) => {
        const v = lower(text(row[p.column]));
        return parts.some((x) => v.includes(x)) ? v : undefined;
      };
    }
    case 'all': {
      const tests = p.of.map((q) => compilePredicate(hunt, q));
      return (row) => {
        let first: string | undefined;
        for (const t of tests) {
          const r = t(row);
          if (r === undefined) return undefined;
          first ??= r;
        }
        return first;
      };
    }
    case 'any': {
      const tests = p.of.map((q) => compilePredicate(hunt, q));
      return (row) => {
        for (const t of tests) {
          const r = t(row);
          if (r !== undefined) return r;
        }
        return undefined;
      };
    }
    case 'host-in-domains': {
      const domains = compileSet(setOf(p.set)) as Set<string>;
      const columns = p.columns;
      // Same result as matchDomain(hostForMatch(text(cell), source), domains) per column, in column order.
      return (row) => {
        for (let i = 0; i < columns.length; i++) {
          const c = columns[i]!;
          const suffixes = hostSuffixes(text(row[c.column]), c.source);
          for (let j = 0; j < suffixes.length; j++) if (domains.has(suffixes[j]!)) return suffixes[j];
        }
        return undefined;
      };
    }
    case 'url-equals-any': {
      const byKey = compileSet(setOf(p.set)) as Map<string, string>;
      return (row) => {
        const k = urlKeyMemo(text(row[p.column]));
        return k === '' ? undefined : byKey.get(k);
      };
    }
    case 'ip-in': {
      const s = setOf(p.set);
      const byCanon = new Map<string, string>();
      const ips = s.kind === 'endpoints' ? s.values.map((e) => e.ip) : (s.values as readonly string[]);
      for (const ip of ips) {
        const c = canonicalIp(ip);
        if (c) byCanon.set(c, ip);
      }
      return (row) => {
        const c = canonicalIpFast(text(row[p.column]));
        return c === undefined ? undefined : byCanon.get(c);
      };
    }
    case 'ip-port-in': {
      const byKey = compileSet(setOf(p.set)) as Map<string, string>;
      return (row) => {
        const c = canonicalIpFast(text(row[p.ipColumn]));
        const port = toPort(row[p.portColumn]);
        if (c === undefined || port === undefined) return undefined;
        return byKey.get(`${c}|${port}`);
      };
    }
  }
}

/** Parse a row's time cell: a Date, epoch ms, ISO-8601, or the portal's `2026-05-02 09:30:00` (UTC). */
export function rowTime(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const fast = isoZTime(v);
    if (fast !== undefined) return fast;
  } else {
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'number') return v;
    return undefined;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?$/.exec(v.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let t = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, s ? +s : 0, frac ? Math.round(Number(frac) * 1000) : 0);
  if (zone && zone !== 'Z' && zone !== ' UTC') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.replace(/[^0-9]/g, '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** The decimal number of s[i, i+len) when all are ASCII digits, else -1. */
function digits(s: string, i: number, len: number): number {
  let n = 0;
  for (let k = i; k < i + len; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Fast path of rowTime for `YYYY-MM-DDTHH:MM:SS[.f…]Z` (what Log Analytics and advanced hunting export): the same
 * Date.UTC fields as the regular expression gives, read from character codes. Undefined for any other shape.
 */
function isoZTime(s: string): number | undefined {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84
    || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 || n === 21) return undefined;
    // Number('.ddd') is the correctly rounded quotient int / 10^k, as long as int is exact (at most 15 digits).
    if (n - 21 > 15) return undefined;
    let frac = 0;
    for (let i = 20; i < n - 1; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      frac = frac * 10 + c;
    }
    ms = Math.round((frac / POW10[n - 21]!) * 1000);
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

/** Exposed for the equivalence test of the fast path. */
export const _isoZTime = isoZTime;

/** Compile a hunt. With `applyExclusions`, rows matching any exclusion are dropped, as the enabled KQL lines would. */
export function compileHunt(hunt: Hunt, options: { applyExclusions?: boolean } = {}): CompiledHunt {
  const tests = hunt.where.map((p) => compilePredicate(hunt, p));
  const excl = options.applyExclusions ? hunt.exclusions.map((e) => compilePredicate(hunt, e.predicate)) : [];
  const window = hunt.lookbackDays * 86_400_000;
  const test = (row: Row): RowMatch | undefined => {
    for (let i = 0; i < excl.length; i++) if (excl[i]!(row) !== undefined) return undefined;
    let ioc: string | undefined;
    for (let i = 0; i < tests.length; i++) {
      const r = tests[i]!(row);
      if (r === undefined) return undefined;
      ioc ??= r;
    }
    return ioc === undefined ? undefined : { ioc };
  };
  return {
    hunt,
    windowMs: window,
    test,
    match(row, now) {
      const t = rowTime(row[hunt.timeColumn]);
      if (t === undefined || t < now - window) return undefined;
      return test(row);
    },
  };
}

/**
 * A necessary condition of a hunt, for running many hunts over the same rows: the hunt can match a row only if one of
 * the values `probe` gives for the row is in `values`. Derived from the hunt's first `where` predicate with the same
 * normalisations `compileHunt` applies (host suffixes, URL key, canonical IP, lower case), so a guard never rejects a
 * row the hunt matches; the hunt's own `test` still decides. Hunts whose guards have equal `key` read the same cells the
 * same way and can share one probe (one normalisation per row for all of them).
 */
export interface HuntGuard {
  readonly key: string;
  readonly values: readonly string[];
  /** Append the row's probe values to `out`. */
  probe(row: Row, out: string[]): void;
}

/** The guard of a hunt, or undefined when its first predicate is not a set lookup (then it must always be tested). */
export function huntGuard(hunt: Hunt): HuntGuard | undefined {
  const p = hunt.where[0];
  if (!p) return undefined;
  const setOf = (name: string): ValueSet | undefined => hunt.sets.find((x) => x.name === name);
  const eqValues = (q: Predicate): string[] | undefined => {
    if (q.kind !== 'equals-any') return undefined;
    const vs = q.set !== undefined ? (setOf(q.set)?.values as readonly string[] | undefined) : q.values;
    return vs?.map(lower);
  };
  switch (p.kind) {
    case 'host-in-domains': {
      const s = setOf(p.set);
      if (!s) return undefined;
      const columns = p.columns;
      return {
        key: `host|${columns.map((c) => `${c.source}:${c.column}`).join(',')}`,
        values: s.values as readonly string[],
        probe(row, out) {
          for (let i = 0; i < columns.length; i++) {
            const suffixes = hostSuffixes(text(row[columns[i]!.column]), columns[i]!.source);
            for (let j = 0; j < suffixes.length; j++) out.push(suffixes[j]!);
          }
        },
      };
    }
    case 'url-equals-any': {
      const s = setOf(p.set);
      if (!s) return undefined;
      const column = p.column;
      return {
        key: `url|${column}`,
        values: (s.values as readonly string[]).map(urlKey).filter((k) => k !== ''),
        probe(row, out) {
          const k = urlKeyMemo(text(row[column]));
          if (k !== '') out.push(k);
        },
      };
    }
    case 'ip-in':
    case 'ip-port-in': {
      const s = setOf(p.set);
      if (!s) return undefined;
      const column = p.kind === 'ip-in' ? p.column : p.ipColumn;
      const ips = s.kind === 'endpoints' ? s.values.map((e) => e.ip) : (s.values as readonly string[]);
      return {
        key: `ip|${column}`,
        values: ips.map(canonicalIp).filter((c): c is string => c !== undefined),
        probe(row, out) {
          const c = canonicalIpFast(text(row[column]));
          if (c !== undefined) out.push(c);
        },
      };
    }
    case 'equals-any':
    case 'any': {
      const parts = p.kind === 'any' ? p.of : [p];
      const columns: string[] = [];
      const values: string[] = [];
      for (const q of parts) {
        const vs = eqValues(q);
        if (!vs || q.kind !== 'equals-any') return undefined;
        columns.push(q.column);
        values.push(...vs);
      }
      return {
        key: `eq|${columns.join(',')}`,
        values,
        probe(row, out) {
          for (let i = 0; i < columns.length; i++) out.push(lower(text(row[columns[i]!])));
        },
      };
    }
    default:
      return undefined;
  }
}
