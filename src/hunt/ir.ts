/**
 * The hunt intermediate representation: what a hunt means, independent of how it is written.
 * The KQL renderer turns a Hunt into text; the local evaluator runs the same Hunt over rows.
 * Keep the predicate vocabulary small and closed: a new kind needs its KQL rendering, its evaluator
 * implementation and its test vectors in one change.
 */
import type { IocType } from '../model/ioc.js';

/** A network endpoint IOC: canonical IP text (IPv4 dotted, IPv6 RFC 5952) and port. */
export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** A named, sorted, de-duplicated set of IOC values that predicates refer to. */
export type ValueSet =
  | { readonly kind: 'domains'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'urls'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'endpoints'; readonly name: string; readonly values: readonly Endpoint[] }
  | { readonly kind: 'ips'; readonly name: string; readonly values: readonly string[] }
  /** Lower-case strings compared case-insensitively: hashes, e-mail addresses. */
  | { readonly kind: 'strings'; readonly name: string; readonly values: readonly string[] };

/**
 * A predicate. `set` names a ValueSet of the hunt; `values` is an inline literal list (used by exclusions).
 * Meanings (normative; the evaluator implements exactly these, the KQL renderer their equivalent):
 * - equals-any: lower(col) is one of the values (case-insensitive equality).
 * - starts-with-any: lower(col) starts with one of the lower-cased values.
 * - host-in-domains: for each listed column, host = hostOf(col) (`source: url`) or col itself (`fqdn`), lower-cased,
 *   trailing dots removed; true iff for some column host == d or host ends with "." + d for some d.
 * - url-equals-any: urlKey(col) == urlKey(u) for some IOC URL u (see hunt/semantics.ts).
 * - ip-in: canonical(col) == canonical(ip) for some ip (IPv4 and IPv4-mapped IPv6 are one address).
 * - ip-port-in: ip-in on ipColumn and int(portColumn) == the IOC's port, for one IOC.
 * - contains-any: lower(col) contains one of the lower-cased values (substring, as KQL `contains`).
 * - any / all: at least one / every sub-predicate holds. Only expression kinds (equals-any, starts-with-any,
 *   contains-any, any, all) may be nested.
 */
export type Predicate =
  | { readonly kind: 'equals-any'; readonly column: string; readonly set?: string; readonly values?: readonly string[] }
  | { readonly kind: 'starts-with-any'; readonly column: string; readonly values: readonly string[] }
  | { readonly kind: 'contains-any'; readonly column: string; readonly values: readonly string[] }
  | { readonly kind: 'all'; readonly of: readonly Predicate[] }
  | { readonly kind: 'host-in-domains'; readonly columns: readonly HostColumn[]; readonly set: string }
  | { readonly kind: 'url-equals-any'; readonly column: string; readonly set: string }
  | { readonly kind: 'ip-in'; readonly column: string; readonly set: string }
  | { readonly kind: 'ip-port-in'; readonly ipColumn: string; readonly portColumn: string; readonly set: string }
  | { readonly kind: 'any'; readonly of: readonly Predicate[] };

/** A column holding a host name (`fqdn`) or a URL or bare host (`url`). */
export interface HostColumn {
  readonly column: string;
  readonly source: 'url' | 'fqdn';
}

/**
 * How a hunt reads its rows: a table, or an ASIM filtering parser called with arguments. `values` arguments pass an IOC
 * set (or a derived list) as the parser's prefilter; they narrow rows only, the predicates still decide the match.
 */
export interface FunctionSource {
  readonly name: string;
  readonly args: readonly FunctionArg[];
}
export type FunctionArg =
  | { readonly name: string; readonly kind: 'lookback' }
  /** The values of a set; `derive` picks URL hosts, or IPv4 addresses only (empty when the set holds IPv6, to keep every row). */
  | { readonly name: string; readonly kind: 'values'; readonly set: string; readonly derive?: 'url-hosts' | 'ipv4-only' };

/** A false-positive exclusion: rows matching `predicate` are dropped when the exclusion is enabled. */
export interface Exclusion {
  readonly id: string;
  readonly scenario: string;
  readonly predicate: Predicate;
}

export type Platform = 'sentinel' | 'defender';
export type HuntConfidence = 'high' | 'medium' | 'low';

/** One hunt: one table, one platform. */
export interface Hunt {
  /** Unique within a pack, kebab-case: `<matrix id>`; the file is `queries/<platform>/<id>.kql`. */
  readonly id: string;
  readonly platform: Platform;
  readonly title: string;
  readonly description: string;
  /** The table whose columns the hunt reads (for an ASIM parser, its name, e.g. `_Im_Dns`). */
  readonly table: string;
  /** Set when rows come from an ASIM parser call rather than a table. */
  readonly source?: FunctionSource;
  readonly timeColumn: string;
  readonly lookbackDays: number;
  readonly iocTypes: readonly IocType[];
  readonly confidence: HuntConfidence;
  readonly connectorId: string;
  readonly sets: readonly ValueSet[];
  /** All must hold. */
  readonly where: readonly Predicate[];
  /** Rendered commented-out in KQL; applied by the evaluator only when asked. */
  readonly exclusions: readonly Exclusion[];
  /** Output columns, before the added `MatchedIoc`. */
  readonly project: readonly string[];
  /**
   * Where the IOC values come from: inline literals (default), or a Sentinel watchlist per set (`alias` by set name),
   * for sets too large for a rule's 10,000 characters. The meaning is the same.
   */
  readonly watchlists?: Readonly<Record<string, string>>;
  /**
   * Where the IOC values come from on a platform without watchlists, for sets too large to inline: the HTTPS URL of the
   * set's CSV (the same file as the watchlist) by set name, read with `externaldata`. The meaning is the same.
   */
  readonly listUrls?: Readonly<Record<string, string>>;
  /** Set on the parts of a hunt split to respect limits: 1-based part number and count. */
  readonly chunk?: { readonly index: number; readonly count: number };
}
