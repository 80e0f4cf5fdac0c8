/**
 * IP addresses and ThreatFox `ip:port` values. IPv4 is strict dotted decimal; IPv6 is stored RFC 5952 compressed.
 */
import ipaddr from 'ipaddr.js';
import { fail, ok, type Result } from './text.js';

/** A validated IP address in canonical text form. */
export interface IpAddress {
  readonly type: 'ipv4' | 'ipv6';
  readonly value: string;
}

/** A validated IP endpoint (ThreatFox `ip:port`). */
export interface IpEndpoint extends IpAddress {
  readonly port: number;
}

// Strict dotted decimal: four octets 0..255, no leading zeros (`010` is octal to some resolvers), no shorthand.
const IPV4 = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;
const PORT = /^[0-9]{1,5}$/;

/** True for a strict dotted-decimal IPv4 address. */
export function isStrictIPv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Validate an IPv4 or IPv6 address. IPv6 becomes lower-case RFC 5952 text; an IPv4-mapped IPv6 address
 * (`::ffff:1.2.3.4`) becomes the IPv4 address. Zone ids (`fe80::1%eth0`) are rejected: they mean nothing off-host.
 */
export function normalizeIp(input: string): Result<IpAddress> {
  const text = input.trim();
  if (text.includes(':')) return normalizeIPv6(text);
  if (IPV4.test(text)) return ok({ type: 'ipv4', value: text });
  return fail(`invalid IPv4 address "${text}"`);
}

function normalizeIPv6(text: string): Result<IpAddress> {
  if (text.includes('%')) return fail(`IPv6 zone id not allowed "${text}"`);
  // ipaddr.js accepts a few non-standard spellings of embedded IPv4; only standard characters get this far.
  if (!IPV6_CHARS.test(text) || !ipaddr.IPv6.isValid(text)) return fail(`invalid IPv6 address "${text}"`);
  const embedded = text.lastIndexOf('.') >= 0 ? text.slice(text.lastIndexOf(':') + 1) : null;
  if (embedded !== null && !IPV4.test(embedded)) return fail(`invalid IPv6 address "${text}"`);
  const address = ipaddr.IPv6.parse(text);
  if (address.isIPv4MappedAddress()) return ok({ type: 'ipv4', value: address.toIPv4Address().toString() });
  return ok({ type: 'ipv6', value: address.toRFC5952String() });
}

/** Validate a port: decimal integer 1..65535. */
export function parsePort(text: string): Result<number> {
  if (!PORT.test(text)) return fail(`invalid port "${text}"`);
  const port = Number(text);
  if (port < 1 || port > 65535) return fail(`port out of range "${text}"`);
  return ok(port);
}

/**
 * Split and validate a ThreatFox `ip:port`. IPv6 is unbracketed in ThreatFox, so the split is at the LAST colon:
 * `2a02:cf40:1::5:40669` → `2a02:cf40:1::5` port 40669, and `2001:db8::1:8080` → `2001:db8::1` port 8080.
 * `[v6]:port` (other feeds) is accepted too.
 */
export function parseIpPort(input: string): Result<IpEndpoint> {
  const text = input.trim();
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return fail(`invalid [IPv6]:port "${text}"`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return fail(`missing port in ip:port "${text}"`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  const port = parsePort(portText);
  if (!port.ok) return port;
  const ip = normalizeIp(host);
  if (!ip.ok) return ip;
  return ok({ type: ip.value.type, value: ip.value.value, port: port.value });
}

/** Format an endpoint the ThreatFox way (`ip:port`, IPv6 unbracketed) or, with `bracketed`, as `[v6]:port`. */
export function formatIpPort(endpoint: IpEndpoint, bracketed = false): string {
  return endpoint.type === 'ipv6' && bracketed ? `[${endpoint.value}]:${endpoint.port}` : `${endpoint.value}:${endpoint.port}`;
}
