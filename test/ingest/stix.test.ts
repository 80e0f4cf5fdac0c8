/**
 * STIX 2.1: the pattern tokenizer/parser, pattern → IOCs, and bundles.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/index.js';
import { parsePattern, patternIndicators, PatternSyntaxError, tokenize } from '../../src/ingest/stix-pattern.js';
import { utf8 } from './fixtures.js';

const bundleBytes = (): Uint8Array => readFileSync(new URL('../fixtures/stix/bundle.json', import.meta.url));

function bundle(...objects: object[]): Uint8Array {
  return utf8(JSON.stringify({ type: 'bundle', id: 'bundle--1', objects }));
}

function indicator(id: string, pattern: string, extra: object = {}): object {
  return { type: 'indicator', spec_version: '2.1', id, pattern, pattern_type: 'stix', valid_from: '2026-03-02T12:00:00Z', ...extra };
}

describe('STIX pattern tokenizer and parser', () => {
  it('reads strings with \\\' and \'\' escapes, quoted path parts and list indexes', () => {
    const tokens = tokenize("[file:hashes.'SHA-256' = 'it\\'s' OR x-c:refs[*].value = 'a''b' AND y:n >= -1.5]");
    expect(tokens.map((t) => (t.t === 'path' ? `path:${t.v.objectType}:${t.v.path.join('|')}` : t.t === 'literal' ? `lit:${String(t.v.value)}` : `${t.t}:${t.v}`))).toStrictEqual([
      'punct:[', 'path:file:hashes|SHA-256', 'op:=', "lit:it's", 'word:OR', 'path:x-c:refs|[*]|value', 'op:=', "lit:a'b", 'word:AND', 'path:y:n', 'op:>=', 'lit:-1.5', 'punct:]',
    ]);
  });

  it('AND binds tighter than OR; qualifiers are accepted', () => {
    const tree = parsePattern("[a:value = 'x' OR b:value = 'y' AND c:value = 'z'] WITHIN 600 SECONDS");
    expect(tree).toMatchObject({ kind: 'obs', expr: { kind: 'or', of: [{ kind: 'cmp' }, { kind: 'and' }] } });
    expect(() => parsePattern("[a:value = 'x'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'")).not.toThrow();
  });

  it.each([
    ["[domain-name:value = 'x'", 'expected "]" at end of pattern'],
    ["[domain-name:value = 'x]", 'unterminated string starting at 21'],
    ['[domain-name:value = ]', 'expected a value at position 21'],
    ["domain-name:value = 'x'", 'expected "[" at position 0'],
    ["[domain-name:value ~ 'x']", 'unexpected character "~" at 19'],
    ['', 'empty pattern'],
  ])('syntax error %j', (pattern, message) => {
    expect(() => parsePattern(pattern)).toThrow(new PatternSyntaxError(message));
  });

  it('limits nesting depth instead of overflowing the stack', () => {
    expect(() => parsePattern(`${'('.repeat(5000)}[a:value = 'x']${')'.repeat(5000)}`)).toThrow(/nested deeper than 64/);
    expect(() => parsePattern(`[${'('.repeat(5000)}a:value = 'x'${')'.repeat(5000)}]`)).toThrow(/nested deeper than 64/);
  });
});

describe('STIX pattern → IOCs', () => {
  it.each<[string, string[]]>([
    ["[domain-name:value = 'evil.com']", ['domain evil.com']],
    ["[url:value = 'http://evil.com/a']", ['url http://evil.com/a']],
    ["[ipv4-addr:value = '1.2.3.4']", ['ip 1.2.3.4']],
    ["[ipv6-addr:value = '2001:db8::1']", ['ip 2001:db8::1']],
    ["[ipv4-addr:value = '1.2.3.4' AND network-traffic:dst_port = 443]", ['ip 1.2.3.4:443']],
    ["[network-traffic:dst_port = 443 AND ipv4-addr:value = '1.2.3.4']", ['ip 1.2.3.4:443']],
    ["[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 443]", ['ip 1.2.3.4:443']],
    ["[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'evil.com']", ['domain evil.com']],
    ["[file:hashes.MD5 = 'a']", ['md5 a']],
    ["[file:hashes.'MD5' = 'a' OR file:hashes.'SHA-1' = 'b' OR file:hashes.SHA256 = 'c']", ['md5 a', 'sha1 b', 'sha256 c']],
    ["[file:hashes.'SHA-256' = 'c' AND file:hashes.MD5 = 'a' AND file:name = 'x.exe']", ['sha256 c', 'md5 a']],
    ["[email-addr:value = 'a@evil.com']", ['email a@evil.com']],
    ["[email-message:from_ref.value = 'a@evil.com']", ['email a@evil.com']],
    ["[domain-name:value = 'a.com'] OR [domain-name:value = 'b.com']", ['domain a.com', 'domain b.com']],
    ["[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]", ['ip 1.2.3.4', 'ip 5.6.7.8']],
    ["([domain-name:value = 'a.com'] OR ([url:value = 'http://b.com/']))", ['domain a.com', 'url http://b.com/']],
  ])('%s', (pattern, expected) => {
    const result = patternIndicators(pattern);
    expect(result.unsupported).toStrictEqual([]);
    expect(result.indicators.map((i) => `${i.kind} ${i.value}${i.port === undefined ? '' : `:${i.port}`}`)).toStrictEqual(expected);
  });

  it.each<[string, RegExp]>([
    ["[process:name = 'evil.exe']", /^unsupported STIX pattern: process:name = …$/],
    ["[domain-name:value != 'evil.com']", /operator != /],
    ["[domain-name:value LIKE '%.evil.com']", /operator LIKE/],
    ["[ipv4-addr:value ISSUBSET '10.0.0.0/8']", /operator ISSUBSET/],
    ["[domain-name:value NOT = 'evil.com']", /negated comparison/],
    ["[domain-name:value = 'a.com'] AND [url:value = 'http://b.com/']", /observations joined by AND/],
    ["[domain-name:value = 'a.com'] FOLLOWEDBY [url:value = 'http://b.com/']", /observations joined by FOLLOWEDBY/],
    ["[domain-name:value = 'a.com' AND url:value = 'http://b.com/']", /AND of several values/],
    ["[file:name = 'x.exe']", /no IOC value/],
    ["[domain-name:value = 'a.com' AND (url:value = 'x' OR url:value = 'y')]", /OR inside AND/],
    ["[domain-name:value = 'x'", /^unsupported STIX pattern \(syntax\): expected "\]"/],
  ])('unsupported: %s', (pattern, reason) => {
    const result = patternIndicators(pattern);
    expect(result.indicators).toStrictEqual([]);
    expect(result.unsupported).toHaveLength(1);
    expect(result.unsupported[0]).toMatch(reason);
  });

  it('an OR keeps the supported branches and reports the others', () => {
    const result = patternIndicators("[domain-name:value = 'a.com' OR process:name = 'x.exe']");
    expect([result.indicators.map((i) => i.value), result.unsupported]).toStrictEqual([['a.com'], ['unsupported STIX pattern: process:name = …']]);
  });
});

describe('STIX bundles', () => {
  it('the fixture bundle: families from indicates, labels, confidence, dates, rejections', () => {
    const feed = parseFeed(bundleBytes(), 'bundle.json');
    expect(feed.format).toBe('stix-bundle');
    expect(feed.records.map((r) => `${r.family.id} ${r.ioc.type} ${r.ioc.value}${r.ioc.port === undefined ? '' : `:${r.ioc.port}`}`)).toStrictEqual([
      'win.emotet domain emotet-c2.example.net',
      'unknown url https://drop.example.org/invoice.php?id=1',
      'win.emotet ipv4 198.51.100.7:8080',
      'unknown ipv4 203.0.113.9:443',
      'unknown ipv6 2001:db8::7',
      'unknown md5 9e107d9d372bb6826bd81d3542a419d6',
      'unknown sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      'unknown sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
      'unknown email billing@phish.example.com',
      'unknown domain one.example.com',
      'unknown domain two.example.com',
      'qakbot domain qbot.example.info',
      'win.emotet domain emotet-c2.example.net',
    ]);
    const first = feed.records[0]!;
    expect(first.family).toStrictEqual({ id: 'win.emotet', name: 'Emotet', aliases: ['Geodo', 'Heodo'] });
    expect([first.ioc.firstSeen, first.ioc.confidence, first.ioc.tags, first.ioc.threatType, first.ioc.reporters, first.ioc.sourceIds]).toStrictEqual([
      '2026-03-02T10:00:00Z', 85, ['c2', 'emotet'], 'malicious-activity', ['Example CERT'], ['indicator--a1'],
    ]);
    expect(feed.rejected.map((r) => [r.location.recordId, r.location.pointer, r.reason])).toStrictEqual([
      ['indicator--a9', '/objects/10', 'unsupported STIX pattern: process:name = …'],
      ['indicator--a10', '/objects/11', 'revoked STIX indicator (never hunted)'],
      ['indicator--a11', '/objects/12', 'unsupported STIX pattern_type "sigma" (only "stix" patterns are read)'],
      ['indicator--a13', '/objects/14', 'invalid IPv4 address "192.0.2.300"'],
    ]);
    expect(feed.warnings.map((w) => w.message)).toStrictEqual(['1 of 14 STIX indicators carry valid_until, which huntpack does not model: expiry follows --ttl from valid_from']);
  });

  it('--family names unattributed indicators only', () => {
    const feed = parseFeed(bundleBytes(), 'bundle.json', { family: 'Campaign X' });
    const ids = new Set(feed.records.map((r) => r.family.id));
    expect([...ids].sort()).toStrictEqual(['campaign_x', 'qakbot', 'win.emotet']);
  });

  it('one record per indicated family; valid_from falls back to created; missing dates are rejected', () => {
    const feed = parseFeed(
      bundle(
        { type: 'malware', id: 'malware--1', name: 'Alpha', is_family: true },
        { type: 'malware', id: 'malware--2', name: 'Beta', aliases: ['B'], is_family: true },
        { ...indicator('indicator--1', "[domain-name:value = 'x.example.com']"), valid_from: undefined, created: '2026-01-01T00:00:00Z' },
        { type: 'relationship', id: 'relationship--1', relationship_type: 'indicates', source_ref: 'indicator--1', target_ref: 'malware--1' },
        { type: 'relationship', id: 'relationship--2', relationship_type: 'indicates', source_ref: 'indicator--1', target_ref: 'malware--2' },
        { type: 'indicator', id: 'indicator--2', pattern: "[domain-name:value = 'y.example.com']", pattern_type: 'stix' },
      ),
      'b.json',
    );
    expect(feed.records.map((r) => [r.family.id, r.family.aliases, r.ioc.firstSeen])).toStrictEqual([
      ['alpha', [], '2026-01-01T00:00:00Z'],
      ['beta', ['B'], '2026-01-01T00:00:00Z'],
    ]);
    expect(feed.rejected.map((r) => r.reason)).toStrictEqual(['missing first seen date']);
  });

  it('an empty bundle is a feed with no records', () => {
    const feed = parseFeed(bundle(), 'empty.json');
    expect([feed.format, feed.recordsRead, feed.warnings.map((w) => w.message)]).toStrictEqual(['stix-bundle', 0, ['the feed holds no IOC records']]);
  });
});
