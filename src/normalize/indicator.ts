/**
 * Indicators from feeds other than ThreatFox (STIX 2.1, MISP, generic CSV, free text): one typed value → a validated
 * {@link Ioc} plus its {@link FamilyRef}. The ThreatFox path ({@link normalizeRecord}) maps ThreatFox `ioc_type`
 * strings; these feeds name types differently and can carry an IP without a port, so they share this entry point
 * instead. Validation of each value type is the same code ThreatFox records go through.
 */
import { parse as parseHost } from 'tldts';
import type { FamilyRef, Ioc, IocType } from '../model/ioc.js';
import { normalizeTimestamp } from './date.js';
import { normalizeDomain } from './domain.js';
import { normalizeEmail } from './email.js';
import { parseConfidence, parseTags } from './fields.js';
import { normalizeHash } from './hash.js';
import { isStrictIPv4, normalizeIp, parseIpPort, parsePort } from './ip.js';
import type { RecordOutcome } from './record.js';
import { fail, ok, optionalText, type Result } from './text.js';
import { normalizeUrl } from './url.js';

/** The indicator kinds these feeds carry. `ip` has no port; `ip:port` is `IP:PORT` or `[v6]:PORT`. */
export const INDICATOR_KINDS = ['domain', 'url', 'ip', 'ip:port', 'md5', 'sha1', 'sha256', 'sha3-384', 'email'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

/** A validated value: the huntpack type, the canonical value and, for IPs, the port. */
export interface TypedIndicator {
  readonly type: IocType;
  readonly value: string;
  readonly port?: number;
}

/** The family for IOCs nobody attributed. */
export const UNKNOWN_FAMILY: FamilyRef = Object.freeze({ id: 'unknown', name: 'Unknown malware', aliases: Object.freeze([]) as readonly string[] });

/** Validate a value of a known kind. `port` (from a separate field) applies to `ip` only. */
export function normalizeIndicatorValue(kind: IndicatorKind, value: string, port?: number): Result<TypedIndicator> {
  switch (kind) {
    case 'domain': {
      const domain = normalizeDomain(value);
      return domain.ok ? ok({ type: 'domain', value: domain.value }) : domain;
    }
    case 'url': {
      const url = normalizeUrl(value);
      return url.ok ? ok({ type: 'url', value: url.value }) : url;
    }
    case 'ip': {
      const text = value.trim();
      // `1.2.3.4/32` and `::1/128` name one address; any other prefix is a range, which huntpack does not hunt.
      const slash = text.indexOf('/');
      let address = text;
      if (slash >= 0) {
        const prefix = text.slice(slash + 1);
        address = text.slice(0, slash);
        const single = address.includes(':') ? '128' : '32';
        if (prefix !== single) return fail(`IP range (CIDR) "${text}" is not supported: only single addresses are hunted`);
      }
      const ip = normalizeIp(address);
      if (!ip.ok) return ip;
      if (port === undefined) return ok({ type: ip.value.type, value: ip.value.value });
      if (!Number.isInteger(port) || port < 1 || port > 65535) return fail(`port out of range "${port}"`);
      return ok({ type: ip.value.type, value: ip.value.value, port });
    }
    case 'ip:port':
      return parseIpPort(value);
    case 'email': {
      const email = normalizeEmail(value);
      return email.ok ? ok({ type: 'email', value: email.value }) : email;
    }
    default: {
      const hash = normalizeHash(kind, value);
      return hash.ok ? ok({ type: kind, value: hash.value }) : hash;
    }
  }
}

/** What tldts says about a host name: its registrable domain (null if none) and whether the suffix is ICANN's. */
export interface HostInfo {
  readonly registrable: string | null;
  readonly publicSuffix: string | null;
  readonly icann: boolean;
}

/** Public-suffix facts of a host (ICANN section only: `x.blogspot.com` has registrable `blogspot.com`). */
export function hostInfo(host: string): HostInfo {
  const parsed = parseHost(host, { allowPrivateDomains: false, extractHostname: false });
  return { registrable: parsed.domain, publicSuffix: parsed.publicSuffix, icann: parsed.isIcann === true };
}

/** The registrable domain of a host name (`www.atmarkit.co.jp` → `atmarkit.co.jp`), or null. */
export function registrableDomain(host: string): string | null {
  return hostInfo(host).registrable;
}

const HEX = /^[0-9a-fA-F]+$/;
const HEX_KINDS: Readonly<Record<number, IndicatorKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 96: 'sha3-384' };
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{0,15}:\/\//;
const IPV4_PORT = /^([0-9.]+):([0-9]{1,5})$/;

/**
 * Tell the kind of a bare value (a CSV cell without a type column): URL (has `scheme://`), IPv4/IPv6 with or without
 * a port, md5/sha1/sha256/sha3-384 by hex length, e-mail, or a domain with an ICANN public suffix. Null otherwise.
 */
export function detectIndicatorKind(raw: string): IndicatorKind | null {
  const value = raw.trim();
  if (value === '') return null;
  if (SCHEME.test(value)) return 'url';
  if (HEX.test(value)) {
    const kind = HEX_KINDS[value.length];
    if (kind !== undefined) return kind;
  }
  if (value.startsWith('[') && /^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$/.test(value)) return 'ip:port';
  const v4port = IPV4_PORT.exec(value);
  if (v4port !== null && isStrictIPv4(v4port[1] as string)) return 'ip:port';
  if (normalizeIp(value).ok) return 'ip';
  if (/^[0-9.]+\/[0-9]{1,3}$/.test(value) || /^[0-9A-Fa-f:.]+\/[0-9]{1,3}$/.test(value)) return 'ip';
  if (value.includes('@')) return normalizeEmail(value).ok ? 'email' : null;
  const domain = normalizeDomain(value);
  if (domain.ok && hostInfo(domain.value).icann && hostInfo(domain.value).registrable !== null) return 'domain';
  return null;
}

const DATE_ONLY = /^(\d{4}-\d{2}-\d{2})$/;
const EPOCH = /^[0-9]{9,13}$/;

function isoFromEpoch(ms: number): string | null {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A timestamp from a non-ThreatFox feed: everything {@link normalizeTimestamp} reads, plus a date alone
 * (`2026-03-01` → midnight UTC) and Unix epoch seconds or milliseconds (MISP `timestamp`, as number or digits).
 * Missing (null, `""`, `None`) → null.
 */
export function parseLooseTimestamp(raw: unknown): Result<string | null> {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) return fail(`invalid timestamp ${raw}`);
    const iso = isoFromEpoch(raw > 1e11 ? raw : raw * 1000);
    return iso === null ? fail(`timestamp out of range ${raw}`) : ok(iso);
  }
  const text = optionalText(raw);
  if (text === null) return ok(null);
  if (EPOCH.test(text)) return parseLooseTimestamp(Number(text));
  const date = DATE_ONLY.exec(text);
  return normalizeTimestamp(date === null ? text : `${date[1]} 00:00:00`);
}

/** `Cobalt Strike` → `cobalt_strike`; a Malpedia-style id (`win.cobalt_strike`) is kept as is (lower-cased). */
export function familyIdOf(name: string): string {
  const id = name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
    .replace(/[^a-z0-9._]+/g, '')
    .replace(/_+/g, '_')
    .replace(/^[_.]+|[_.]+$/g, '');
  return id === '' ? 'unknown' : id;
}

const MALPEDIA_REF = /malpedia\.caad\.fkie\.fraunhofer\.de\/details\/([a-z0-9]+\.[a-z0-9_.-]+)/i;

/** The Malpedia id in a reference URL (`…/details/win.emotet` → `win.emotet`), or null. */
export function malpediaIdOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  const m = MALPEDIA_REF.exec(url);
  return m === null ? null : (m[1] as string).toLowerCase();
}

/**
 * A family from a name given by a feed or the user: id from {@link familyIdOf} unless a Malpedia id is known, the
 * name as written, aliases sorted and de-duplicated (the name itself is not repeated as an alias).
 */
export function familyFromName(name: string, aliases: readonly string[] = [], id?: string | null): FamilyRef {
  const printable = name.trim().replace(/\s+/g, ' ').slice(0, 200);
  const familyId = id ?? familyIdOf(printable);
  if (familyId === 'unknown') return UNKNOWN_FAMILY;
  const seen = new Set([printable.toLowerCase()]);
  const kept: string[] = [];
  for (const alias of parseTags([...aliases])) {
    if (seen.has(alias.toLowerCase())) continue;
    seen.add(alias.toLowerCase());
    kept.push(alias);
  }
  return { id: familyId, name: printable === '' ? familyId : printable, aliases: kept };
}

/** One indicator from a non-ThreatFox feed, fields already located; values are untrusted. */
export interface IndicatorInput {
  readonly kind: IndicatorKind;
  readonly value: string;
  readonly port?: number;
  readonly family: FamilyRef;
  /** Any timestamp {@link parseLooseTimestamp} reads; required. */
  readonly firstSeen: unknown;
  readonly lastSeen?: unknown;
  readonly confidence?: unknown;
  readonly tags?: unknown;
  readonly threatType?: string | null;
  readonly id?: string | null;
  readonly reference?: string | null;
  readonly reporter?: string | null;
}

/** Validate one indicator into an IOC, or a rejection with the raw value and a reason (never throws). */
export function normalizeIndicator(input: IndicatorInput): RecordOutcome {
  const reject = (reason: string): RecordOutcome => ({ ok: false, rejection: { value: input.value, reason } });
  const typed = normalizeIndicatorValue(input.kind, input.value, input.port);
  if (!typed.ok) return reject(typed.reason);
  const firstSeen = parseLooseTimestamp(input.firstSeen);
  if (!firstSeen.ok) return reject(`first seen: ${firstSeen.reason}`);
  if (firstSeen.value === null) return reject('missing first seen date');
  const lastSeen = parseLooseTimestamp(input.lastSeen);
  if (!lastSeen.ok) return reject(`last seen: ${lastSeen.reason}`);
  const confidence = parseConfidence(input.confidence);
  if (!confidence.ok) return reject(confidence.reason);
  const id = optionalText(input.id);
  const reference = optionalText(input.reference);
  const reporter = optionalText(input.reporter);
  const base = {
    type: typed.value.type,
    value: typed.value.value,
    threatType: optionalText(input.threatType),
    firstSeen: firstSeen.value,
    lastSeen: lastSeen.value,
    confidence: confidence.value,
    tags: parseTags(input.tags),
    sourceIds: id === null ? [] : [id],
    references: reference === null ? [] : [reference],
    reporters: reporter === null ? [] : [reporter],
    isCompromised: false,
    flags: [],
  };
  const ioc: Ioc = typed.value.port === undefined ? base : { ...base, port: typed.value.port };
  return { ok: true, record: { family: input.family, ioc } };
}

/** Parse a port given as its own field (STIX `dst_port`, MISP `ip|port`): integer 1..65535. */
export function portOf(raw: unknown): Result<number> {
  if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 1 && raw <= 65535 ? ok(raw) : fail(`invalid port ${raw}`);
  if (typeof raw === 'string') return parsePort(raw.trim());
  return fail('invalid port');
}
