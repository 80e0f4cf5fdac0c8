/**
 * One feed record → one validated {@link Ioc} plus its {@link FamilyRef}, or a rejection reason.
 * Ingest maps each source's field names onto {@link RawRecord}; everything here is source-independent.
 */
import { UNKNOWN_FAMILY } from './indicator.js';
import type { FamilyRef, Ioc, IocType } from '../model/ioc.js';
import { normalizeTimestamp } from './date.js';
import { normalizeDomain } from './domain.js';
import { normalizeEmail } from './email.js';
import { describe, parseAliases, parseConfidence, parseFlag, parseTags } from './fields.js';
import { normalizeHash, type HashType } from './hash.js';
import { parseIpPort } from './ip.js';
import { ok, optionalText, type Result } from './text.js';
import { normalizeUrl } from './url.js';

/**
 * A feed record with source-specific names already mapped (API `ioc` / export `ioc_value` → `value`, ...), but with
 * untrusted values: anything may be missing or of the wrong JSON type.
 */
export interface RawRecord {
  readonly id: unknown;
  readonly value: unknown;
  readonly iocType: unknown;
  readonly threatType: unknown;
  readonly malware: unknown;
  readonly malwarePrintable: unknown;
  /** Comma string (or defensively an array). */
  readonly malwareAlias: unknown;
  readonly firstSeen: unknown;
  readonly lastSeen: unknown;
  readonly confidence: unknown;
  readonly reference: unknown;
  readonly reporter: unknown;
  /** Array (API) or comma string (exports). */
  readonly tags: unknown;
  readonly isCompromised: unknown;
}

/** A normalised record. */
export interface NormalizedRecord {
  readonly family: FamilyRef;
  readonly ioc: Ioc;
}

/** Why a record was rejected, with the raw value (one line) for the report. */
export interface RecordRejection {
  readonly value: string;
  readonly reason: string;
}

/** The outcome of {@link normalizeRecord}. */
export type RecordOutcome =
  | { readonly ok: true; readonly record: NormalizedRecord }
  | { readonly ok: false; readonly rejection: RecordRejection };

interface TypedValue {
  readonly type: IocType;
  readonly value: string;
  readonly port?: number;
}

type ValueNormalizer = (value: string) => Result<TypedValue>;

function hashOf(type: HashType): ValueNormalizer {
  return (value) => {
    const hash = normalizeHash(type, value);
    return hash.ok ? ok({ type, value: hash.value }) : hash;
  };
}

function email(value: string): Result<TypedValue> {
  const address = normalizeEmail(value);
  return address.ok ? ok({ type: 'email', value: address.value }) : address;
}

/** ThreatFox `ioc_type` → normaliser producing the huntpack type. Unknown types are rejected, never guessed. */
const VALUE_NORMALIZERS: ReadonlyMap<string, ValueNormalizer> = new Map<string, ValueNormalizer>([
  ['domain', (value) => {
    const domain = normalizeDomain(value);
    return domain.ok ? ok({ type: 'domain', value: domain.value }) : domain;
  }],
  ['url', (value) => {
    const url = normalizeUrl(value);
    return url.ok ? ok({ type: 'url', value: url.value }) : url;
  }],
  ['ip:port', (value) => parseIpPort(value)],
  ['md5_hash', hashOf('md5')],
  ['sha1_hash', hashOf('sha1')],
  ['sha256_hash', hashOf('sha256')],
  ['sha3_384_hash', hashOf('sha3-384')],
  ['envelope_from', email],
  ['body_from', email],
]);

/** The ThreatFox `ioc_type` values huntpack understands. */
export const THREATFOX_IOC_TYPES: readonly string[] = [...VALUE_NORMALIZERS.keys()];

function reject(value: string, reason: string): RecordOutcome {
  return { ok: false, rejection: { value, reason } };
}

/** The record id as a string (`841538` and `"841538"` are the same id), or null. */
export function recordIdOf(raw: unknown): string | null {
  return optionalText(raw);
}

/**
 * The family a record belongs to: `malware` id, printable name, aliases. Without an id it is the unknown family, named
 * as such: a printable name or aliases on an id-less record say nothing reliable, and taking them would title every
 * unattributed IOC after whichever such record came first.
 */
export function familyOf(record: Pick<RawRecord, 'malware' | 'malwarePrintable' | 'malwareAlias'>): FamilyRef {
  const id = optionalText(record.malware) ?? 'unknown';
  if (id === 'unknown') return UNKNOWN_FAMILY;
  return { id, name: optionalText(record.malwarePrintable) ?? id, aliases: parseAliases(record.malwareAlias) };
}

/**
 * Validate and normalise one record. Never throws: every problem (no value, unknown `ioc_type`, invalid value or port,
 * missing or bad `first_seen`, bad `last_seen`, bad confidence) becomes a rejection with the raw value and a reason.
 */
export function normalizeRecord(record: RawRecord): RecordOutcome {
  const rawValue =
    typeof record.value === 'string' ? record.value : record.value === undefined || record.value === null ? '' : describe(record.value);
  if (typeof record.value !== 'string' && record.value !== null && record.value !== undefined) {
    return reject(rawValue, `IOC value is not a string (${describe(record.value)})`);
  }
  const valueText = optionalText(record.value);
  if (valueText === null) return reject(rawValue, 'record has no IOC value');
  const iocType = optionalText(record.iocType);
  if (iocType === null) return reject(rawValue, 'record has no ioc_type');
  const normalizer = VALUE_NORMALIZERS.get(iocType.toLowerCase());
  if (normalizer === undefined) return reject(rawValue, `unknown ioc_type "${iocType}"`);
  const typed = normalizer(valueText);
  if (!typed.ok) return reject(rawValue, typed.reason);

  const firstSeenText = optionalText(record.firstSeen);
  if (firstSeenText === null) return reject(rawValue, 'missing first_seen');
  const firstSeen = normalizeTimestamp(firstSeenText);
  if (!firstSeen.ok) return reject(rawValue, `first_seen: ${firstSeen.reason}`);
  const lastSeenText = optionalText(record.lastSeen);
  const lastSeen = lastSeenText === null ? ok(null) : normalizeTimestamp(lastSeenText);
  if (!lastSeen.ok) return reject(rawValue, `last_seen: ${lastSeen.reason}`);
  const confidence = parseConfidence(record.confidence);
  if (!confidence.ok) return reject(rawValue, confidence.reason);

  const id = recordIdOf(record.id);
  const reference = optionalText(record.reference);
  const reporter = optionalText(record.reporter);
  const base = {
    type: typed.value.type,
    value: typed.value.value,
    threatType: optionalText(record.threatType),
    firstSeen: firstSeen.value,
    lastSeen: lastSeen.value,
    confidence: confidence.value,
    tags: parseTags(record.tags),
    sourceIds: id === null ? [] : [id],
    references: reference === null ? [] : [reference],
    reporters: reporter === null ? [] : [reporter],
    isCompromised: parseFlag(record.isCompromised),
    flags: [],
  };
  // `port` exists only on ip types: an explicit `port: undefined` would differ under strict equality.
  const ioc: Ioc = typed.value.port === undefined ? base : { ...base, port: typed.value.port };
  return { ok: true, record: { family: familyOf(record), ioc } };
}
