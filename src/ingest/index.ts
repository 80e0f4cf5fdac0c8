/**
 * Ingest: feed bytes (ThreatFox, STIX 2.1, MISP, generic CSV, free text) → validated, normalised records plus rejected
 * records and warnings.
 *
 * Pipeline: {@link sniffFeed} detects the format from content; a format parser (see `parsers`) yields records one at a
 * time: ThreatFox raw records are normalised on the spot ({@link normalizeRecord}); the other formats validate through
 * `normalizeIndicator` and yield normalised records. No per-format intermediate list is kept.
 */
import { readFile, stat } from 'node:fs/promises';
import type { FamilyRef, Ioc } from '../model/ioc.js';
import { FeedError, type Rejected, type SourceLocation, type Warning } from '../model/issue.js';
import { normalizeRecord } from '../normalize/record.js';
import { oneLine } from '../normalize/text.js';
import { parseCsv } from './csv.js';
import { parseFreeText } from './freetext.js';
import { parseGenericCsv } from './generic-csv.js';
import { locationOf, type FeedItem } from './items.js';
import { parseApiArray, parseApiResponse, parseJsonExport, parseNdjson } from './json.js';
import { parseMisp } from './misp.js';
import { optionFamily, type ParseOptions } from './options.js';
import { parseStixBundle } from './stix.js';
import { sniffFeed, type FeedFormat, type SniffedFeed } from './sniff.js';
import { splitLines } from './text.js';
import { openStream, type StreamedFeed } from './stream.js';

export type { FeedFormat } from './sniff.js';
export type { FeedItem } from './items.js';
export type { ParseOptions } from './options.js';

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
type FeedParser = (feed: SniffedFeed, file: string, options: ParseOptions) => Iterable<FeedItem>;

const parsers: { readonly [F in FeedFormat]: FeedParser } = {
  'threatfox-api': (feed, file) => parseApiResponse(feed.json, file),
  'threatfox-array': (feed, file) => parseApiArray(feed.json, file),
  'threatfox-json-export': (feed, file) => parseJsonExport(feed.json, file),
  'threatfox-ndjson': (feed, file) => parseNdjson(splitLines(feed.text), file),
  'threatfox-csv': (feed, file) => parseCsv(splitLines(feed.text), file),
  'threatfox-csv-zip': (feed, file) => parseCsv(splitLines(feed.text), file),
  'stix-bundle': (feed, file, options) => parseStixBundle(feed.json, file, options),
  misp: (feed, file, options) => parseMisp(feed.json, file, options),
  csv: (feed, file, options) => parseGenericCsv(splitLines(feed.text), file, options),
  text: (feed, file, options) => parseFreeText(splitLines(feed.text), file, options),
};

// Rejection reasons and values embed feed data: keep them one line and bounded for the report.
const MAX_VALUE = 300;
const MAX_REASON = 400;

/**
 * Parse a feed from its bytes. The format is detected from content (see {@link FeedFormat}).
 * Invalid records are returned in `rejected`, never thrown; throws {@link FeedError} only for fatal problems (not a
 * feed, API error status, truncated JSON, HTML page, missing CSV columns, unreadable ZIP, text without any IOC).
 *
 * Options: `family` (`--family NAME`) puts IOCs without a family (family id `unknown`) under NAME; `map` names the
 * columns of a generic CSV; `firstSeen` is the date given to IOCs of undated inputs (free text, CSV without a date
 * column), else `fileTime` (set by {@link readFeed}), else 1970-01-01 with a warning.
 */
export function parseFeed(bytes: Uint8Array, file: string, options: ParseOptions = {}): ParsedFeed {
  const records: ParsedRecord[] = [];
  const summary = parseFeedTo(bytes, file, options, (r) => records.push(r));
  return { ...summary, records };
}

/** What reading a feed gave, without the records (they went to the caller's `onRecord`). */
export type FeedSummary = Omit<ParsedFeed, 'records'> & { readonly accepted: number };

/**
 * {@link parseFeed}, streaming: each valid record goes to `onRecord` as it is parsed and is not kept, so a caller that
 * groups records as they come holds no list of them.
 */
export function parseFeedTo(bytes: Uint8Array, file: string, options: ParseOptions, onRecord: (record: ParsedRecord) => void): FeedSummary {
  const feed = sniffFeed(bytes, file, options);
  return consumeItems(feed.format, [feed.warnings, parsers[feed.format](feed, file, options)], file, options, onRecord);
}

/** Turn a parser's items into records, rejections and warnings. */
export function consumeItems(
  format: FeedFormat,
  sources: readonly Iterable<FeedItem>[],
  file: string,
  options: ParseOptions,
  onRecord: (record: ParsedRecord) => void,
): FeedSummary {
  const rejected: Rejected[] = [];
  const warnings: Warning[] = [];
  const family = optionFamily(options);
  let accepted = 0;
  const add = (record: { family: FamilyRef; ioc: Ioc }, location: SourceLocation): void => {
    accepted++;
    onRecord({ family: family !== null && record.family.id === 'unknown' ? family : record.family, ioc: record.ioc, location });
  };
  for (const source of sources) {
    for (const item of source) {
      if (item.kind === 'warning') {
        warnings.push({ location: item.location, message: item.message });
      } else if (item.kind === 'ioc') {
        add(item.record, item.location);
      } else if (item.kind === 'rejected') {
        rejected.push({ location: item.location, value: oneLine(item.value, MAX_VALUE), reason: oneLine(item.reason, MAX_REASON) });
      } else {
        const outcome = normalizeRecord(item.raw);
        if (outcome.ok) add(outcome.record, item.location);
        else rejected.push({ location: item.location, value: oneLine(outcome.rejection.value, MAX_VALUE), reason: oneLine(outcome.rejection.reason, MAX_REASON) });
      }
    }
  }
  const recordsRead = accepted + rejected.length;
  if (recordsRead === 0) warnings.push({ location: locationOf(file, {}), message: 'the feed holds no IOC records' });
  return { file, format, rejected, warnings, recordsRead, accepted };
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
 * Read and parse a feed file. `displayName` (default: `path`) is used in locations and messages; `options` as in
 * {@link parseFeed} (the file's modification time is the first-seen fallback for undated inputs).
 * Throws {@link FeedError} when the file cannot be read or is not a usable feed.
 */
export async function readFeed(path: string, displayName: string = path, options: ParseOptions = {}): Promise<ParsedFeed> {
  const records: ParsedRecord[] = [];
  const summary = await readFeedTo(path, displayName, options, (r) => records.push(r));
  return { ...summary, records };
}

/** {@link readFeed}, streaming each valid record to `onRecord` (see {@link parseFeedTo}). */
export async function readFeedTo(path: string, displayName: string, options: ParseOptions, onRecord: (record: ParsedRecord) => void): Promise<FeedSummary> {
  let size: number;
  let fileTime: string | undefined;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = info.size;
    fileTime = new Date(Math.floor(info.mtimeMs / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
  } catch (error) {
    throw new FeedError(displayName, `cannot read file: ${describeReadError(error)}`);
  }
  const withTime: ParseOptions = { ...options, ...(options.fileTime === undefined ? { fileTime } : {}) };
  let stream: StreamedFeed | undefined;
  try {
    stream = openStream(path, size, displayName, { ...(options.streamFrom !== undefined ? { minBytes: options.streamFrom } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  } catch (error) {
    if (error instanceof FeedError) throw error;
    throw new FeedError(displayName, `cannot read file: ${describeReadError(error)}`);
  }
  if (stream !== undefined) return consumeItems(stream.format, [stream.items], displayName, withTime, onRecord);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new FeedError(displayName, `cannot read file: ${describeReadError(error)}`);
  }
  return parseFeedTo(bytes, displayName, withTime, onRecord);
}
