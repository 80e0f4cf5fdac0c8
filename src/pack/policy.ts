/**
 * What is hunted: warninglists, the user's allowlist, minimum confidence, expiry and compromised sites decide, per IOC,
 * whether it is dropped (never hunted, reported with the reason) or kept with flags. Pure; `asOf` is injected.
 */
import type { Ioc, IocFlag, IocType } from '../model/ioc.js';
import type { Warninglists } from '../knowledge/warninglists.js';
import type { Allowlist } from '../knowledge/allowlist.js';

/** Time-to-live classes and their defaults in days (counted from last seen, else first seen). */
export const TTL_CLASSES = { ip: ['ipv4', 'ipv6'], domain: ['domain'], url: ['url'], hash: ['md5', 'sha1', 'sha256', 'sha3-384'], email: ['email'] } as const satisfies Record<string, readonly IocType[]>;
export type TtlClass = keyof typeof TTL_CLASSES;
export const DEFAULT_TTL_DAYS: Readonly<Record<TtlClass, number>> = { ip: 30, domain: 90, url: 90, hash: 365, email: 90 };

export interface PolicyOptions {
  readonly lists?: Warninglists;
  readonly allowlists?: readonly Allowlist[];
  readonly minConfidence?: number;
  readonly ttlDays: Readonly<Record<TtlClass, number>>;
  /** ISO-8601 UTC; expiry is evaluated at this time. */
  readonly asOf: string;
}

/** An IOC that is not hunted, and why. */
export interface DroppedIoc {
  readonly ioc: Ioc;
  /** `allowlisted`, a warninglist flag code, `low-confidence`, `expired` or `compromised-domain`. */
  readonly code: string;
  readonly reason: string;
  /** The list (or rule) that dropped it. */
  readonly list: string;
}

const TTL_CLASS_OF: ReadonlyMap<IocType, TtlClass> = new Map(
  (Object.keys(TTL_CLASSES) as TtlClass[]).flatMap((c) => (TTL_CLASSES[c] as readonly IocType[]).map((t) => [t, c] as const)),
);

function ttlClass(type: IocType): TtlClass {
  return TTL_CLASS_OF.get(type)!;
}

const DAY = 86_400_000;

/** Decide for every IOC: keep (with flags) or drop (with the first reason that applies). */
export function applyPolicy(iocs: readonly Ioc[], options: PolicyOptions): { kept: Ioc[]; dropped: DroppedIoc[] } {
  const kept: Ioc[] = [];
  const dropped: DroppedIoc[] = [];
  const asOf = Date.parse(options.asOf);
  for (const ioc of iocs) {
    let allow: ReturnType<Allowlist['check']>;
    for (const a of options.allowlists ?? []) if ((allow = a.check(ioc)) !== undefined) break;
    if (allow) {
      dropped.push({ ioc, code: allow.flag, reason: allow.reason, list: allow.list });
      continue;
    }
    const hits = options.lists?.check(ioc) ?? [];
    const drop = hits.find((h) => h.policy === 'drop');
    if (drop) {
      dropped.push({ ioc, code: drop.flag, reason: drop.reason, list: drop.list });
      continue;
    }
    if (options.minConfidence !== undefined && (ioc.confidence ?? 0) < options.minConfidence) {
      dropped.push({ ioc, code: 'low-confidence', reason: `confidence ${ioc.confidence ?? 'not given'} is below --min-confidence ${options.minConfidence}`, list: 'min-confidence' });
      continue;
    }
    const cls = ttlClass(ioc.type);
    const seen = ioc.lastSeen ?? ioc.firstSeen;
    const ageDays = (asOf - Date.parse(seen)) / DAY;
    if (ageDays > options.ttlDays[cls]) {
      dropped.push({
        ioc,
        code: 'expired',
        reason: `expired: ${ioc.lastSeen ? 'last' : 'first'} seen ${seen.slice(0, 10)}, ${Math.floor(ageDays)} days before ${options.asOf.slice(0, 10)} (time-to-live for ${cls} IOCs: ${options.ttlDays[cls]} days)`,
        list: `ttl-${cls}`,
      });
      continue;
    }
    if (ioc.isCompromised && ioc.type !== 'url') {
      dropped.push({
        ioc,
        code: 'compromised-site',
        reason: 'compromised legitimate site: hunted by full URL only, never as a whole domain or address',
        list: 'threatfox/is_compromised',
      });
      continue;
    }
    if (hits.length === 0 && !ioc.isCompromised && ioc.flags.length <= 1) {
      kept.push(ioc);
      continue;
    }
    const flags: IocFlag[] = [...ioc.flags];
    if (ioc.isCompromised) flags.push({ code: 'compromised', reason: 'ThreatFox marks this a compromised legitimate site: hunted by full URL only; investigate hits, do not block the site', source: 'threatfox/is_compromised' });
    for (const h of hits) flags.push({ code: h.flag, reason: h.reason, source: h.list });
    const unique = [...new Map(flags.map((f) => [f.code, f])).values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    kept.push(unique.length === ioc.flags.length ? ioc : { ...ioc, flags: unique });
  }
  return { kept, dropped };
}

/** Parse `ip=14,domain=60` into TTLs over the defaults. */
export function parseTtl(text: string): Record<TtlClass, number> {
  const out: Record<TtlClass, number> = { ...DEFAULT_TTL_DAYS };
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(\d+)$/.exec(part);
    if (!m || !(m[1]! in TTL_CLASSES)) throw new Error(`"${part}": expected CLASS=DAYS with CLASS one of ${Object.keys(TTL_CLASSES).join(', ')}`);
    const days = Number(m[2]);
    if (days < 1) throw new Error(`"${part}": the time-to-live must be at least 1 day`);
    out[m[1] as TtlClass] = days;
  }
  return out;
}
