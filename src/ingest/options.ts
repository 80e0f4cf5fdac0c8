/**
 * Options every format parser receives, and helpers shared by the non-ThreatFox parsers (STIX, MISP, generic CSV,
 * free text), which validate through {@link normalizeIndicator} and yield already normalised records.
 */
import type { FamilyRef } from '../model/ioc.js';
import type { SourceLocation } from '../model/issue.js';
import { familyFromName, normalizeIndicator, UNKNOWN_FAMILY, type IndicatorInput } from '../normalize/indicator.js';
import { oneLine } from '../normalize/text.js';
import type { FeedItem } from './items.js';

/** Options of {@link parseFeed} / {@link readFeed}. */
export interface ParseOptions {
  /** `--family NAME`: the family of IOCs that carry none (free text, unattributed records, ThreatFox `unknown`). */
  readonly family?: string;
  /**
   * `--map value=col,type=col,family=col,first_seen=col,last_seen=col,confidence=col,tags=col,threat_type=col`: which
   * generic-CSV column holds what (names compared case-insensitively). Without it, well-known header names are used.
   */
  readonly map?: Readonly<Record<string, string>>;
  /** ISO-8601 date used as first seen for IOCs whose input has no date (free text, CSV without a date column). */
  readonly firstSeen?: string;
  /** Set by {@link readFeed}: the file's modification time, the fallback when `firstSeen` is not given. */
  readonly fileTime?: string;
  /** Stream files (or ZIP entries) of at least this many bytes in a streamed shape (default 32 MiB; see ingest/stream.ts). */
  readonly streamFrom?: number;
  /** Reading progress of a streamed file: bytes read of the file's size. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The first-seen fallback for undated inputs and where it comes from (for the warning). */
export interface DateFallback {
  readonly date: string;
  readonly source: string;
}

export const EPOCH = '1970-01-01T00:00:00Z';

export function dateFallback(options: ParseOptions): DateFallback {
  if (options.firstSeen !== undefined) return { date: options.firstSeen, source: 'the --first-seen option' };
  if (options.fileTime !== undefined) return { date: options.fileTime, source: "the file's modification time; pass --first-seen DATE for reproducible packs" };
  return { date: EPOCH, source: 'no date known; pass --first-seen DATE' };
}

/** The family for `--family NAME`, or null. */
export function optionFamily(options: ParseOptions): FamilyRef | null {
  const name = options.family?.trim();
  return name === undefined || name === '' ? null : familyFromName(name);
}

/** `--family` if given, else `unknown`. */
export function defaultFamily(options: ParseOptions): FamilyRef {
  return optionFamily(options) ?? UNKNOWN_FAMILY;
}

/** Validate one indicator and turn the outcome into a feed item. */
export function indicatorItem(input: IndicatorInput, location: SourceLocation): FeedItem {
  const outcome = normalizeIndicator(input);
  return outcome.ok
    ? { kind: 'ioc', record: outcome.record, location }
    : { kind: 'rejected', location, value: outcome.rejection.value, reason: outcome.rejection.reason };
}

/** Short JSON excerpt of an unexpected value, safe for deep or cyclic input. */
export function excerptOf(value: unknown, max = 200): string {
  if (value === null || typeof value !== 'object') return oneLine(JSON.stringify(value) ?? String(value), max);
  try {
    return oneLine(JSON.stringify(value) ?? String(value), max);
  } catch {
    // Deeply nested input overflows JSON.stringify's recursion.
    return Array.isArray(value) ? '[…]' : '{…}';
  }
}

/** A non-empty trimmed string field, else null. Own properties only. */
export function stringField(object: Readonly<Record<string, unknown>>, key: string): string | null {
  if (!Object.hasOwn(object, key)) return null;
  const value = object[key];
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' ? null : text;
}

/** An own property, or undefined (never a prototype member such as `constructor`). */
export function own(object: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
