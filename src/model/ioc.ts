/**
 * The one IOC model every feed parses into. Plain readonly data; no classes.
 */

/** IOC types huntpack understands. ThreatFox `ip:port` becomes `ipv4` or `ipv6` with a `port`. */
export const IOC_TYPES = ['domain', 'url', 'ipv4', 'ipv6', 'md5', 'sha1', 'sha256', 'sha3-384', 'email'] as const;
export type IocType = (typeof IOC_TYPES)[number];

/** Flags attached to an IOC by normalisation or by warninglists (e.g. `reserved-name`, `compromised`). */
export interface IocFlag {
  /** Stable code, kebab-case, e.g. `reserved-name`. */
  readonly code: string;
  /** One-sentence human explanation. */
  readonly reason: string;
  /** The list or step that raised it, e.g. `rfc6761` or `threatfox/is_compromised`. */
  readonly source: string;
}

/** A normalised, validated indicator of one malware family. */
export interface Ioc {
  readonly type: IocType;
  /** Normalised value: lower-case domain (punycode), URL with lower-case scheme and host, canonical IP, lower-case hex hash, lower-case email. */
  readonly value: string;
  /** Destination port, ip types only (from ThreatFox `ip:port`). */
  readonly port?: number;
  /** ThreatFox threat_type (`botnet_cc`, `payload_delivery`, `payload`, or any other opaque string); null when absent. */
  readonly threatType: string | null;
  /** ISO-8601 UTC, e.g. `2026-04-24T10:12:31Z`. */
  readonly firstSeen: string;
  /** ISO-8601 UTC or null. */
  readonly lastSeen: string | null;
  /** 0..100, or null when the feed gave none. */
  readonly confidence: number | null;
  /** Sorted, de-duplicated (case-insensitively) tags. */
  readonly tags: readonly string[];
  /** Sorted feed record ids this IOC came from. */
  readonly sourceIds: readonly string[];
  /** Sorted distinct references (URLs or text) from the feed. */
  readonly references: readonly string[];
  /** Sorted distinct reporters. */
  readonly reporters: readonly string[];
  /** ThreatFox `is_compromised`: a hacked legitimate asset. */
  readonly isCompromised: boolean;
  readonly flags: readonly IocFlag[];
}

/** Malware family as given by the feed. */
export interface FamilyRef {
  /** Feed id, e.g. `js.kongtuke`; `unknown` for unattributed IOCs. */
  readonly id: string;
  /** Printable name, e.g. `KongTuke`. */
  readonly name: string;
  /** Sorted, de-duplicated aliases. */
  readonly aliases: readonly string[];
}

/** One record of a feed after normalisation: an IOC plus the family it belongs to. */
export interface FeedIoc {
  readonly family: FamilyRef;
  readonly ioc: Ioc;
}
