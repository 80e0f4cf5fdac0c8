/**
 * Generic CSV with a header row (OTX exports, spreadsheets, other feeds): one IOC per row.
 *
 * Columns are found by header name: `--map value=col,type=col,...` names them; without a mapping well-known names are
 * used (`value`/`ioc`/`indicator`/…, `type`/`ioc_type`/…, `family`/`malware`, `first_seen`/`date`/…,
 * `confidence`, `tags`). The delimiter (`,` `;` tab `|`) is the most frequent one in the header. Leading `#` comment
 * lines and blank lines are skipped. Values are refanged (`evil[.]com`).
 *
 * Without a type column (or with an empty or generic `hash` cell) the type is told from the value: URL, IPv4/IPv6
 * with or without a port, md5/sha1/sha256 by hex length, e-mail, or a domain with an ICANN public suffix.
 * Without a date column, first seen is the `--first-seen` date (else the file's modification time), with a warning.
 * Each record is one physical line (a quoted field spanning lines is reported as malformed rows).
 */
import { parse, type Options } from 'csv-parse/sync';
import { FeedError } from '../model/issue.js';
import { detectIndicatorKind, familyFromName, UNKNOWN_FAMILY, type IndicatorKind } from '../normalize/indicator.js';
import { refangValue } from '../normalize/refang.js';
import { oneLine } from '../normalize/text.js';
import { locationOf, type FeedItem } from './items.js';
import { dateFallback, indicatorItem, type ParseOptions } from './options.js';
import type { Line } from './text.js';

/** The fields a column can hold (the keys of `--map`). */
export const CSV_FIELDS = ['value', 'type', 'family', 'first_seen', 'last_seen', 'confidence', 'tags', 'threat_type', 'reference', 'id'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

const ALIASES: Readonly<Record<CsvField, readonly string[]>> = {
  value: ['value', 'ioc', 'ioc_value', 'indicator', 'indicator_value', 'observable', 'observable_value'],
  type: ['type', 'ioc_type', 'indicator_type', 'observable_type'],
  family: ['family', 'malware', 'malware_family', 'fk_malware'],
  first_seen: ['first_seen', 'firstseen', 'first_seen_utc', 'date', 'created', 'created_at', 'timestamp', 'valid_from', 'date_added', 'dateadded'],
  last_seen: ['last_seen', 'lastseen', 'last_seen_utc'],
  confidence: ['confidence', 'confidence_level'],
  tags: ['tags', 'labels', 'tag'],
  threat_type: ['threat_type'],
  reference: ['reference', 'references', 'source_url'],
  id: ['id', 'ioc_id', 'uuid'],
};

const TYPE_NAMES: ReadonlyMap<string, IndicatorKind | 'detect'> = new Map<string, IndicatorKind | 'detect'>([
  ...['domain', 'hostname', 'fqdn', 'domain-name', 'domain_name', 'host'].map((n) => [n, 'domain'] as const),
  ...['url', 'uri', 'link'].map((n) => [n, 'url'] as const),
  ...['ip', 'ipv4', 'ipv6', 'ip-dst', 'ip-src', 'ip_address', 'ipaddress', 'ip address', 'ipv4-addr', 'ipv6-addr', 'ipv4_address', 'ipv6_address', 'address'].map((n) => [n, 'ip'] as const),
  ...['ip:port', 'ip-dst|port', 'ip_port', 'ip port', 'endpoint', 'ipport'].map((n) => [n, 'ip:port'] as const),
  ...['md5', 'md5_hash', 'filehash-md5', 'hash-md5', 'md5hash'].map((n) => [n, 'md5'] as const),
  ...['sha1', 'sha-1', 'sha1_hash', 'filehash-sha1', 'hash-sha1', 'sha1hash'].map((n) => [n, 'sha1'] as const),
  ...['sha256', 'sha-256', 'sha256_hash', 'filehash-sha256', 'hash-sha256', 'sha256hash'].map((n) => [n, 'sha256'] as const),
  ...['sha3-384', 'sha3_384_hash'].map((n) => [n, 'sha3-384'] as const),
  ...['email', 'email-src', 'email_src', 'envelope_from', 'body_from', 'emailaddress', 'email_address', 'email-addr', 'sender'].map((n) => [n, 'email'] as const),
  ...['', 'hash', 'filehash', 'file_hash', 'ioc', 'indicator'].map((n) => [n, 'detect'] as const),
]);

const DELIMITERS = [',', ';', '\t', '|'] as const;

function normalName(name: string): string {
  return name.trim().replace(/^\uFEFF/, '').replace(/^"|"$/g, '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function csvOptions(delimiter: string): Options {
  return { delimiter, quote: '"', escape: '"', record_delimiter: '\n', ltrim: true, rtrim: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: false };
}

type RowResult = string[] | { readonly error: string };

function parseRow(text: string, delimiter: string): RowResult {
  try {
    const rows = parse(text, csvOptions(delimiter)) as string[][];
    if (rows.length === 1 && rows[0] !== undefined) return rows[0];
    return { error: `malformed CSV row (${rows.length} records on one line)` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `malformed CSV row: ${oneLine(message.replace(/\s+at line \d+.*$/s, ''), 160)}` };
  }
}

function parseBatch(lines: readonly Line[], delimiter: string): RowResult[] {
  try {
    const rows = parse(lines.map((line) => line.text).join('\n'), csvOptions(delimiter)) as string[][];
    if (rows.length === lines.length) return rows;
  } catch {
    // Isolate the bad line(s) below.
  }
  return lines.map((line) => parseRow(line.text, delimiter));
}

/** A detected header: its line, the delimiter, the column names and which field each mapped column holds. */
export interface CsvHeader {
  readonly line: number;
  readonly delimiter: string;
  readonly names: readonly string[];
  readonly columns: Readonly<Partial<Record<CsvField, number>>>;
}

/** Validate `--map` keys; throws FeedError for an unknown field. */
function mapEntries(map: Readonly<Record<string, string>> | undefined, file: string): [CsvField, string][] {
  if (map === undefined) return [];
  const out: [CsvField, string][] = [];
  for (const [key, column] of Object.entries(map)) {
    const field = normalName(key);
    if (!(CSV_FIELDS as readonly string[]).includes(field)) throw new FeedError(file, `--map: unknown field "${oneLine(key, 40)}" (fields: ${CSV_FIELDS.join(', ')})`);
    out.push([field as CsvField, normalName(column)]);
  }
  return out;
}

/**
 * The generic-CSV header of a text, or null when the first non-comment line is not one: it must split into at least
 * two columns and name a value column (by `--map value=…` or a well-known name). Throws FeedError when `--map` names
 * a column the header lacks (the file is clearly meant as CSV).
 */
export function findCsvHeader(lines: Iterable<Line>, file: string, map?: Readonly<Record<string, string>>): CsvHeader | null {
  let first: Line | undefined;
  const sample: Line[] = [];
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '' || text.startsWith('#')) continue;
    if (first === undefined) first = line;
    else sample.push(line);
    if (sample.length >= 5) break;
  }
  if (first === undefined || first.text.length > 10_000) return null;
  const counts = DELIMITERS.map((d) => first.text.split(d).length - 1);
  const best = Math.max(...counts);
  if (best === 0) return null;
  const delimiter = DELIMITERS[counts.indexOf(best)] as string;
  const row = parseRow(first.text, delimiter);
  if (!Array.isArray(row) || row.length < 2) return null;
  const names = row.map(normalName);
  const columns: Partial<Record<CsvField, number>> = {};
  const entries = mapEntries(map, file);
  // A first line naming none of the mapped columns and no value column is not a CSV header (e.g. a report's first line).
  if (!entries.some(([, column]) => names.includes(column)) && !names.some((n) => ALIASES.value.includes(n))) return null;
  for (const [field, column] of entries) {
    const index = names.indexOf(column);
    if (index < 0) throw new FeedError(file, `CSV header lacks the column "${column}" named by --map ${field}=${column} (columns: ${names.slice(0, 8).join(', ')})`);
    columns[field] = index;
  }
  for (const field of CSV_FIELDS) {
    if (columns[field] !== undefined) continue;
    const index = names.findIndex((n) => ALIASES[field].includes(n));
    if (index >= 0 && !Object.values(columns).includes(index)) columns[field] = index;
  }
  if (columns.value === undefined) return null;
  // Prose whose first line happens to name a column ("Indicator, campaign report") is not a CSV: most of the next
  // lines must have the header's width (a header alone is an empty CSV).
  const fitting = sample.filter((line) => {
    const row = parseRow(line.text, delimiter);
    return Array.isArray(row) && row.length === names.length;
  }).length;
  if (sample.length > 0 && fitting * 2 < sample.length) return null;
  return { line: first.number, delimiter, names, columns };
}

/** Parse a generic CSV (its header found by {@link findCsvHeader}). */
export function* parseGenericCsv(lines: Iterable<Line>, file: string, options: ParseOptions): Generator<FeedItem> {
  const all = [...lines];
  const header = findCsvHeader(all, file, options.map);
  if (header === null) throw new FeedError(file, 'not a CSV feed: no header row naming a value column (use --map value=COLUMN)');
  const at = locationOf(file, { line: header.line });
  const fallback = dateFallback(options);
  const { columns, delimiter } = header;
  const width = header.names.length;
  let undated = 0;
  const seen = new Set<string>();
  for (const name of header.names) {
    if (name !== '' && seen.has(name)) yield { kind: 'warning', location: at, message: `duplicate CSV column "${oneLine(name, 60)}" (the first one is used)` };
    seen.add(name);
  }
  const data = all.filter((line) => line.number > header.line && line.text.trim() !== '' && !line.text.trimStart().startsWith('#'));
  for (let start = 0; start < data.length; start += 1000) {
    const batch = data.slice(start, start + 1000);
    const rows = parseBatch(batch, delimiter);
    for (let i = 0; i < batch.length; i++) {
      const line = batch[i] as Line;
      const row = rows[i] as RowResult;
      const location = locationOf(file, { line: line.number });
      if (!Array.isArray(row)) {
        yield { kind: 'rejected', location, value: oneLine(line.text, 200), reason: row.error };
        continue;
      }
      if (row.length < width || row.slice(width).some((cell) => cell.trim() !== '')) {
        yield { kind: 'rejected', location, value: oneLine(line.text, 200), reason: `expected ${width} CSV fields, found ${row.length}` };
        continue;
      }
      const cell = (field: CsvField): string | null => {
        const index = columns[field];
        if (index === undefined) return null;
        const text = (row[index] as string).trim();
        return text === '' ? null : text;
      };
      const value = refangValue(cell('value') ?? '');
      if (value.trim() === '') {
        yield { kind: 'rejected', location, value: '', reason: 'row has no IOC value' };
        continue;
      }
      const typeName = (cell('type') ?? '').toLowerCase();
      const named = TYPE_NAMES.get(typeName);
      if (named === undefined) {
        yield { kind: 'rejected', location, value, reason: `unknown IOC type "${oneLine(cell('type') ?? '', 60)}"` };
        continue;
      }
      let kind: IndicatorKind | null = named === 'detect' ? detectIndicatorKind(value) : named;
      if (kind === 'ip' && detectIndicatorKind(value) === 'ip:port') kind = 'ip:port';
      if (kind === null) {
        yield { kind: 'rejected', location, value, reason: `cannot tell the IOC type of "${oneLine(value, 80)}" (not a URL, IP, hash, e-mail or domain with a public suffix)` };
        continue;
      }
      const familyName = cell('family');
      const dateCell = cell('first_seen');
      if (dateCell === null) undated++;
      yield indicatorItem(
        {
          kind,
          value,
          family: familyName === null ? UNKNOWN_FAMILY : familyFromName(familyName),
          firstSeen: dateCell ?? fallback.date,
          lastSeen: cell('last_seen'),
          confidence: cell('confidence'),
          tags: cell('tags'),
          threatType: cell('threat_type'),
          id: cell('id'),
          reference: cell('reference'),
        },
        location,
      );
    }
  }
  if (undated > 0) {
    yield { kind: 'warning', location: at, message: `${undated} CSV row${undated === 1 ? ' has' : 's have'} no first-seen date: set to ${fallback.date} (${fallback.source})` };
  }
}

/**
 * Parse a `--map` option value: `value=Indicator,type=Kind,family=Malware` → `{value: 'Indicator', …}`. Throws an
 * Error naming the problem (unknown field, missing `=`, empty column, a field given twice).
 */
export function parseColumnMap(text: string): Record<string, string> {
  const map = new Map<string, string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`expected FIELD=COLUMN, got "${part.trim()}"`);
    const field = normalName(part.slice(0, eq));
    const column = part.slice(eq + 1).trim();
    if (!(CSV_FIELDS as readonly string[]).includes(field)) throw new Error(`unknown field "${part.slice(0, eq).trim()}" (fields: ${CSV_FIELDS.join(', ')})`);
    if (column === '') throw new Error(`empty column name for ${field}`);
    if (map.has(field)) throw new Error(`${field} given twice`);
    map.set(field, column);
  }
  if (map.size === 0) throw new Error('expected FIELD=COLUMN pairs, e.g. value=indicator,type=kind');
  return Object.fromEntries(map);
}
