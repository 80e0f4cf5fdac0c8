/**
 * Ingest: ThreatFox feed bytes → validated, normalised records plus rejected records and warnings.
 *
 * Pipeline: {@link sniffFeed} detects the format from content; a format parser (see `parsers`) yields raw records one
 * at a time; each is normalised on the spot ({@link normalizeRecord}) so no per-format intermediate list is kept.
 */
import { readFile } from 'node:fs/promises';
import type { FamilyRef, Ioc } from '../model/ioc.js';
import { FeedError, type Rejected, type SourceLocation, type Warning } from '../model/issue.js';
import { normalizeRecord } from '../normalize/record.js';
import { oneLine } from '../normalize/text.js';
import { parseCsv } from './csv.js';
import { locationOf, type FeedItem } from './items.js';
import { parseApiArray, parseApiResponse, parseJsonExport, parseNdjson } from './json.js';
import { sniffFeed, type FeedFormat, type SniffedFeed } from './sniff.js';
import { splitLines } from './text.js';

export type { FeedFormat } from './sniff.js';
export type { FeedItem } from './items.js';

/** One valid record: the IOC and the family it belongs to, with where it came from. */
export interface ParsedRecord {
  readonly family: FamilyRef;
  readonly ioc: Ioc;
  readonly location: SourceLocation;
}

/** The result of reading one feed file. */
export interface ParsedFeed {
  /** The file as given (display path). */
  readonly file: string;
  readonly format: FeedFormat;
  /** Valid records, in input order. */
  readonly records: readonly ParsedRecord[];
  /** Invalid records with location and reason. */
  readonly rejected: readonly Rejected[];
  readonly warnings: readonly Warning[];
  /** Valid + rejected. */
  readonly recordsRead: number;
}

/** A format parser: yields items one at a time so a streaming reader can later replace the whole-text input. */
type FeedParser = (feed: SniffedFeed, file: string) => Iterable<FeedItem>;

const parsers: { readonly [F in FeedFormat]: FeedParser } = {
  'threatfox-api': (feed, file) => parseApiResponse(feed.json, file),
  'threatfox-array': (feed, file) => parseApiArray(feed.json, file),
  'threatfox-json-export': (feed, file) => parseJsonExport(feed.json, file),
  'threatfox-ndjson': (feed, file) => parseNdjson(splitLines(feed.text), file),
  'threatfox-csv': (feed, file) => parseCsv(splitLines(feed.text), file),
  'threatfox-csv-zip': (feed, file) => parseCsv(splitLines(feed.text), file),
};

// Rejection reasons and values embed feed data: keep them one line and bounded for the report.
const MAX_VALUE = 300;
const MAX_REASON = 400;

/**
 * Parse a ThreatFox feed from its bytes. The format is detected from content (see {@link FeedFormat}).
 * Invalid records are returned in `rejected`, never thrown; throws {@link FeedError} only for fatal problems (not a
 * feed, API error status, truncated JSON, HTML page, missing CSV columns, unreadable ZIP).
 */
export function parseFeed(bytes: Uint8Array, file: string): ParsedFeed {
  const feed = sniffFeed(bytes, file);
  const records: ParsedRecord[] = [];
  const rejected: Rejected[] = [];
  const warnings: Warning[] = [];
  const items: Iterable<FeedItem>[] = [feed.warnings, parsers[feed.format](feed, file)];
  for (const source of items) {
    for (const item of source) {
      if (item.kind === 'warning') {
        warnings.push({ location: item.location, message: item.message });
      } else if (item.kind === 'rejected') {
        rejected.push({ location: item.location, value: oneLine(item.value, MAX_VALUE), reason: oneLine(item.reason, MAX_REASON) });
      } else {
        const outcome = normalizeRecord(item.raw);
        if (outcome.ok) records.push({ family: outcome.record.family, ioc: outcome.record.ioc, location: item.location });
        else rejected.push({ location: item.location, value: oneLine(outcome.rejection.value, MAX_VALUE), reason: oneLine(outcome.rejection.reason, MAX_REASON) });
      }
    }
  }
  const recordsRead = records.length + rejected.length;
  if (recordsRead === 0) warnings.push({ location: locationOf(file, {}), message: 'the feed holds no IOC records' });
  return { file, format: feed.format, records, rejected, warnings, recordsRead };
}

function describeReadError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return oneLine(error instanceof Error ? error.message : String(error), 200);
  }
}

/**
 * Read and parse a feed file. `displayName` (default: `path`) is used in locations and messages.
 * Throws {@link FeedError} when the file cannot be read or is not a usable feed.
 */
export async function readFeed(path: string, displayName: string = path): Promise<ParsedFeed> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FeedError(displayName, `cannot read file: ${describeReadError(error)}`);
  }
  return parseFeed(bytes, displayName);
}
