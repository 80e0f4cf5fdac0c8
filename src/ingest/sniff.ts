/**
 * Format detection from content, never from the file name: ZIP magic, BOM, HTML error pages, JSON shapes, NDJSON,
 * ThreatFox CSV. Anything else is a FeedError `not a ThreatFox feed: ...`.
 */
import { FeedError } from '../model/issue.js';
import { oneLine } from '../normalize/text.js';
import { locationOf, type FeedItem } from './items.js';
import { classifyJson, invalidJsonError, looksLikeNdjson } from './json.js';
import { decodeText, splitLines } from './text.js';
import { extractFeedEntry, isZip } from './zip.js';

/** Every input format huntpack reads. */
export type FeedFormat =
  | 'threatfox-api'
  | 'threatfox-array'
  | 'threatfox-ndjson'
  | 'threatfox-json-export'
  | 'threatfox-csv'
  | 'threatfox-csv-zip';

/** A detected input: its format, the decoded text, the parsed JSON document for JSON formats, and early warnings. */
export interface SniffedFeed {
  readonly format: FeedFormat;
  readonly text: string;
  readonly json?: unknown;
  readonly warnings: readonly FeedItem[];
}

const TITLE = /<title[^>]*>([\s\S]*?)<\/title\s*>/i;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: ' ' };
const CSV_START = /^\s*(?:#|")/;

function htmlTitle(text: string): string | null {
  const m = TITLE.exec(text.slice(0, 65536));
  if (m === null) return null;
  const title = oneLine((m[1] as string).replace(/&(amp|lt|gt|quot|apos|#39|nbsp);/g, (_, name: string) => ENTITIES[name] ?? ''), 120);
  return title === '' ? null : title;
}

function firstLineOf(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}

/** Detect the format of decoded text (no ZIP here). */
function sniffText(text: string, file: string): SniffedFeed {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.search(/\S/);
  if (start < 0) throw new FeedError(file, body.length === 0 ? 'not a ThreatFox feed: the file is empty' : 'not a ThreatFox feed: the file holds only whitespace');
  const first = body[start];
  if (body.slice(0, 1024).includes('\u0000')) throw new FeedError(file, 'not a ThreatFox feed: binary data');
  if (first === '<') {
    const title = htmlTitle(body);
    throw new FeedError(file, `looks like an HTML page${title === null ? '' : ` ("${title}")`}, not a ThreatFox feed`);
  }
  if (first === '{' || first === '[') {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      if (first === '{' && looksLikeNdjson(splitLines(body))) return { format: 'threatfox-ndjson', text: body, warnings: [] };
      throw invalidJsonError(body, file, error);
    }
    return { format: classifyJson(json, file), text: body, json, warnings: [] };
  }
  const firstLine = firstLineOf(body.slice(start));
  if (CSV_START.test(firstLine) || (firstLine.includes('first_seen_utc') && firstLine.includes('ioc_value'))) {
    return { format: 'threatfox-csv', text: body, warnings: [] };
  }
  throw new FeedError(file, `not a ThreatFox feed: expected JSON, NDJSON or ThreatFox CSV, found text starting "${oneLine(firstLine, 60)}"`);
}

/**
 * Detect the format of raw file bytes. A ZIP is opened and its feed entry (`full.csv`, else the first `.csv`/`.json`)
 * detected in turn; a CSV from a ZIP is `threatfox-csv-zip`.
 */
export function sniffFeed(bytes: Uint8Array, file: string): SniffedFeed {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new FeedError(file, 'not a ThreatFox feed: gzip-compressed data (decompress it first)');
  if (!isZip(bytes)) return sniffText(decodeText(bytes, file), file);
  const entry = extractFeedEntry(bytes, file);
  if (isZip(entry.content)) throw new FeedError(file, `not a ThreatFox feed: ZIP entry "${oneLine(entry.name, 80)}" is itself a ZIP archive`);
  const inner = sniffText(decodeText(entry.content, file), file);
  const others = entry.names.filter((name) => name !== entry.name && !name.endsWith('/'));
  const warnings: FeedItem[] =
    others.length === 0
      ? []
      : [{ kind: 'warning', location: locationOf(file, {}), message: `ZIP archive: read "${oneLine(entry.name, 80)}", ignored ${others.length} other entr${others.length === 1 ? 'y' : 'ies'}` }];
  return { ...inner, format: inner.format === 'threatfox-csv' ? 'threatfox-csv-zip' : inner.format, warnings };
}
