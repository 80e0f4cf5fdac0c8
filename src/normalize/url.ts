/**
 * URL validation with a small splitter of our own. The WHATWG `URL` class is deliberately NOT used to rewrite values:
 * it percent-encodes characters, turns `\` into `/` and resolves `..`, and a hunt must match the URL exactly as seen.
 * Only the scheme and host are canonicalised; userinfo, port, path, query and fragment are kept byte for byte.
 */
import { normalizeDomain } from './domain.js';
import { isStrictIPv4, normalizeIp } from './ip.js';
import { fail, ok, type Result } from './text.js';

/** The pieces of an absolute `scheme://authority...` URL, as they appear in the input. */
export interface UrlParts {
  /** Scheme without `:` (as written). */
  readonly scheme: string;
  /** Userinfo without the trailing `@`, or null. */
  readonly userinfo: string | null;
  /** Host as written: a name, an IPv4 address or `[IPv6]` with brackets. */
  readonly host: string;
  /** Port digits without the `:`, or null when absent. `''` for a bare trailing colon. */
  readonly port: string | null;
  /** Everything after the authority: path, query and fragment, verbatim (may be empty). */
  readonly rest: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// Whitespace and control characters make a URL ambiguous (and unsafe in generated queries): reject, never repair.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u2066-\u2069\u3000\ufeff]/;
const PORT_DIGITS = /^[0-9]*$/;

/**
 * Split an absolute URL into scheme, userinfo, host, port and the verbatim rest. The authority ends at the first
 * `/`, `?`, `#` or `\` (browsers treat `\` as `/` in http(s) URLs, so `http://a.com\@b.com/` goes to `a.com`).
 * Returns a reason instead when the text has no `scheme://`.
 */
export function splitUrl(input: string): Result<UrlParts> {
  const scheme = SCHEME.exec(input);
  if (scheme === null) return fail(`URL without scheme:// "${input}"`);
  const start = scheme[0].length;
  let end = input.length;
  for (let i = start; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x5c) {
      end = i;
      break;
    }
  }
  const authority = input.slice(start, end);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : null;
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  let host = hostPort;
  let port: string | null = null;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return fail(`unclosed [IPv6] host in URL "${input}"`);
    host = hostPort.slice(0, close + 1);
    const after = hostPort.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return fail(`invalid text after [IPv6] host in URL "${input}"`);
      port = after.slice(1);
    }
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      port = hostPort.slice(colon + 1);
    }
  }
  return ok({ scheme: scheme[1] as string, userinfo, host, port, rest: input.slice(end) });
}

/** Re-assemble {@link UrlParts} into a URL string. */
export function joinUrl(parts: UrlParts): string {
  const userinfo = parts.userinfo === null ? '' : `${parts.userinfo}@`;
  const port = parts.port === null ? '' : `:${parts.port}`;
  return `${parts.scheme}://${userinfo}${parts.host}${port}${parts.rest}`;
}

/** Validate a URL host and return its canonical form (lower-case name in punycode, IPv4, or `[RFC 5952 IPv6]`). */
export function normalizeUrlHost(host: string): Result<string> {
  if (host === '') return fail('empty host');
  if (host.startsWith('[')) {
    const ip = normalizeIp(host.slice(1, -1));
    // A bracketed IPv4-mapped address stays an IPv6 literal: the URL is matched as text, not as an endpoint.
    if (!ip.ok || !host.slice(1, -1).includes(':')) return fail(`invalid IPv6 host "${host}"`);
    return ok(ip.value.type === 'ipv6' ? `[${ip.value.value}]` : `[${host.slice(1, -1).toLowerCase()}]`);
  }
  const bare = host.replace(/\.+$/, '');
  if (isStrictIPv4(bare)) return ok(bare);
  const domain = normalizeDomain(bare);
  return domain.ok ? domain : fail(`invalid host "${host}"`);
}

/**
 * Normalise a URL: lower-case the scheme, canonicalise the host (see {@link normalizeUrlHost}; trailing dot
 * stripped), keep everything else verbatim, including `"`, `'`, `\` and `]);` in path or query. Rejects whitespace,
 * control characters, a missing `scheme://`, an empty or invalid host, and a non-numeric or out-of-range port.
 */
export function normalizeUrl(input: string): Result<string> {
  const text = input.trim();
  if (UNSAFE.test(text)) return fail(`URL contains whitespace or control characters "${text}"`);
  const split = splitUrl(text);
  if (!split.ok) return split;
  const parts = split.value;
  if (parts.host === '') return fail(`URL has an empty host "${text}"`);
  const host = normalizeUrlHost(parts.host);
  if (!host.ok) return fail(`${host.reason} in URL "${text}"`);
  if (parts.port !== null && (!PORT_DIGITS.test(parts.port) || Number(parts.port) > 65535)) {
    return fail(`invalid port "${parts.port}" in URL "${text}"`);
  }
  return ok(joinUrl({ ...parts, scheme: parts.scheme.toLowerCase(), host: host.value }));
}
