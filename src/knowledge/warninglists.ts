/**
 * Warninglists: data files (data/warninglists/*.yaml) that flag or drop IOCs, each with its source, licence and policy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import ipaddr from 'ipaddr.js';
import { IOC_TYPES, type Ioc } from '../model/ioc.js';
import { DATA_DIR, checkData } from './load.js';

const WarninglistSchema = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  description: v.string(),
  source: v.pipe(v.string(), v.minLength(1)),
  licence: v.pipe(v.string(), v.minLength(1)),
  matchKind: v.picklist(['exact', 'hostname', 'cidr', 'regex']),
  iocTypes: v.pipe(v.array(v.picklist(IOC_TYPES)), v.minLength(1)),
  policy: v.picklist(['flag', 'drop']),
  flag: v.pipe(v.string(), v.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  reason: v.string(),
  values: v.pipe(v.array(v.string()), v.minLength(1)),
  /** Hosts of shared platforms (URL shorteners, free hosting, dynamic DNS): a URL there is hunted by full URL only. */
  sharedPlatform: v.optional(v.boolean()),
});
export type Warninglist = v.InferOutput<typeof WarninglistSchema>;

/** A warninglist hit on one IOC. */
export interface ListHit {
  readonly list: string;
  readonly policy: 'flag' | 'drop';
  readonly flag: string;
  readonly reason: string;
}

/** The host a hostname list looks at: the domain, the URL's host, the e-mail's domain. */
function hostOf(ioc: Ioc): string | undefined {
  if (ioc.type === 'domain') return ioc.value;
  if (ioc.type === 'email') return ioc.value.slice(ioc.value.lastIndexOf('@') + 1);
  if (ioc.type === 'url') return /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^@/?#]*@)?([^:/?#]*)/.exec(ioc.value)?.[1];
  return undefined;
}

type Matcher = (ioc: Ioc) => boolean;

function compile(list: Warninglist): Matcher {
  switch (list.matchKind) {
    case 'exact': {
      const set = new Set(list.values.map((x) => x.toLowerCase()));
      return (ioc) => set.has(ioc.value);
    }
    case 'hostname': {
      const set = new Set(list.values.map((x) => x.toLowerCase().replace(/^\.+|\.+$/g, '')));
      return (ioc) => {
        const host = hostOf(ioc);
        if (!host) return false;
        const labels = host.split('.');
        for (let i = 0; i < labels.length; i++) if (set.has(labels.slice(i).join('.'))) return true;
        return false;
      };
    }
    case 'cidr': {
      const ranges = list.values.map((x) => (x.includes('/') ? ipaddr.parseCIDR(x) : ipaddr.parseCIDR(x + (x.includes(':') ? '/128' : '/32'))));
      return (ioc) => {
        if (ioc.type !== 'ipv4' && ioc.type !== 'ipv6') return false;
        const addr = ipaddr.parse(ioc.value);
        return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
      };
    }
    case 'regex': {
      const res = list.values.map((x) => new RegExp(x, 'i'));
      return (ioc) => res.some((re) => re.test(ioc.value));
    }
  }
}

export interface Warninglists {
  readonly lists: readonly Warninglist[];
  /** Every list that applies to the IOC and matches it, in list-name order. */
  check(ioc: Ioc): ListHit[];
  /** Is `host` on a shared-platform list (so its URLs are hunted by full URL, never by host)? */
  isSharedHost(host: string): boolean;
}

let cached: Warninglists | undefined;

/** Load and compile every warninglist (cached per process). */
export function loadWarninglists(): Warninglists {
  if (cached) return cached;
  const dir = DATA_DIR + 'warninglists/';
  const lists = readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((n) => checkData(WarninglistSchema, parseYaml(readFileSync(dir + n, 'utf8')), `data/warninglists/${n}`));
  const compiled = lists.map((l) => ({ list: l, match: compile(l) }));
  const shared = compiled.filter((c) => c.list.sharedPlatform);
  cached = {
    lists,
    isSharedHost(host) {
      const probe = { type: 'domain', value: host } as Ioc;
      return shared.some((c) => c.match(probe));
    },
    check(ioc) {
      return compiled
        .filter((c) => c.list.iocTypes.includes(ioc.type) && c.match(ioc))
        .map((c) => ({ list: c.list.name, policy: c.list.policy, flag: c.list.flag, reason: c.list.reason }));
    },
  };
  return cached;
}
