/**
 * Generic CSV with a header row: column mapping by name or --map, type detection from the value.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/index.js';
import { detectIndicatorKind } from '../../src/normalize/indicator.js';
import { FeedError } from '../../src/model/issue.js';
import { utf8 } from './fixtures.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../fixtures/csv/${name}`, import.meta.url));
const line = (r: { family: { id: string }; ioc: { type: string; value: string; port?: number } }): string =>
  `${r.family.id} ${r.ioc.type} ${r.ioc.value}${r.ioc.port === undefined ? '' : `:${r.ioc.port}`}`;

describe('generic CSV', () => {
  it('an OTX-style export: well-known column names, type names, dates in several spellings', () => {
    const feed = parseFeed(fixture('otx.csv'), 'otx.csv');
    expect(feed.format).toBe('csv');
    expect(feed.records.map(line)).toStrictEqual([
      'emotet domain evil-otx.example.com',
      'emotet ipv4 198.51.100.77',
      'unknown url http://evil-otx.example.com/gate.php',
      'unknown md5 9e107d9d372bb6826bd81d3542a419d6',
      'unknown sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      'emotet domain evil-otx.example.com',
    ]);
    expect(feed.records.map((r) => r.ioc.firstSeen)).toStrictEqual([
      '2026-03-01T00:00:00Z', '2026-03-01T10:00:00Z', '2026-03-02T00:00:00Z', '2026-03-02T00:00:00Z', '2026-03-04T08:00:00Z', '2026-02-28T00:00:00Z',
    ]);
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'otx.csv', line: 8 }, value: '143.404.146.87', reason: 'invalid IPv4 address "143.404.146.87"' },
      { location: { file: 'otx.csv', line: 9 }, value: 'x', reason: 'unknown IOC type "mutex"' },
      { location: { file: 'otx.csv', line: 10 }, value: '"broken,row', reason: 'malformed CSV row: Quote Not Closed: the parsing is finished with an opening quote' },
    ]);
  });

  it('--map names the columns; semicolons; defanged values; types detected from values', () => {
    const feed = parseFeed(fixture('mapped.csv'), 'mapped.csv', { map: { value: 'observable', family: 'malware', first_seen: 'seen', confidence: 'score' } });
    expect(feed.records.map((r) => `${line(r)} ${r.ioc.confidence}`)).toStrictEqual([
      'asyncrat domain bad.example.org 80',
      'asyncrat ipv4 203.0.113.8:4444 90',
      'unknown sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 null',
      'unknown email mail@phish.example.com 50',
    ]);
    expect(feed.rejected.map((r) => [r.location.line, r.reason])).toStrictEqual([
      [7, 'cannot tell the IOC type of "not an ioc" (not a URL, IP, hash, e-mail or domain with a public suffix)'],
    ]);
  });

  it('--map with a missing column or an unknown field is a FeedError', () => {
    expect(() => parseFeed(fixture('mapped.csv'), 'mapped.csv', { map: { value: 'observable', family: 'nope' } })).toThrow(
      new FeedError('mapped.csv', 'CSV header lacks the column "nope" named by --map family=nope (columns: observable, kind, malware, seen, score)'),
    );
    expect(() => parseFeed(fixture('mapped.csv'), 'mapped.csv', { map: { value: 'observable', colour: 'kind' } })).toThrow(/--map: unknown field "colour"/);
  });

  it('without a date column: --first-seen, with a warning', () => {
    const feed = parseFeed(utf8('ioc,type\nevil.example.com,domain\n'), 'x.csv', { firstSeen: '2026-04-01T00:00:00Z' });
    expect([feed.records[0]?.ioc.firstSeen, feed.warnings.map((w) => w.message)]).toStrictEqual([
      '2026-04-01T00:00:00Z',
      ['1 CSV row has no first-seen date: set to 2026-04-01T00:00:00Z (the --first-seen option)'],
    ]);
  });

  it('a header only is a feed with no records; a short row is located', () => {
    const empty = parseFeed(utf8('indicator,type\n'), 'h.csv');
    expect([empty.format, empty.recordsRead]).toStrictEqual(['csv', 0]);
    const short = parseFeed(utf8('indicator,type,family\nevil.example.com\nb.example.com,domain,X\nc.example.com,domain,X\n'), 's.csv');
    expect(short.rejected).toStrictEqual([{ location: { file: 's.csv', line: 2 }, value: 'evil.example.com', reason: 'expected 3 CSV fields, found 1' }]);
  });

  it('detects the type of a bare value', () => {
    expect(
      ['http://a.example.com/', '1.2.3.4', '1.2.3.4:80', '[2001:db8::1]:443', '2001:db8::1', '9e107d9d372bb6826bd81d3542a419d6', 'a@b.example.com', 'www.atmarkit.co.jp', 'virus.exe', '5.24.12.1335', ''].map(
        detectIndicatorKind,
      ),
    ).toStrictEqual(['url', 'ip', 'ip:port', 'ip:port', 'ip', 'md5', 'email', 'domain', null, null, null]);
  });
});

describe('parseColumnMap (--map)', () => {
  it('parses pairs and refuses bad ones', async () => {
    const { parseColumnMap } = await import('../../src/ingest/generic-csv.js');
    expect(parseColumnMap('value=Indicator, type=Kind,first-seen=Seen')).toStrictEqual({ value: 'Indicator', type: 'Kind', first_seen: 'Seen' });
    expect(() => parseColumnMap('colour=x')).toThrow('unknown field "colour" (fields: value, type, family, first_seen, last_seen, confidence, tags, threat_type, reference, id)');
    expect(() => parseColumnMap('value')).toThrow('expected FIELD=COLUMN, got "value"');
    expect(() => parseColumnMap('value=a,value=b')).toThrow('value given twice');
    expect(() => parseColumnMap('')).toThrow(/expected FIELD=COLUMN pairs/);
  });
});

describe('CSV or prose', () => {
  it('a first line naming a column is not enough: the next lines must have its width', () => {
    const prose = 'Indicator, campaign report\nThe actor used evil[.]example[.]com for C2.\nMore prose here without commas.\n';
    expect(parseFeed(utf8(prose), 'r.txt', { firstSeen: '2026-03-01T00:00:00Z' }).format).toBe('text');
  });
});
