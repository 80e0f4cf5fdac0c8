/**
 * Format detection from content, never from the file name: ZIP magic, BOM, HTML error pages, JSON shapes (STIX 2.1
 * bundle, MISP event, ThreatFox API / array / export), NDJSON, ThreatFox CSV, generic CSV with a header row, and
 * anything else that is text → free-text extraction. HTML pages, truncated JSON and JSON that is no feed stay
 * FeedErrors; text in which no IOC is found is a FeedError too (raised by the free-text parser).
 */
import { FeedError } from '../model/issue.js';
import { oneLine } from '../normalize/text.js';
import { locationOf, type FeedItem } from './items.js';
import { findCsvHeader } from './generic-csv.js';
import { classifyJson, invalidJsonError, looksLikeNdjson } from './json.js';
import { isMispDocument } from './misp.js';
import type { ParseOptions } from './options.js';
import { isJsonObject } from './schema.js';
import { isStixBundle } from './stix.js';
import { decodeText, splitLines } from './text.js';
import { extractFeedEntry, isZip } from './zip.js';

/** Every input format huntpack reads. */
export type FeedFormat =
  | 'threatfox-api'
  | 'threatfox-array'
  | 'threatfox-ndjson'
  | 'threatfox-json-export'
  | 'threatfox-csv'
  | 'threatfox-csv-zip'
  /** STIX 2.1 (or 2.0) bundle `{"type": "bundle", "objects": [...]}`. */
  | 'stix-bundle'
  /** MISP event JSON `{"Event": ...}` or restSearch `{"response": ...}`. */
  | 'misp'
  /** A CSV with a header row naming a value column (not ThreatFox's commented header). */
  | 'csv'
  /** Any other text: IOCs extracted from prose, refanged. */
  | 'text';

/** A detected input: its format, the decoded text, the parsed JSON document for JSON formats, and early warnings. */
export interface SniffedFeed {
  readonly format: FeedFormat;
  readonly text: string;
  readonly json?: unknown;
  readonly warnings: readonly FeedItem[];
}

const TITLE = /<title[^>]*>([\s\S]*?)<\/title\s*>/i;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: ' ' };

function htmlTitle(text: string): string | null {
  const m = TITLE.exec(text.slice(0, 65536));
  if (m === null) return null;
  const title = oneLine((m[1] as string).replace(/&(amp|lt|gt|quot|apos|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? ''), 120);
  return title === '' ? null : title;
}

/**
 * Whether text is a ThreatFox CSV export: a leading `#` banner that names ThreatFox or holds the commented column header
 * (`# "first_seen_utc","ioc_id",...`), or an uncommented first line with that header.
 */
function isThreatFoxCsv(text: string): boolean {
  let seen = 0;
  for (const line of splitLines(text)) {
    const trimmed = line.text.trim();
    if (trimmed === '') continue;
    if (++seen > 60) return false;
    if (trimmed.startsWith('#')) {
      const comment = trimmed.slice(1).toLowerCase();
      if (comment.includes('threatfox') || comment.includes('first_seen_utc') || (comment.includes('ioc_value') && comment.includes('ioc_id'))) return true;
      continue;
    }
    return trimmed.includes('first_seen_utc') && trimmed.includes('ioc_value');
  }
  return false;
}

/**
 * Whether text starting with `{` or `[` is meant as JSON: the bracket is followed by something JSON can hold there.
 * `[TLP:CLEAR] Report …` or `{.} defang notes` are text; `{"a": tru` is broken JSON and must be reported as such.
 */
function looksLikeJson(body: string, start: number): boolean {
  const next = body.slice(start + 1).search(/\S/);
  if (next < 0) return true;
  const c = body[start + 1 + next] as string;
  return body[start] === '{' ? c === '"' || c === '}' : '{["]-0123456789tfn'.includes(c);
}

/** Detect the format of decoded text (no ZIP here). */
function sniffText(text: string, file: string, options: ParseOptions): SniffedFeed {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.search(/\S/);
  if (start < 0) throw new FeedError(file, body.length === 0 ? 'not a ThreatFox feed: the file is empty' : 'not a ThreatFox feed: the file holds only whitespace');
  const first = body[start];
  if (body.slice(0, 1024).includes('\u0000')) throw new FeedError(file, 'not a ThreatFox feed: binary data');
  if (first === '<') {
    const title = htmlTitle(body);
    throw new FeedError(file, `looks like an HTML page${title === null ? '' : ` ("${title}")`}, not a ThreatFox feed`);
  }
  if ((first === '{' || first === '[') && looksLikeJson(body, start)) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      if (first === '{' && looksLikeNdjson(splitLines(body))) return { format: 'threatfox-ndjson', text: body, warnings: [] };
      throw invalidJsonError(body, file, error);
    }
    if (isStixBundle(json)) return { format: 'stix-bundle', text: body, json, warnings: [] };
    if (isMispDocument(json)) return { format: 'misp', text: body, json, warnings: [] };
    if (isJsonObject(json) && Object.hasOwn(json, 'huntpack_fetch') && !Object.hasOwn(json, 'query_status')) {
      throw new FeedError(file, 'huntpack fetch metadata (a .meta.json sidecar), not a feed: build the file it describes');
    }
    return { format: classifyJson(json, file), text: body, json, warnings: [] };
  }
  if (isThreatFoxCsv(body)) return { format: 'threatfox-csv', text: body, warnings: [] };
  if (findCsvHeader(splitLines(body), file, options.map) !== null) return { format: 'csv', text: body, warnings: [] };
  return { format: 'text', text: body, warnings: [] };
}

/**
 * Detect the format of raw file bytes. A ZIP is opened and its feed entry (`full.csv`, else the first `.csv`/`.json`)
 * detected in turn; a CSV from a ZIP is `threatfox-csv-zip`.
 */
export function sniffFeed(bytes: Uint8Array, file: string, options: ParseOptions = {}): SniffedFeed {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new FeedError(file, 'not a ThreatFox feed: gzip-compressed data (decompress it first)');
  if (!isZip(bytes)) return sniffText(decodeText(bytes, file), file, options);
  const entry = extractFeedEntry(bytes, file);
  if (isZip(entry.content)) throw new FeedError(file, `not a ThreatFox feed: ZIP entry "${oneLine(entry.name, 80)}" is itself a ZIP archive`);
  const inner = sniffText(decodeText(entry.content, file), file, options);
  const others = entry.names.filter((name) => name !== entry.name && !name.endsWith('/'));
  const warnings: FeedItem[] =
    others.length === 0
      ? []
      : [{ kind: 'warning', location: locationOf(file, {}), message: `ZIP archive: read "${oneLine(entry.name, 80)}", ignored ${others.length} other entr${others.length === 1 ? 'y' : 'ies'}` }];
  return { ...inner, format: inner.format === 'threatfox-csv' ? 'threatfox-csv-zip' : inner.format, warnings };
}
