/**
 * What a format parser yields, one at a time: a raw ThreatFox record to normalise, an already normalised record (STIX,
 * MISP, generic CSV, free text), a record rejected before normalisation (malformed CSV row, unparseable NDJSON line,
 * non-object entry, unsupported STIX pattern), or a warning about the input.
 */
import type { SourceLocation } from '../model/issue.js';
import type { NormalizedRecord, RawRecord } from '../normalize/record.js';

export type FeedItem =
  | { readonly kind: 'record'; readonly raw: RawRecord; readonly location: SourceLocation }
  /** An already normalised record (formats other than ThreatFox validate through `normalizeIndicator`). */
  | { readonly kind: 'ioc'; readonly record: NormalizedRecord; readonly location: SourceLocation }
  | { readonly kind: 'rejected'; readonly location: SourceLocation; readonly value: string; readonly reason: string }
  | { readonly kind: 'warning'; readonly location: SourceLocation; readonly message: string };

/** Build a location without `undefined` members (so locations compare cleanly and serialise minimally). */
export function locationOf(file: string, parts: { line?: number; recordId?: string | null; pointer?: string }): SourceLocation {
  const location: { file: string; line?: number; recordId?: string; pointer?: string } = { file };
  if (parts.line !== undefined) location.line = parts.line;
  if (parts.recordId !== undefined && parts.recordId !== null) location.recordId = parts.recordId;
  if (parts.pointer !== undefined) location.pointer = parts.pointer;
  return location;
}

/** Escape one JSON-pointer reference token (RFC 6901). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
