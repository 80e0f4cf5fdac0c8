/**
 * ThreatFox CSV export (recent, or `full.csv` from the full-dump ZIP).
 *
 * Shape: a `#` banner; the column header is itself a comment (`# "first_seen_utc","ioc_id",...`); rows of quoted
 * fields separated by `", "`; a `# Number of entries: N` trailer. Columns are mapped BY HEADER NAME (the 15th column,
 * `is_compromised`, was inserted mid-row in 2025 and broke positional parsers). Fields are split by csv-parse, never by
 * hand: URLs and tags contain commas.
 *
 * A ThreatFox record is one physical line unless a quoted field holds a line break (then its lines are joined while
 * its quotes are open, at most 20). Rows are parsed in batches (fast path) and a batch that fails is re-parsed row by
 * row, which pins a malformed row to its line without losing its neighbours.
 */
import { parse, type Options } from 'csv-parse/sync';
import { FeedError } from '../model/issue.js';
import { oneLine } from '../normalize/text.js';
import { locationOf, type FeedItem } from './items.js';
import { CSV_COLUMNS, fromCsvRow, REQUIRED_CSV_COLUMNS, type CsvColumn, type CsvColumnIndex } from './schema.js';
import type { Line } from './text.js';

const CSV_OPTIONS: Options = {
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: '\n',
  // `", "` separators: the space before each opening quote is outside the quotes.
  ltrim: true,
  rtrim: true,
  // Unquoted fields containing a quote (e.g. a stray editor note) stay one field instead of aborting the batch.
  relax_quotes: true,
  // A short or long row is reported as a rejected record with its line, not thrown.
  relax_column_count: true,
  skip_empty_lines: false,
};

const BATCH_LINES = 1000;
/** Physical lines one record may span (line breaks inside quoted fields) before its open quote is taken for a stray one. */
const MAX_RECORD_LINES = 20;

function quoteCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n;
}
const TRAILER = /^#\s*Number of entries:\s*([0-9]+)\s*$/i;
const KNOWN_COLUMNS: ReadonlySet<string> = new Set(CSV_COLUMNS);

type RowResult = string[] | { readonly error: string };

function parseOneLine(text: string): RowResult {
  try {
    const rows = parse(text, CSV_OPTIONS) as string[][];
    if (rows.length === 1 && rows[0] !== undefined) return rows[0];
    return { error: `malformed CSV row (${rows.length} records on one line)` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `malformed CSV row: ${oneLine(message.replace(/\s+at line \d+.*$/s, ''), 160)}` };
  }
}

/** Parse a batch of data lines; one result per line, in order. */
function parseBatch(lines: readonly Line[]): RowResult[] {
  try {
    const rows = parse(lines.map((line) => line.text).join('\n'), CSV_OPTIONS) as string[][];
    if (rows.length === lines.length) return rows;
  } catch {
    // Fall through: isolate the bad line(s).
  }
  return lines.map((line) => parseOneLine(line.text));
}

interface Header {
  readonly line: number;
  readonly names: readonly string[];
}

/** Column names if `text` (a header line without `#`) is a ThreatFox CSV header, else null. */
function headerNames(text: string): string[] | null {
  if (!text.includes('ioc_value') && !text.includes('first_seen_utc')) return null;
  const row = parseOneLine(text);
  if (!Array.isArray(row)) return null;
  const names = row.map((name) => name.trim().toLowerCase());
  const known = names.filter((name) => KNOWN_COLUMNS.has(name)).length;
  return known >= 2 ? names : null;
}

/** Find the header: a `#` comment line with the column list, or (defensively) an uncommented first line. */
function findHeader(lines: Iterator<Line>, file: string): Header {
  for (let next = lines.next(); !next.done; next = lines.next()) {
    const line = next.value;
    const text = line.text.trim();
    if (text === '') continue;
    if (text.startsWith('#')) {
      const names = headerNames(text.slice(1).trim());
      if (names !== null) return { line: line.number, names };
      continue;
    }
    const names = headerNames(text);
    if (names !== null) return { line: line.number, names };
    throw new FeedError(file, `not a ThreatFox feed: no CSV column header (# "first_seen_utc","ioc_id",...) before line ${line.number}`);
  }
  throw new FeedError(file, 'not a ThreatFox feed: no CSV column header (# "first_seen_utc","ioc_id",...) found');
}

function* columnIndex(header: Header, file: string, index: Partial<Record<CsvColumn, number>>): Generator<FeedItem> {
  const at = locationOf(file, { line: header.line });
  header.names.forEach((name, i) => {
    if (KNOWN_COLUMNS.has(name) && index[name as CsvColumn] === undefined) index[name as CsvColumn] = i;
  });
  const missing = REQUIRED_CSV_COLUMNS.filter((column) => index[column] === undefined);
  if (missing.length > 0) throw new FeedError(file, `CSV header lacks required column(s): ${missing.join(', ')}`);
  const seen = new Set<string>();
  for (const name of header.names) {
    if (seen.has(name)) yield { kind: 'warning', location: at, message: `duplicate CSV column "${oneLine(name, 60)}" (the first one is used)` };
    else if (!KNOWN_COLUMNS.has(name)) yield { kind: 'warning', location: at, message: `unknown CSV column "${oneLine(name, 60)}" ignored` };
    seen.add(name);
  }
}

function* rowItems(lines: readonly Line[], width: number, index: CsvColumnIndex, file: string): Generator<FeedItem> {
  const rows = parseBatch(lines);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as Line;
    const row = rows[i] as RowResult;
    const location = locationOf(file, { line: line.number });
    if (!Array.isArray(row)) {
      yield { kind: 'rejected', location, value: oneLine(line.text, 200), reason: row.error };
    } else if (row.length !== width) {
      yield { kind: 'rejected', location, value: oneLine(line.text, 200), reason: `expected ${width} CSV fields, found ${row.length}` };
    } else {
      yield { kind: 'record', raw: fromCsvRow(row, index), location };
    }
  }
}

/**
 * Parse a ThreatFox CSV export from its physical lines. Throws FeedError when there is no header or a required column
 * is missing; every other problem is a rejected row or a warning (unknown column, trailer count mismatch).
 */
export function* parseCsv(lines: Iterable<Line>, file: string): Generator<FeedItem> {
  const iterator = lines[Symbol.iterator]();
  const header = findHeader(iterator, file);
  const index: Partial<Record<CsvColumn, number>> = {};
  yield* columnIndex(header, file, index);
  const width = header.names.length;
  let rows = 0;
  // Set by `notRow` (a closure, so held in an object the compiler does not narrow to null).
  const found: { trailer: { line: number; count: number } | null } = { trailer: null };
  let batch: Line[] = [];
  // A comment, the trailer or a blank line: not a row.
  const notRow = (line: Line): boolean => {
    const first = line.text.trimStart();
    if (first === '') return true;
    if (!first.startsWith('#')) return false;
    const m = TRAILER.exec(first.trimEnd());
    if (m !== null) found.trailer = { line: line.number, count: Number(m[1]) };
    return true;
  };
  // Lines of a record whose quotes never closed: each stands alone (a stray quote is reported on its own line).
  const release = (lines: readonly Line[]): void => {
    for (const l of lines) if (!notRow(l)) batch.push(l);
  };
  // A quoted field may hold a line break: physical lines of one record, while its quotes are open.
  let open: Line[] = [];
  let openQuotes = 0;
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const line = next.value;
    if (open.length > 0) {
      open.push(line);
      openQuotes += quoteCount(line.text);
      if (openQuotes % 2 === 0) {
        // Joined only if that makes one whole record; two stray quotes lines apart must not swallow the rows between.
        const joined = { number: open[0]!.number, text: open.map((l) => l.text).join('\n') };
        const row = parseOneLine(joined.text);
        if (Array.isArray(row) && row.length === width) batch.push(joined);
        else release(open);
        open = [];
      } else if (open.length >= MAX_RECORD_LINES) {
        release(open);
        open = [];
      }
    } else if (!notRow(line)) {
      openQuotes = quoteCount(line.text);
      if (openQuotes % 2 === 0) batch.push(line);
      else open = [line];
    }
    if (batch.length >= BATCH_LINES) {
      rows += batch.length;
      yield* rowItems(batch, width, index, file);
      batch = [];
    }
  }
  release(open);
  rows += batch.length;
  yield* rowItems(batch, width, index, file);
  const trailer = found.trailer;
  if (trailer !== null && trailer.count !== rows) {
    yield {
      kind: 'warning',
      location: locationOf(file, { line: trailer.line }),
      message: `trailer says ${trailer.count} entries but the file holds ${rows} rows`,
    };
  }
}
