/**
 * Small string helpers shared by ingest and normalisation: missing-value markers, deterministic sorting, de-duplication
 * and one-line excerpts for messages.
 */

/** Outcome of validating one value: the normalised value, or a one-line reason for rejecting it. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Build a successful {@link Result}. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Build a failed {@link Result}. */
export function fail<T = never>(reason: string): Result<T> {
  return { ok: false, reason };
}

// ThreatFox writes "None" (Python's None) for missing exports fields; "" and "n/a" appear in other dumps.
const MISSING_MARKERS = new Set(['', 'none', 'null', 'n/a']);

/** True for the literal markers a feed uses for "no value": `""`, `None`, `null`, `n/a` (after trimming, any case). */
export function isMissingMarker(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length <= 4 && MISSING_MARKERS.has(trimmed.toLowerCase());
}

/**
 * Read an untrusted JSON/CSV field as a trimmed string: strings and finite numbers are accepted, everything else
 * (objects, booleans, null) and the missing markers become null.
 */
export function optionalText(raw: unknown): string | null {
  let text: string;
  if (typeof raw === 'string') text = raw.trim();
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
  else return null;
  return isMissingMarker(text) ? null : text;
}

/**
 * Compare two strings by Unicode code point. `localeCompare` depends on the ICU build and locale, and the default
 * `Array.prototype.sort` compares UTF-16 code units, which misorders astral characters against U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates need the slow path: a high surrogate stands for a code point above every BMP character.
    if (x >= 0xd800 && x <= 0xdfff && y >= 0xd800 && y <= 0xdfff) return x - y;
    if (x >= 0xd800 && x <= 0xdfff) return y >= 0xe000 ? 1 : x - y;
    if (y >= 0xd800 && y <= 0xdfff) return x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}

/** Distinct strings, code-point sorted. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

/**
 * Trim, drop empties, de-duplicate case-insensitively keeping the first spelling seen, then code-point sort.
 * Used for tags and aliases, which repeat the same word in several spellings ("CobaltStrike", "cobaltstrike").
 */
export function uniqueSortedCaseInsensitive(values: Iterable<string>): string[] {
  const firstSpelling = new Map<string, string>();
  for (const raw of values) {
    const value = raw.trim();
    if (value === '') continue;
    const key = value.toLowerCase();
    if (!firstSpelling.has(key)) firstSpelling.set(key, value);
  }
  return [...firstSpelling.values()].sort(compareCodePoints);
}

// C0/C1 controls, line and paragraph separators, zero-width/bidi controls: never safe inside a one-line message.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** Collapse a value into one printable line of at most `max` characters, for messages and rejected-record excerpts. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(UNSAFE_IN_LINE, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/**
 * Memoise a pure function of a string with a bounded cache. Feeds repeat the same alias and tag strings on most
 * records (1.2M rows in the full dump); results are frozen because they are shared between records.
 */
export function memoizeByString<T>(fn: (key: string) => T, maxEntries = 4096): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = Object.freeze(fn(key));
      // Clearing everything when full keeps the cache O(1) without LRU bookkeeping; hot keys refill at once.
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}
