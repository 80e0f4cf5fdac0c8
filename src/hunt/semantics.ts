/**
 * Value normalisation shared by the meaning of the hunt IR: the evaluator applies these functions to row values,
 * the planner to IOC values, and the KQL renderer emits the KQL equivalent of each (the regular expressions below
 * are written once and used verbatim in both, since JavaScript and Kusto's RE2 agree on this subset).
 */
import ipaddr from 'ipaddr.js';

/**
 * Host of a URL or bare host string: optional scheme, optional userinfo, then the host up to `:` `/` `?` `#`.
 * A bracketed IPv6 host yields an empty capture (domain hunts never match IP hosts).
 */
export const HOST_PATTERN = String.raw`^(?:[A-Za-z][A-Za-z0-9+.\-]*://)?(?:[^@/?#]*@)?([^:/?#\[\]]*)`;

/**
 * Parts of a lower-cased URL: (1) host without trailing dots, (2) port digits, (3) path and query. The fragment is dropped.
 * Used on both the logged value and the IOC, so both sides normalise identically.
 */
export const URL_PATTERN = String.raw`^(?:[a-z][a-z0-9+.\-]*://)?(?:[^@/?#]*@)?(\[[0-9a-f:.]*\]|[^:/?#\[\]]*?)\.*(?::([0-9]*))?([/?][^#]*)?(?:#.*)?$`;

const hostRe = new RegExp(HOST_PATTERN);
const urlRe = new RegExp(URL_PATTERN);
const trailingDots = /\.+$/;

/** KQL `tolower()` of a string (ASCII and Unicode simple case mapping). */
export function lower(s: string): string {
  return s.toLowerCase();
}

/** The host a domain predicate compares: `trim_end(@"\.+", tolower(value))` for an FQDN column, or of the URL's host. */
export function hostForMatch(value: string, source: 'url' | 'fqdn'): string {
  const raw = source === 'fqdn' ? value : (hostRe.exec(value)?.[1] ?? '');
  return lower(raw).replace(trailingDots, '');
}

/** The longest suffix of `host` at a label boundary that is in `domains` (the matched IOC), or undefined. */
export function matchDomain(host: string, domains: ReadonlySet<string>): string | undefined {
  const labels = host.split('.');
  // Same enumeration as the KQL: suffixes starting at label 0 .. n-2 (never the last label alone).
  for (let i = 0; i <= labels.length - 2; i++) {
    const suffix = labels.slice(i).join('.');
    if (domains.has(suffix)) return suffix;
  }
  return undefined;
}

/**
 * Comparison key of a URL: lower-cased, scheme, userinfo and fragment dropped, host without trailing dots,
 * default ports 80 and 443 dropped, path defaulting to `/`. Empty string when the value is not URL-shaped.
 */
export function urlKey(value: string): string {
  const m = urlRe.exec(lower(value));
  if (!m) return '';
  const host = m[1] ?? '';
  if (host === '') return '';
  const port = m[2] ?? '';
  const rest = m[3] ?? '';
  return host + (port === '' || port === '80' || port === '443' ? '' : ':' + port) + (rest.startsWith('/') ? rest : '/' + rest);
}

/** The host part of a URL key, brackets removed (used for `has_any` prefilters). */
export function urlKeyHost(key: string): string {
  const end = key.search(/[:/]/);
  const host = key.startsWith('[') ? key.slice(1, key.indexOf(']')) : end < 0 ? key : key.slice(0, end);
  return host;
}

/**
 * Canonical form of an IP address as KQL `parse_ipv6()` gives it: eight groups of four lower-case hex digits;
 * IPv4 becomes the IPv4-mapped address, so `1.2.3.4`, `::ffff:1.2.3.4` and `::ffff:102:304` are one address.
 * IPv4 must be strict dotted decimal (no leading zeros, no shorthand). Returns undefined for anything else.
 */
export function canonicalIp(value: string): string | undefined {
  const s = value;
  if (s.includes('%') || s.includes('/')) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) {
    if (s.split('.').some((o) => o.length > 1 && o.startsWith('0'))) return undefined;
    return fixedLength(ipaddr.IPv4.parse(s).toIPv4MappedAddress());
  }
  if (s.includes(':') && ipaddr.IPv6.isValid(s)) {
    return fixedLength(ipaddr.IPv6.parse(s));
  }
  return undefined;
}

/** Eight groups of four lower-case hex digits. */
function fixedLength(addr: ipaddr.IPv6): string {
  return addr.parts.map((p) => p.toString(16).padStart(4, '0')).join(':');
}

/** Integer value of a port cell (number or digit string, as CSV exports give it). */
export function toPort(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}
