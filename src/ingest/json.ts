/**
 * JSON-based ThreatFox formats: API envelope (or one bare detail record), bare array, JSON export and NDJSON.
 * Record ids in locations come from the record (`id`) or the export key; pointers are RFC 6901.
 */
import { FeedError, type SourceLocation } from '../model/issue.js';
import { recordIdOf, type RawRecord } from '../normalize/record.js';
import { oneLine } from '../normalize/text.js';
import { locationOf, pointerToken, type FeedItem } from './items.js';
import { describeJsonError, explainJsonError } from './json-error.js';
import { fromApiRecord, fromJsonExportRecord, isJsonObject, looksLikeApiRecord, looksLikeExportRecord, type JsonObject } from './schema.js';
import { excerptOf } from './options.js';
import type { Line } from './text.js';

/** Short JSON excerpt of an unexpected value for a rejection (safe for deeply nested input). */
function excerpt(value: unknown): string {
  return excerptOf(value, 200);
}

export function apiItem(value: unknown, file: string, pointer: string | undefined): FeedItem {
  if (!isJsonObject(value)) {
    return { kind: 'rejected', location: locationOf(file, { pointer }), value: excerpt(value), reason: 'record is not a JSON object' };
  }
  const raw = fromApiRecord(value);
  return apiRecordItem(value, raw, locationOf(file, { recordId: recordIdOf(raw.id), pointer }));
}

function apiRecordItem(value: JsonObject, raw: RawRecord, location: SourceLocation): FeedItem {
  if (!Object.hasOwn(value, 'ioc') && Object.hasOwn(value, 'ioc_value')) {
    // One schema per source: an export record inside an API-shaped feed is reported, not silently re-mapped.
    const exportValue = typeof value['ioc_value'] === 'string' ? value['ioc_value'] : excerpt(value['ioc_value']);
    return { kind: 'rejected', location, value: exportValue, reason: 'export-style record ("ioc_value") where an API record ("ioc") was expected' };
  }
  return { kind: 'record', raw, location };
}

/** Records of an API response: `{query_status: "ok", data: [...] | {...}}`, or one bare detail record. */
export function* parseApiResponse(json: unknown, file: string): Generator<FeedItem> {
  if (isJsonObject(json) && Object.hasOwn(json, 'query_status')) {
    const data = json['data'];
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) yield apiItem(data[i], file, `/data/${i}`);
    } else {
      yield apiItem(data, file, '/data');
    }
    return;
  }
  // A bare record (the `ioc` query's data object saved on its own) sits at the document root: no pointer.
  yield apiItem(json, file, undefined);
}

/** Records of a bare JSON array of API records. */
export function* parseApiArray(json: unknown, file: string): Generator<FeedItem> {
  if (!Array.isArray(json)) return;
  for (let i = 0; i < json.length; i++) yield apiItem(json[i], file, `/${i}`);
}

function exportItem(value: unknown, id: string, file: string, pointer: string): FeedItem {
  if (!isJsonObject(value)) {
    return {
      kind: 'rejected',
      location: locationOf(file, { recordId: id, pointer }),
      value: excerpt(value),
      reason: 'export entry is not a JSON object',
    };
  }
  const raw = fromJsonExportRecord(value, id);
  return { kind: 'record', raw, location: locationOf(file, { recordId: recordIdOf(raw.id), pointer }) };
}

/** Records of a JSON export: `{"<ioc id>": [record, ...] | record, ...}`. */
export function* parseJsonExport(json: unknown, file: string): Generator<FeedItem> {
  if (!isJsonObject(json)) return;
  for (const [id, entry] of Object.entries(json)) {
    const base = `/${pointerToken(id)}`;
    if (Array.isArray(entry)) {
      for (let i = 0; i < entry.length; i++) yield exportItem(entry[i], id, file, `${base}/${i}`);
    } else {
      yield exportItem(entry, id, file, base);
    }
  }
}

/** Records of NDJSON: one API record per line. A bad line is a rejected record, never fatal. */
export function* parseNdjson(lines: Iterable<Line>, file: string): Generator<FeedItem> {
  for (const line of lines) {
    if (line.text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (error) {
      const reason = `invalid JSON line (truncated?): ${explainJsonError(line.text, error).reason}`;
      yield { kind: 'rejected', location: locationOf(file, { line: line.number }), value: oneLine(line.text, 200), reason };
      continue;
    }
    if (!isJsonObject(value)) {
      yield { kind: 'rejected', location: locationOf(file, { line: line.number }), value: excerpt(value), reason: 'NDJSON line is not a JSON object' };
      continue;
    }
    const raw = fromApiRecord(value);
    yield apiRecordItem(value, raw, locationOf(file, { line: line.number, recordId: recordIdOf(raw.id) }));
  }
}

/** The JSON formats a parsed document can be. */
export type JsonFeedFormat = 'threatfox-api' | 'threatfox-array' | 'threatfox-json-export';

const NO_RESULT = new Set(['no_result', 'no_results']);
const AUTH_ERRORS = new Set(['unknown_auth_key', 'unauthorized']);
const SCAN_LIMIT = 100;

function keyList(object: JsonObject): string {
  const keys = Object.keys(object);
  const shown = keys.slice(0, 6).map((key) => oneLine(key, 40));
  return shown.join(', ') + (keys.length > shown.length ? ', …' : '');
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Classify an API envelope, throwing FeedError for error statuses and for `data` that holds no IOC records. */
function classifyEnvelope(json: JsonObject, file: string): JsonFeedFormat {
  const status = json['query_status'];
  const data = json['data'];
  const dataText = typeof data === 'string' && data.trim() !== '' ? ` (${oneLine(data, 160)})` : '';
  const statusText = typeof status === 'string' ? `"${oneLine(status, 60)}"` : oneLine(excerpt(status), 60);
  if (typeof status === 'string' && NO_RESULT.has(status)) {
    throw new FeedError(file, `ThreatFox API returned query_status ${statusText}${dataText}: no IOCs`);
  }
  if (status !== 'ok') {
    const hint = typeof status === 'string' && AUTH_ERRORS.has(status) ? '; check the ThreatFox Auth-Key' : '';
    throw new FeedError(file, `ThreatFox API returned query_status ${statusText}${dataText}${hint}`);
  }
  if (Array.isArray(data)) {
    const sample = data.slice(0, SCAN_LIMIT);
    if (sample.length > 0 && !sample.some(looksLikeApiRecord)) {
      throw new FeedError(file, 'not a ThreatFox feed: API response "data" array holds no IOC records');
    }
    return 'threatfox-api';
  }
  if (looksLikeApiRecord(data)) return 'threatfox-api';
  const what = isJsonObject(data) ? `an object without IOC record fields (keys: ${keyList(data)})` : jsonKind(data);
  throw new FeedError(file, `not a ThreatFox feed: API response "data" is ${what}`);
}

function isExportEntry(entry: unknown): boolean {
  return Array.isArray(entry) ? looksLikeExportRecord(entry[0]) : looksLikeExportRecord(entry);
}

/**
 * Decide which JSON feed a parsed document is, or throw FeedError (API error status, `no_result`, or JSON that is not
 * a feed, such as `{"foo": 1}` or a `submit_ioc` answer).
 */
export function classifyJson(json: unknown, file: string): JsonFeedFormat {
  if (Array.isArray(json)) {
    const sample = json.slice(0, SCAN_LIMIT);
    if (sample.length > 0 && !sample.some(looksLikeApiRecord)) {
      throw new FeedError(file, 'not a ThreatFox feed: JSON array holds no ThreatFox IOC records');
    }
    return 'threatfox-array';
  }
  if (!isJsonObject(json)) throw new FeedError(file, `not a ThreatFox feed: the JSON document is ${jsonKind(json)}`);
  if (Object.hasOwn(json, 'query_status')) return classifyEnvelope(json, file);
  if (looksLikeApiRecord(json)) return 'threatfox-api';
  const entries = Object.values(json).slice(0, SCAN_LIMIT);
  if (entries.length === 0) throw new FeedError(file, 'not a ThreatFox feed: empty JSON object');
  if (entries.some(isExportEntry)) return 'threatfox-json-export';
  throw new FeedError(file, `not a ThreatFox feed: JSON object without query_status, IOC record fields or IOC-id keys (keys: ${keyList(json)})`);
}

/** The FeedError `truncated or invalid JSON: <reason> at line L column C` for a failed `JSON.parse(text)`. */
export function invalidJsonError(text: string, file: string, error: unknown): FeedError {
  return new FeedError(file, `truncated or invalid JSON: ${oneLine(describeJsonError(text, error), 300)}`);
}

/**
 * Whether text that failed to parse as one JSON document is NDJSON: its first non-blank line is a JSON object, or (if
 * that first line was cut) most of the first lines are. A pretty-printed or truncated single document fails both.
 */
export function looksLikeNdjson(lines: Iterable<Line>): boolean {
  let seen = 0;
  let objects = 0;
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '') continue;
    seen++;
    let isObject = false;
    if (text.startsWith('{')) {
      try {
        isObject = isJsonObject(JSON.parse(text));
      } catch {
        isObject = false;
      }
    }
    if (seen === 1 && isObject) return true;
    if (isObject) objects++;
    if (seen >= 20) break;
  }
  return objects >= 2 && objects * 2 > seen;
}
