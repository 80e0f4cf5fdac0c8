/**
 * Warninglists: data files (data/warninglists/*.yaml) that flag or drop IOCs, each with its source, licence, match kind,
 * IOC types and policy. Values are inline or come from a vendored MISP warninglist (data/warninglists/misp/<name>/list.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import ipaddr from 'ipaddr.js';
import { IOC_TYPES, type Ioc } from '../model/ioc.js';
import { DATA_DIR, checkData } from './load.js';
import { hostForMatch } from '../hunt/semantics.js';

const Policy = v.picklist(['flag', 'drop']);

const WarninglistSchema = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
    description: v.pipe(v.string(), v.minLength(10)),
    source: v.pipe(v.string(), v.minLength(5)),
    licence: v.pipe(v.string(), v.minLength(3)),
    /** Name of a vendored MISP list whose `list` holds the values. */
    misp: v.optional(v.string()),
    values: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
    /**
     * exact: the IOC value equals a list value; hostname: the IOC's host (domain, URL host) is a list name or a subdomain;
     * host-exact: the host equals a list name; substring: the host contains a list value; cidr: the IP is in a range;
     * regex: the value matches.
     */
    matchKind: v.picklist(['exact', 'hostname', 'host-exact', 'substring', 'cidr', 'regex']),
    iocTypes: v.pipe(v.array(v.picklist(IOC_TYPES)), v.minLength(1)),
    /** `drop`: never hunted, reported with the reason; `flag`: hunted and marked. */
    policy: Policy,
    /** Policy when the IOC is exactly a listed host (e.g. a dynamic-DNS provider's base domain). */
    exactPolicy: v.optional(Policy),
    /** Policy for URL IOCs on a listed host. */
    urlPolicy: v.optional(Policy),
    /** Hosts of shared platforms: a URL there is hunted by full URL only, never by its host. */
    sharedPlatform: v.optional(v.boolean()),
    flag: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
    reason: v.pipe(v.string(), v.minLength(10)),
  }),
  v.check((l) => (l.misp === undefined) !== (l.values === undefined), 'give exactly one of `misp` and `values`'),
);
export type Warninglist = v.InferOutput<typeof WarninglistSchema> & { readonly entries: readonly string[] };

const MispListSchema = v.looseObject({ name: v.string(), version: v.union([v.number(), v.string()]), list: v.array(v.string()) });

/** A warninglist or allowlist hit on one IOC. */
export interface ListHit {
  readonly list: string;
  readonly policy: 'flag' | 'drop';
  readonly flag: string;
  readonly reason: string;
}

/** The host a hostname list looks at: the domain, or the URL's host. */
export function hostOfIoc(ioc: Pick<Ioc, 'type' | 'value'>): string | undefined {
  if (ioc.type === 'domain') return ioc.value;
  if (ioc.type === 'email') return ioc.value.slice(ioc.value.lastIndexOf('@') + 1);
  if (ioc.type === 'url') return hostForMatch(ioc.value, 'url');
  return undefined;
}

/** How a list matched: the IOC is exactly a listed value/host, or inside one (subdomain, range, substring). */
type MatchResult = 'exact' | 'within' | undefined;

/**
 * What the matchers look at, computed once per IOC (not once per list): the lower-cased value, the host (domain, URL
 * host, e-mail domain) and, for IP IOCs, the parsed address (IPv4 also as a 32-bit number).
 */
interface Subject {
  readonly type: Ioc['type'];
  readonly value: string;
  readonly lower: string;
  readonly host: string | undefined;
  readonly ip: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
  readonly v4: number;
}

function subjectOf(ioc: Pick<Ioc, 'type' | 'value'>): Subject {
  const ip = (ioc.type === 'ipv4' || ioc.type === 'ipv6') && ipaddr.isValid(ioc.value) ? ipaddr.parse(ioc.value) : undefined;
  return {
    type: ioc.type,
    value: ioc.value,
    lower: ioc.value.toLowerCase(),
    host: hostOfIoc(ioc),
    ip,
    v4: ip !== undefined && ip.kind() === 'ipv4' ? ipv4Number(ip as ipaddr.IPv4) : -1,
  };
}

type Matcher = (subject: Subject) => MatchResult;

/** Compiled ranges: IPv4 as sorted, merged integer intervals; IPv6 as (network, prefix) pairs. */
interface CidrSet {
  readonly v4: readonly (readonly [number, number])[];
  readonly v6: readonly (readonly [ipaddr.IPv6, number])[];
}

function compileCidrSet(values: readonly string[]): CidrSet {
  const v4: [number, number][] = [];
  const v6: [ipaddr.IPv6, number][] = [];
  for (const raw of values) {
    const text = raw.trim();
    const [addr, bits] = text.includes('/') ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), text.includes(':') ? 128 : 32];
    if (addr.kind() === 'ipv4') {
      const start = ipv4Number(addr as ipaddr.IPv4) & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);
      v4.push([start >>> 0, (start >>> 0) + 2 ** (32 - bits) - 1]);
    } else {
      v6.push([addr as ipaddr.IPv6, bits]);
    }
  }
  v4.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of v4) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return { v4: merged, v6 };
}

function inCidrSet(set: CidrSet, ip: ipaddr.IPv4 | ipaddr.IPv6, v4: number): boolean {
  if (ip.kind() === 'ipv4') {
    const merged = set.v4;
    let lo = 0;
    let hi = merged.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = merged[mid]!;
      if (v4 < a) hi = mid - 1;
      else if (v4 > b) lo = mid + 1;
      else return true;
    }
    return false;
  }
  return set.v6.some(([net, bits]) => (ip as ipaddr.IPv6).match(net, bits));
}

/**
 * A CIDR matcher. IPv4 ranges become sorted, merged integer intervals searched in O(log n) (lists such as amazon-aws hold
 * thousands of ranges and public-dns-v4 60,000 single addresses); IPv6 ranges are few and scanned.
 */
export function compileCidrs(values: readonly string[]): (ip: string) => boolean {
  const set = compileCidrSet(values);
  return (ip) => {
    if (!ipaddr.isValid(ip)) return false;
    const addr = ipaddr.parse(ip);
    return inCidrSet(set, addr, addr.kind() === 'ipv4' ? ipv4Number(addr as ipaddr.IPv4) : -1);
  };
}

function ipv4Number(addr: ipaddr.IPv4): number {
  const [a, b, c, d] = addr.octets as [number, number, number, number];
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function compile(list: Warninglist): Matcher {
  const values = list.entries.map((x) => x.trim().toLowerCase()).filter((x) => x !== '');
  switch (list.matchKind) {
    case 'exact': {
      const set = new Set(values);
      return (s) => (set.has(s.lower) ? 'exact' : undefined);
    }
    case 'hostname':
    case 'host-exact': {
      const set = new Set(values.map((x) => x.replace(/^\.+|\.+$/g, '')));
      const subdomains = list.matchKind === 'hostname';
      return (s) => {
        const host = s.host;
        if (!host) return undefined;
        if (set.has(host)) return 'exact';
        if (!subdomains) return undefined;
        for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) if (set.has(host.slice(i + 1))) return 'within';
        return undefined;
      };
    }
    case 'substring': {
      const exact = new Set(values);
      return (s) => {
        const host = s.host ?? s.lower;
        return values.some((x) => host.includes(x)) ? (exact.has(host) ? 'exact' : 'within') : undefined;
      };
    }
    case 'cidr': {
      const set = compileCidrSet(list.entries);
      return (s) => (s.ip !== undefined && inCidrSet(set, s.ip, s.v4) ? 'within' : undefined);
    }
    case 'regex': {
      const res = list.entries.map((x) => new RegExp(x, 'i'));
      return (s) => (res.some((re) => re.test(s.value)) ? 'within' : undefined);
    }
  }
}

export interface Warninglists {
  readonly lists: readonly Warninglist[];
  /** Every list that applies to the IOC and matches it, with the policy that applies, in list-name order. */
  check(ioc: Pick<Ioc, 'type' | 'value'>): ListHit[];
  /** Is `host` on a shared-platform list (so its URLs are hunted by full URL, never by host)? */
  isSharedHost(host: string): boolean;
}

let cached: Warninglists | undefined;

/** Load one list file, resolving `misp:` values from the vendored MISP lists. */
function loadList(file: string): Warninglist {
  const dir = DATA_DIR + 'warninglists/';
  const list = checkData(WarninglistSchema, parseYaml(readFileSync(dir + file, 'utf8')), `data/warninglists/${file}`);
  let entries = list.values ?? [];
  if (list.misp !== undefined) {
    const misp = checkData(MispListSchema, JSON.parse(readFileSync(`${dir}misp/${list.misp}/list.json`, 'utf8')), `data/warninglists/misp/${list.misp}/list.json`);
    entries = misp.list;
  }
  return { ...list, entries };
}

/** Load and compile every warninglist (cached per process). */
export function loadWarninglists(): Warninglists {
  if (cached) return cached;
  const lists = readdirSync(DATA_DIR + 'warninglists/')
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map(loadList);
  const compiled = lists.map((l) => ({ list: l, match: compile(l) }));
  const shared = compiled.filter((c) => c.list.sharedPlatform);
  // The lists that apply to each IOC type, in list-name order.
  const byType = new Map(IOC_TYPES.map((t) => [t, compiled.filter((c) => c.list.iocTypes.includes(t))]));
  cached = {
    lists,
    check(ioc) {
      const hits: ListHit[] = [];
      const applicable = byType.get(ioc.type);
      if (!applicable?.length) return hits;
      const subject = subjectOf(ioc);
      for (const c of applicable) {
        const m = c.match(subject);
        if (m === undefined) continue;
        const policy = ioc.type === 'url' ? (c.list.urlPolicy ?? c.list.policy) : m === 'exact' ? (c.list.exactPolicy ?? c.list.policy) : c.list.policy;
        hits.push({ list: c.list.name, policy, flag: c.list.flag, reason: c.list.reason });
      }
      return hits;
    },
    isSharedHost(host) {
      const subject = subjectOf({ type: 'domain', value: host });
      return shared.some((c) => c.match(subject) !== undefined);
    },
  };
  return cached;
}
