/**
 * The user's allowlist (`--allowlist FILE`): one entry per line, `VALUE  REASON`, `#` starts a comment.
 * VALUE is an IP or CIDR range, a domain (also covers its subdomains, URL hosts and e-mail domains), a URL, an e-mail
 * address or a hash. Every entry needs a reason; allowlisted IOCs are dropped and reported with it.
 */
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import type { Ioc } from '../model/ioc.js';
import { compileCidrs, hostOfIoc, type ListHit } from './warninglists.js';

/** A bad allowlist line: `FILE:LINE: problem`. */
export class AllowlistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllowlistError';
  }
}

interface Entry {
  readonly line: number;
  readonly value: string;
  readonly reason: string;
  readonly kind: 'cidr' | 'domain' | 'exact';
}

export interface Allowlist {
  readonly file: string;
  readonly entries: number;
  check(ioc: Pick<Ioc, 'type' | 'value'>): ListHit | undefined;
}

function classify(value: string): Entry['kind'] | undefined {
  if (ipaddr.isValidCIDR(value) || ipaddr.isValid(value)) return 'cidr';
  if (/^[0-9a-f]+$/i.test(value) && [32, 40, 64, 96].includes(value.length)) return 'exact';
  if (value.includes('://') || value.includes('@')) return 'exact';
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+\.?$/i.test(value)) return 'domain';
  return undefined;
}

/** Parse an allowlist's text (exported for tests). */
export function parseAllowlist(text: string, file: string): Allowlist {
  const entries: Entry[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new AllowlistError(`${file}:${i + 1}: every entry needs a value and a reason, e.g. "10.0.0.0/8  internal range"`);
    const value = m[1]!.toLowerCase().replace(/\.$/, '');
    const kind = classify(value);
    if (!kind) throw new AllowlistError(`${file}:${i + 1}: "${m[1]}" is not an IP, CIDR range, domain, URL, e-mail address or hash`);
    entries.push({ line: i + 1, value, reason: m[2]!.trim(), kind });
  });
  const cidrs = entries.filter((e) => e.kind === 'cidr').map((e) => ({ e, match: compileCidrs([e.value]) }));
  const exact = new Map(entries.filter((e) => e.kind === 'exact').map((e) => [e.value, e]));
  const domains = new Map(entries.filter((e) => e.kind === 'domain').map((e) => [e.value, e]));
  const hit = (e: Entry): ListHit => ({ list: `allowlist ${file}:${e.line}`, policy: 'drop', flag: 'allowlisted', reason: `allowlisted: ${e.reason}` });
  return {
    file,
    entries: entries.length,
    check(ioc) {
      if (ioc.type === 'ipv4' || ioc.type === 'ipv6') {
        const c = cidrs.find((x) => x.match(ioc.value));
        return c ? hit(c.e) : undefined;
      }
      const ex = exact.get(ioc.value.toLowerCase());
      if (ex) return hit(ex);
      const host = hostOfIoc(ioc);
      if (!host) return undefined;
      const labels = host.split('.');
      for (let i = 0; i < labels.length - 1; i++) {
        const d = domains.get(labels.slice(i).join('.'));
        if (d) return hit(d);
      }
      return undefined;
    },
  };
}

/** Read an allowlist file. */
export function readAllowlist(file: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AllowlistError(`${file}: cannot read the allowlist (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseAllowlist(text, file);
}
