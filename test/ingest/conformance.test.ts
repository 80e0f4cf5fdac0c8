/**
 * One conformance suite over every parser: the same checks for each input format.
 *
 * - located errors: a rejected record carries its line (text formats) or its JSON pointer (JSON formats);
 * - duplicates are merged by grouping (one IOC per (type, value, port));
 * - hostile input never crashes (random bytes and mutations, huge lines, deep nesting, `__proto__` keys) and never
 *   pollutes Object.prototype;
 * - empty input: a JSON or CSV document without records is a feed with no records and a warning; an empty text or
 *   NDJSON file (no content at all) and an empty JSON-export object are FeedErrors.
 */
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseFeed, type FeedFormat, type ParsedFeed } from '../../src/ingest/index.js';
import { FeedError } from '../../src/model/issue.js';
import { groupByFamily } from '../../src/normalize/group.js';
import { createRng } from '../normalize/prng.js';
import { utf8 } from './fixtures.js';

/** How to write a feed of one format. `bad` adds one invalid record (an IP with an octet > 255) at the end. */
interface Format {
  readonly format: FeedFormat;
  readonly located: 'line' | 'pointer';
  /** Build the feed text from domain values; `deep` and `proto` inject hostile structure. */
  build(values: readonly string[], opts?: { bad?: boolean; deep?: boolean; proto?: boolean }): Uint8Array;
  /** What a feed with no records gives. */
  readonly empty: 'feed' | 'error';
}

const DEEP = 20_000;
const deepJson = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
/** Replace the placeholders: `"@@DEEP@@"` → a deeply nested array, `"x__proto__"` keys → `"__proto__"`. */
const finish = (json: string): Uint8Array => utf8(json.replaceAll('"@@DEEP@@"', deepJson).replaceAll('"x__proto__"', '"__proto__"'));
const hostile = (opts: { deep?: boolean; proto?: boolean }): Record<string, unknown> => ({
  ...(opts.deep ? { extra: '@@DEEP@@' } : {}),
  ...(opts.proto ? { x__proto__: { polluted: true }, constructor: { prototype: { polluted: true } } } : {}),
});

const apiRecord = (value: string, i: number, type = 'domain') => ({ id: String(i + 1), ioc: value, ioc_type: type, threat_type: 'botnet_cc', malware: 'win.x', malware_printable: 'X', first_seen: '2026-03-01 00:00:00 UTC', confidence_level: 50 });
const apiRecords = (values: readonly string[], bad?: boolean) => [...values.map((v, i) => apiRecord(v, i)), ...(bad ? [apiRecord('1.2.3.999:80', 900, 'ip:port')] : [])];
const CSV_HEADER = '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware"';
const csvRow = (value: string, i: number, type = 'domain') => `"2026-03-01 00:00:00", "${i + 1}", "${value}", "${type}", "botnet_cc", "win.x"`;
const threatfoxCsv = (values: readonly string[], opts: { bad?: boolean; deep?: boolean; proto?: boolean } = {}) =>
  [
    '# ThreatFox IOCs',
    CSV_HEADER,
    ...values.map((v, i) => csvRow(v, i)),
    ...(opts.bad ? [csvRow('1.2.3.999:80', 900, 'ip:port')] : []),
    ...(opts.deep ? ['['.repeat(DEEP)] : []),
    ...(opts.proto ? [csvRow('__proto__', 950)] : []),
  ].join('\n');

const FORMATS: readonly Format[] = [
  {
    format: 'threatfox-api',
    located: 'pointer',
    empty: 'feed',
    build: (values, opts = {}) => finish(JSON.stringify({ query_status: 'ok', ...hostile(opts), data: [...apiRecords(values, opts.bad).map((r) => ({ ...r, ...hostile(opts) })), ...(opts.deep ? ['@@DEEP@@'] : [])] })),
  },
  {
    format: 'threatfox-array',
    located: 'pointer',
    empty: 'feed',
    build: (values, opts = {}) => finish(JSON.stringify([...apiRecords(values, opts.bad).map((r) => ({ ...r, ...hostile(opts) })), ...(opts.deep ? ['@@DEEP@@'] : [])])),
  },
  {
    format: 'threatfox-json-export',
    located: 'pointer',
    empty: 'error',
    build: (values, opts = {}) => {
      const doc: Record<string, unknown> = {};
      apiRecords(values, opts.bad).forEach((r) => {
        doc[r.id] = [{ ioc_value: r.ioc, ioc_type: r.ioc_type, malware: 'win.x', first_seen_utc: '2026-03-01 00:00:00', ...hostile(opts) }];
      });
      if (opts.deep) doc['999'] = '@@DEEP@@';
      if (opts.proto) doc['x__proto__'] = [{ ioc_value: 'proto.example.com', ioc_type: 'domain', first_seen_utc: '2026-03-01 00:00:00' }];
      return finish(JSON.stringify(doc));
    },
  },
  {
    format: 'threatfox-ndjson',
    located: 'line',
    empty: 'error',
    build: (values, opts = {}) =>
      finish([...apiRecords(values, opts.bad).map((r) => JSON.stringify({ ...r, ...hostile(opts) })), ...(opts.deep ? ['{"a": "@@DEEP@@"}'] : [])].join('\n')),
  },
  { format: 'threatfox-csv', located: 'line', empty: 'feed', build: (values, opts) => utf8(threatfoxCsv(values, opts)) },
  { format: 'threatfox-csv-zip', located: 'line', empty: 'feed', build: (values, opts) => zipSync({ 'full.csv': strToU8(threatfoxCsv(values, opts)) }) },
  {
    format: 'stix-bundle',
    located: 'pointer',
    empty: 'feed',
    build: (values, opts = {}) => {
      const objects: unknown[] = values.map((v, i) => ({ type: 'indicator', id: `indicator--${i}`, pattern: `[domain-name:value = '${v}']`, pattern_type: 'stix', valid_from: '2026-03-01T00:00:00Z', ...hostile(opts) }));
      if (opts.bad) objects.push({ type: 'indicator', id: 'indicator--bad', pattern: "[ipv4-addr:value = '1.2.3.999']", pattern_type: 'stix', valid_from: '2026-03-01T00:00:00Z' });
      if (opts.deep) objects.push('@@DEEP@@', { type: 'indicator', id: 'indicator--deep', pattern: `${'('.repeat(DEEP)}[domain-name:value = 'x.example.com']${')'.repeat(DEEP)}`, valid_from: '2026-03-01T00:00:00Z' });
      if (opts.proto) objects.push({ type: 'malware', id: 'x__proto__', name: 'Proto' }, { type: 'relationship', relationship_type: 'indicates', id: 'relationship--p', source_ref: 'indicator--0', target_ref: 'x__proto__' });
      return finish(JSON.stringify({ type: 'bundle', id: 'bundle--1', ...hostile(opts), objects }));
    },
  },
  {
    format: 'misp',
    located: 'pointer',
    empty: 'feed',
    build: (values, opts = {}) => {
      const attributes: unknown[] = values.map((v, i) => ({ id: String(i + 1), type: 'domain', to_ids: true, value: v, ...hostile(opts) }));
      if (opts.bad) attributes.push({ id: '900', type: 'ip-dst', to_ids: true, value: '1.2.3.999' });
      if (opts.deep) attributes.push('@@DEEP@@', { id: '901', type: 'domain', value: '@@DEEP@@' });
      return finish(JSON.stringify({ Event: { info: 'x', date: '2026-03-01', ...hostile(opts), Tag: opts.proto ? [{ name: 'malware:__proto__' }] : [], Attribute: attributes } }));
    },
  },
  {
    format: 'csv',
    located: 'line',
    empty: 'feed',
    build: (values, opts = {}) =>
      utf8(
        [
          `value,type,first_seen${opts.proto ? ',__proto__,constructor' : ''}`,
          ...values.map((v) => `${v},domain,2026-03-01${opts.proto ? ',__proto__,x' : ''}`),
          ...(opts.bad ? [`1.2.3.999,ip,2026-03-01${opts.proto ? ',,' : ''}`] : []),
          ...(opts.deep ? [`"${'['.repeat(DEEP)}",domain,2026-03-01${opts.proto ? ',,' : ''}`] : []),
        ].join('\n'),
      ),
  },
  {
    format: 'text',
    located: 'line',
    empty: 'error',
    build: (values, opts = {}) =>
      utf8(
        [
          'Report',
          ...values.map((v) => `C2 seen at ${v.replace(/\./g, '[.]')} yesterday`),
          ...(opts.bad ? ['and at 1.2.3[.]999'] : []),
          ...(opts.deep ? ['['.repeat(DEEP), '{'.repeat(DEEP)] : []),
          ...(opts.proto ? ['__proto__ constructor prototype __proto__.example'] : []),
        ].join('\n'),
      ),
  },
];

const OPTIONS = { firstSeen: '2026-03-01T00:00:00Z' };

function parse(bytes: Uint8Array, file = 'feed'): ParsedFeed {
  return parseFeed(bytes, file, OPTIONS);
}

/** parseFeed returns a consistent feed or throws a one-line FeedError; anything else fails. */
function outcome(bytes: Uint8Array, label: string): 'feed' | 'error' {
  try {
    const feed = parse(bytes);
    if (feed.recordsRead !== feed.records.length + feed.rejected.length) throw new Error(`${label}: inconsistent counts`);
    for (const r of feed.rejected) if (/[\r\n]/.test(r.reason + r.value) || r.value.length > 300) throw new Error(`${label}: rejection not one bounded line`);
    return 'feed';
  } catch (error) {
    if (!(error instanceof FeedError)) throw new Error(`${label}: ${String(error)}`);
    if (/[\r\n]/.test(error.message)) throw new Error(`${label}: multi-line FeedError`);
    return 'error';
  }
}

describe.each(FORMATS)('$format', (fmt) => {
  it('is detected from content', () => {
    expect(parse(fmt.build(['a.example.com', 'b.example.com'])).format).toBe(fmt.format);
  });

  it('reads valid records and locates the rejected one', () => {
    const feed = parse(fmt.build(['a.example.com', 'b.example.com'], { bad: true }));
    expect(feed.records.map((r) => r.ioc.value)).toStrictEqual(['a.example.com', 'b.example.com']);
    expect(feed.rejected).toHaveLength(1);
    const location = feed.rejected[0]!.location;
    expect(location.file).toBe('feed');
    if (fmt.located === 'line') expect(location.line).toBeGreaterThan(1);
    else expect(location.pointer).toMatch(/^\/(?:.+\/)?\d+$/);
    expect(feed.rejected[0]!.value).toMatch(/1\.2\.3\.999/);
    for (const r of feed.records) expect(r.location.line !== undefined || r.location.pointer !== undefined).toBe(true);
  });

  it('merges duplicates', () => {
    const feed = parse(fmt.build(['dup.example.com', 'DUP.example.com', 'other.example.com', 'dup.example.com']));
    const families = groupByFamily(feed.records);
    expect(families.flatMap((f) => f.iocs.map((i) => i.value))).toStrictEqual(['dup.example.com', 'other.example.com']);
  });

  it('empty input', () => {
    expect(outcome(fmt.build([]), 'empty')).toBe(fmt.empty);
    if (fmt.empty === 'feed') expect(parse(fmt.build([])).warnings.map((w) => w.message)).toContain('the feed holds no IOC records');
  });

  it('survives deep nesting', () => {
    const feed = parse(fmt.build(['a.example.com'], { deep: true }));
    expect(feed.records.map((r) => r.ioc.value)).toContain('a.example.com');
  });

  it('survives __proto__ and constructor keys without polluting Object.prototype', () => {
    const feed = parse(fmt.build(['a.example.com'], { proto: true }));
    expect(feed.records.map((r) => r.ioc.value)).toContain('a.example.com');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('survives a huge line (1 MB value) in bounded time', () => {
    const huge = `${'a'.repeat(1_000_000)}.example.com`;
    const started = Date.now();
    expect(outcome(fmt.build(['a.example.com', huge]), 'huge')).toBe('feed');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('never crashes on random mutations and random bytes', () => {
    const rng = createRng(fmt.format.length * 7919);
    const original = fmt.build(['a.example.com', 'b.example.com'], { bad: true });
    for (let i = 0; i < 150; i++) {
      const bytes = Array.from(original);
      for (let e = rng.int(1, 4); e > 0 && bytes.length > 0; e--) {
        const at = rng.int(0, bytes.length - 1);
        const op = rng.int(0, 2);
        if (op === 0) bytes.length = at;
        else if (op === 1) bytes[at] = rng.int(0, 255);
        else bytes.splice(at, rng.int(1, 30));
      }
      outcome(new Uint8Array(bytes), `${fmt.format} mutation ${i}`);
    }
    for (let i = 0; i < 50; i++) outcome(new Uint8Array(Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255))), `random bytes ${i}`);
  });
});
