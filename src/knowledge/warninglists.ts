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
type Matcher = (ioc: Pick<Ioc, 'type' | 'value'>) => MatchResult;

/**
 * A CIDR matcher. IPv4 ranges become sorted, merged integer intervals searched in O(log n) (lists such as amazon-aws hold
 * thousands of ranges and public-dns-v4 60,000 single addresses); IPv6 ranges are few and scanned.
 */
export function compileCidrs(values: readonly string[]): (ip: string) => boolean {
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
  return (ip) => {
    if (!ipaddr.isValid(ip)) return false;
    const addr = ipaddr.parse(ip);
    if (addr.kind() === 'ipv4') {
      const n = ipv4Number(addr as ipaddr.IPv4);
      let lo = 0;
      let hi = merged.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const [a, b] = merged[mid]!;
        if (n < a) hi = mid - 1;
        else if (n > b) lo = mid + 1;
        else return true;
      }
      return false;
    }
    return v6.some(([net, bits]) => (addr as ipaddr.IPv6).match(net, bits));
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
      return (ioc) => (set.has(ioc.value.toLowerCase()) ? 'exact' : undefined);
    }
    case 'hostname':
    case 'host-exact': {
      const set = new Set(values.map((x) => x.replace(/^\.+|\.+$/g, '')));
      const subdomains = list.matchKind === 'hostname';
      return (ioc) => {
        const host = hostOfIoc(ioc);
        if (!host) return undefined;
        if (set.has(host)) return 'exact';
        if (!subdomains) return undefined;
        for (let i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) if (set.has(host.slice(i + 1))) return 'within';
        return undefined;
      };
    }
    case 'substring':
      return (ioc) => {
        const host = hostOfIoc(ioc) ?? ioc.value.toLowerCase();
        return values.some((x) => host.includes(x)) ? (values.includes(host) ? 'exact' : 'within') : undefined;
      };
    case 'cidr': {
      const inRange = compileCidrs(list.entries);
      return (ioc) => (ioc.type === 'ipv4' || ioc.type === 'ipv6') && inRange(ioc.value) ? 'within' : undefined;
    }
    case 'regex': {
      const res = list.entries.map((x) => new RegExp(x, 'i'));
      return (ioc) => (res.some((re) => re.test(ioc.value)) ? 'within' : undefined);
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
  cached = {
    lists,
    check(ioc) {
      const hits: ListHit[] = [];
      for (const c of compiled) {
        if (!c.list.iocTypes.includes(ioc.type)) continue;
        const m = c.match(ioc);
        if (m === undefined) continue;
        const policy = ioc.type === 'url' ? (c.list.urlPolicy ?? c.list.policy) : m === 'exact' ? (c.list.exactPolicy ?? c.list.policy) : c.list.policy;
        hits.push({ list: c.list.name, policy, flag: c.list.flag, reason: c.list.reason });
      }
      return hits;
    },
    isSharedHost(host) {
      return shared.some((c) => c.match({ type: 'domain', value: host }) !== undefined);
    },
  };
  return cached;
}
