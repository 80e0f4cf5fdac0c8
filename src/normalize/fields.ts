/**
 * Defensive coercion of untrusted feed fields: JSON types are never trusted (`id` may be a number, `confidence_level`
 * a string, `is_compromised` the string "True"), and CSV gives strings only.
 */
import { fail, isMissingMarker, memoizeByString, ok, optionalText, uniqueSortedCaseInsensitive, type Result } from './text.js';

const INTEGER = /^[+-]?[0-9]+(?:\.0+)?$/;

/** Parse `confidence_level`: an integer 0..100 (number or numeric string); missing → null; anything else fails. */
export function parseConfidence(raw: unknown): Result<number | null> {
  if (raw === null || raw === undefined) return ok(null);
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return fail(`non-integer confidence_level ${String(raw)}`);
    return raw >= 0 && raw <= 100 ? ok(raw) : fail(`confidence_level out of range 0..100: ${raw}`);
  }
  if (typeof raw !== 'string') return fail(`non-numeric confidence_level ${describe(raw)}`);
  const text = raw.trim();
  if (isMissingMarker(text)) return ok(null);
  if (!INTEGER.test(text)) return fail(`non-numeric confidence_level "${text}"`);
  const value = Number(text);
  return value >= 0 && value <= 100 ? ok(value === 0 ? 0 : value) : fail(`confidence_level out of range 0..100: "${text}"`);
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);

/** Read a boolean flag such as `is_compromised`: true, 1, "true"/"True"/"1"/"yes" → true; anything else → false. */
export function parseFlag(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw === 1;
  if (typeof raw === 'string') return TRUE_WORDS.has(raw.trim().toLowerCase());
  return false;
}

/**
 * Read tags from an API array, an export comma string, or null/"None". Trimmed, empties dropped, de-duplicated
 * case-insensitively (first spelling kept), code-point sorted. Non-string array items are ignored except numbers.
 */
export function parseTags(raw: unknown): readonly string[] {
  return typeof raw === 'string' ? listFromString(raw) : uniqueSortedCaseInsensitive(listItems(raw));
}

/** Read `malware_alias` (a comma string, or defensively an array): same rules as {@link parseTags}. */
export function parseAliases(raw: unknown): readonly string[] {
  return parseTags(raw);
}

const listFromString = memoizeByString((text: string) => uniqueSortedCaseInsensitive(listItems(text)));

function listItems(raw: unknown): string[] {
  if (Array.isArray(raw)) {
    const items: string[] = [];
    for (const item of raw) {
      const text = optionalText(item);
      if (text !== null) items.push(text);
    }
    return items;
  }
  const text = optionalText(raw);
  if (text === null) return [];
  return text.split(',').filter((item) => !isMissingMarker(item));
}

/** Short description of an unexpected JSON value for a rejection reason. */
export function describe(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'array';
  if (typeof raw === 'string') return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 59)}…` : raw);
  if (typeof raw === 'object') return 'object';
  return String(raw);
}
