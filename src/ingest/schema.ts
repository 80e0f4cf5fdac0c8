/**
 * Source-specific field names → {@link RawRecord}. One mapping per source (quirk #10 in docs/threatfox.md: mixing
 * `first_seen` and `first_seen_utc` once zeroed every timestamp silently). Values stay untrusted here; coercion and
 * validation happen in normalisation.
 */
import type { RawRecord } from '../normalize/record.js';

/** A parsed JSON object (untrusted). */
export type JsonObject = Readonly<Record<string, unknown>>;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own properties only: a record key such as "constructor" must not resolve to Object.prototype members.
function field(record: JsonObject, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Map a v1/commercial API record (`get_iocs`, `search_ioc`, `taginfo`, `malwareinfo`, `ioc`, NDJSON lines). */
export function fromApiRecord(record: JsonObject): RawRecord {
  return {
    id: field(record, 'id'),
    value: field(record, 'ioc'),
    iocType: field(record, 'ioc_type'),
    threatType: field(record, 'threat_type'),
    malware: field(record, 'malware'),
    malwarePrintable: field(record, 'malware_printable'),
    malwareAlias: field(record, 'malware_alias'),
    firstSeen: field(record, 'first_seen'),
    lastSeen: field(record, 'last_seen'),
    confidence: field(record, 'confidence_level'),
    reference: field(record, 'reference'),
    reporter: field(record, 'reporter'),
    tags: field(record, 'tags'),
    isCompromised: field(record, 'is_compromised'),
  };
}

/** Map a JSON export record; `id` is the export's object key (the record itself has no id field). */
export function fromJsonExportRecord(record: JsonObject, id: string): RawRecord {
  return {
    id: field(record, 'ioc_id') ?? id,
    value: field(record, 'ioc_value'),
    iocType: field(record, 'ioc_type'),
    threatType: field(record, 'threat_type'),
    // The JSON export says `malware`; the CSV export says `fk_malware`. Accept either here.
    malware: field(record, 'malware') ?? field(record, 'fk_malware'),
    malwarePrintable: field(record, 'malware_printable'),
    malwareAlias: field(record, 'malware_alias'),
    firstSeen: field(record, 'first_seen_utc'),
    lastSeen: field(record, 'last_seen_utc'),
    confidence: field(record, 'confidence_level'),
    reference: field(record, 'reference'),
    reporter: field(record, 'reporter'),
    tags: field(record, 'tags'),
    isCompromised: field(record, 'is_compromised'),
  };
}

/** CSV export columns (header names) huntpack reads. */
export const CSV_COLUMNS = [
  'first_seen_utc',
  'ioc_id',
  'ioc_value',
  'ioc_type',
  'threat_type',
  'fk_malware',
  'malware_alias',
  'malware_printable',
  'last_seen_utc',
  'confidence_level',
  'is_compromised',
  'reference',
  'tags',
  'anonymous',
  'reporter',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** Columns without which a CSV export cannot produce correct IOCs: a fatal error when the header lacks one. */
export const REQUIRED_CSV_COLUMNS: readonly CsvColumn[] = ['first_seen_utc', 'ioc_id', 'ioc_value', 'ioc_type', 'fk_malware'];

/** Column name → index in a row; built once from the header. */
export type CsvColumnIndex = Readonly<Partial<Record<CsvColumn, number>>>;

/** Map one CSV export row through the header's column index. */
export function fromCsvRow(row: readonly string[], index: CsvColumnIndex): RawRecord {
  const at = (column: CsvColumn): string | undefined => {
    const i = index[column];
    return i === undefined ? undefined : row[i];
  };
  return {
    id: at('ioc_id'),
    value: at('ioc_value'),
    iocType: at('ioc_type'),
    threatType: at('threat_type'),
    malware: at('fk_malware'),
    malwarePrintable: at('malware_printable'),
    malwareAlias: at('malware_alias'),
    firstSeen: at('first_seen_utc'),
    lastSeen: at('last_seen_utc'),
    confidence: at('confidence_level'),
    reference: at('reference'),
    reporter: at('reporter'),
    tags: at('tags'),
    isCompromised: at('is_compromised'),
  };
}

/** Keys that mark a JSON object as a ThreatFox API IOC record. */
export function looksLikeApiRecord(value: unknown): boolean {
  return isJsonObject(value) && (Object.hasOwn(value, 'ioc') || Object.hasOwn(value, 'ioc_type'));
}

/** Keys that mark a JSON object as a ThreatFox export IOC record. */
export function looksLikeExportRecord(value: unknown): boolean {
  return isJsonObject(value) && (Object.hasOwn(value, 'ioc_value') || Object.hasOwn(value, 'first_seen_utc'));
}
