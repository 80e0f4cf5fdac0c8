/**
 * The local evaluator of the hunt IR: the same meaning as the rendered KQL, over plain rows keyed by column name.
 * Prefilters are not meaning and are not implemented here (see src/render/kql/render.ts).
 */
import type { Hunt, Predicate, ValueSet } from './ir.js';
import { canonicalIp, hostForMatch, lower, matchDomain, toPort, urlKey } from './semantics.js';

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
}

type Test = (row: Row) => string | undefined;

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

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
      return (row) => {
        for (const c of p.columns) {
          const m = matchDomain(hostForMatch(text(row[c.column]), c.source), domains);
          if (m !== undefined) return m;
        }
        return undefined;
      };
    }
    case 'url-equals-any': {
      const byKey = compileSet(setOf(p.set)) as Map<string, string>;
      return (row) => {
        const k = urlKey(text(row[p.column]));
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
        const c = canonicalIp(text(row[p.column]));
        return c === undefined ? undefined : byCanon.get(c);
      };
    }
    case 'ip-port-in': {
      const byKey = compileSet(setOf(p.set)) as Map<string, string>;
      return (row) => {
        const c = canonicalIp(text(row[p.ipColumn]));
        const port = toPort(row[p.portColumn]);
        if (c === undefined || port === undefined) return undefined;
        return byKey.get(`${c}|${port}`);
      };
    }
  }
}

/** Parse a row's time cell: a Date, epoch ms, ISO-8601, or the portal's `2026-05-02 09:30:00` (UTC). */
export function rowTime(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
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

/** Compile a hunt. With `applyExclusions`, rows matching any exclusion are dropped, as the enabled KQL lines would. */
export function compileHunt(hunt: Hunt, options: { applyExclusions?: boolean } = {}): CompiledHunt {
  const tests = hunt.where.map((p) => compilePredicate(hunt, p));
  const excl = options.applyExclusions ? hunt.exclusions.map((e) => compilePredicate(hunt, e.predicate)) : [];
  const window = hunt.lookbackDays * 86_400_000;
  return {
    hunt,
    match(row, now) {
      const t = rowTime(row[hunt.timeColumn]);
      if (t === undefined || t < now - window) return undefined;
      for (const x of excl) if (x(row) !== undefined) return undefined;
      let ioc: string | undefined;
      for (const test of tests) {
        const r = test(row);
        if (r === undefined) return undefined;
        ioc ??= r;
      }
      return ioc === undefined ? undefined : { ioc };
    },
  };
}
