/**
 * How much of a long list the pages for people show. Machine outputs (pack.json, stix/bundle.json, iocs.csv, the
 * watchlists) always hold every IOC; a README or report of a 100,000-IOC family shows the most recent ones and says
 * where the rest are, so the page still opens in a browser or on GitHub.
 */
import { randomUUID } from 'node:crypto';

/** IOC rows in a pack's README.md. */
export const README_IOC_ROWS = 500;
/** IOC rows in a pack's report.html (filterable). */
export const HTML_IOC_ROWS = 2_000;
/** Rows of the not-hunted lists (pack README and report, index pages). */
export const EXCLUDED_ROWS = 500;
/** Dropped IOCs listed in run.json (all are counted; each pack.json lists its own in full). */
export const RUN_DROPPED_ROWS = 1_000;

/**
 * At most `max` items: the most recently seen (last seen, else first seen; ties keep input order), returned in input
 * order. All items when there are no more than `max`.
 */
export function mostRecent<T extends { readonly firstSeen: string; readonly lastSeen: string | null }>(items: readonly T[], max: number): readonly T[] {
  if (items.length <= max) return items;
  const order = items.map((item, index) => ({ seen: item.lastSeen ?? item.firstSeen, index }));
  order.sort((a, b) => (a.seen < b.seen ? 1 : a.seen > b.seen ? -1 : a.index - b.index));
  const keep = new Set(order.slice(0, max).map((o) => o.index));
  return items.filter((_, i) => keep.has(i));
}

/** "the 500 most recently seen of 12,345" */
export function shownOf(shown: number, total: number): string {
  return `the ${shown.toLocaleString('en-US')} most recently seen of ${total.toLocaleString('en-US')}`;
}

/**
 * JSON with two-space indentation, except that the elements of the named top-level arrays are written one per line in
 * compact form: a 100,000-IOC pack.json stays diffable line by line and takes a third of the space.
 */
export function jsonLines(doc: object, compactArrays: readonly string[]): string {
  return [...jsonLinesChunks(doc, compactArrays)].join('');
}

/** Characters per chunk {@link jsonLinesChunks} yields (elements are batched). */
const CHUNK_CHARS = 1 << 20;

/**
 * {@link jsonLines} in chunks, without building the whole text: the named arrays' elements are serialised one by one,
 * from `lazy[key]` when given (a generator, so the elements need not exist all at once) or else from `doc[key]`.
 */
export function* jsonLinesChunks(doc: object, compactArrays: readonly string[], lazy: Readonly<Record<string, Iterable<unknown>>> = {}): Generator<string> {
  // A random token per call: feed text cannot forge a placeholder.
  const nonce = randomUUID();
  const record = doc as Record<string, unknown>;
  const shallow: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    shallow[key] = compactArrays.includes(key) && (Array.isArray(value) || key in lazy) ? `\u0000${nonce}:${key}` : value;
  }
  const parts = JSON.stringify(shallow, null, 2).split(new RegExp(`"\\\\u0000${nonce}:([^"]*)"`));
  let buffer = '';
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) {
      buffer += parts[i]!;
      continue;
    }
    const key = parts[i]!;
    const items = lazy[key] ?? (record[key] as unknown[]);
    let first = true;
    for (const item of items) {
      buffer += (first ? '[\n    ' : ',\n    ') + JSON.stringify(item);
      first = false;
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    buffer += first ? '[]' : '\n  ]';
  }
  buffer += '\n';
  yield buffer;
}
