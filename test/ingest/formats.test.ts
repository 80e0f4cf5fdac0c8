import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseFeed, readFeed, type ParsedFeed } from '../../src/ingest/index.js';
import { FeedError } from '../../src/model/issue.js';
import { FIXTURES, fixtureBytes, fixtureText, utf8 } from './fixtures.js';

const CSV_HEADER_14 =
  '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","reference","tags","anonymous","reporter"';

function csvRow(id: number, value: string, type = 'domain'): string {
  return `"2024-07-16 05:25:36", "${id}", "${value}", "${type}", "botnet_cc", "win.cobalt_strike", "None", "Cobalt Strike", "", "100", "None", "None", "0", "abuse_ch"`;
}

function summary(feed: ParsedFeed): string[] {
  return feed.records.map((r) => `${r.ioc.type} ${r.ioc.value}${r.ioc.port === undefined ? '' : ` ${r.ioc.port}`}`);
}

describe('API get_iocs response', () => {
  const feed = parseFeed(fixtureBytes('api-get-iocs.json'), 'api-get-iocs.json');

  it('detects the format and counts every record', () => {
    expect([feed.format, feed.recordsRead, feed.records.length, feed.rejected.length, feed.warnings]).toStrictEqual([
      'threatfox-api', 17, 10, 7, [],
    ]);
  });

  it('normalises a domain record completely', () => {
    expect(feed.records[0]).toStrictEqual({
      family: { id: 'js.kongtuke', name: 'KongTuke', aliases: [] },
      ioc: {
        type: 'domain',
        value: 'fontanf.lol',
        threatType: 'payload_delivery',
        firstSeen: '2026-04-24T10:12:31Z',
        lastSeen: null,
        confidence: 100,
        tags: ['ClickFix', 'KongTuke'],
        sourceIds: ['900001'],
        references: ['https://example.org/kongtuke-report'],
        reporters: ['anonymous'],
        isCompromised: false,
        flags: [],
      },
      location: { file: 'api-get-iocs.json', recordId: '900001', pointer: '/data/0' },
    });
  });

  it('keeps hostile URL characters verbatim and lower-cases only scheme and host', () => {
    expect(feed.records[1]?.ioc.value).toBe(`https://tdypy7dvtdq.com/dl/update.zip?a="b"&c='d'\\e]);//#Frag`);
    expect(feed.records[1]?.ioc.isCompromised).toBe(true);
  });

  it('splits IPv6 ip:port at the last colon and coerces a numeric id and string confidence', () => {
    expect(feed.records[2]).toStrictEqual({
      family: { id: 'win.redline_stealer', name: 'RedLine Stealer', aliases: [] },
      ioc: {
        type: 'ipv6',
        value: '2a02:cf40:1::5',
        port: 40669,
        threatType: 'botnet_cc',
        firstSeen: '2026-04-23T11:40:15Z',
        lastSeen: null,
        confidence: 75,
        tags: [],
        sourceIds: ['900003'],
        references: [],
        reporters: ['abuse_ch'],
        isCompromised: false,
        flags: [],
      },
      location: { file: 'api-get-iocs.json', recordId: '900003', pointer: '/data/2' },
    });
    expect(summary(feed)).toContain('ipv6 2001:db8::1 8080');
  });

  it('keeps hostile family names verbatim and defaults unknown malware', () => {
    const families = feed.records.map((r) => r.family);
    expect(families).toContainEqual({
      id: 'win.evil|<script>alert(1)</script>/../x',
      name: 'Evil | <script>alert(1)</script> ../../etc/passwd',
      aliases: ['<img src=x>', 'a|b'],
    });
    expect(families).toContainEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
  });

  it('rejects invalid records with location, value and reason while good records survive', () => {
    const at = (recordId: string, index: number) => ({ file: 'api-get-iocs.json', recordId, pointer: `/data/${index}` });
    expect(feed.rejected).toStrictEqual([
      { location: at('900004', 3), value: '143.404.146.87:80', reason: 'invalid IPv4 address "143.404.146.87"' },
      {
        location: at('900005', 4),
        value: 'a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3',
        reason: 'invalid sha1 hash (not hex) "a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3"',
      },
      { location: at('900008', 7), value: 'bad domain.com', reason: 'invalid domain label "bad domain" in "bad domain.com"' },
      { location: at('900012', 11), value: 'late.example.net', reason: 'first_seen: timestamp out of range "2026-02-30 10:00:00 UTC"' },
      { location: at('900013', 12), value: '198.51.100.7:70000', reason: 'port out of range "70000"' },
      { location: at('900014', 13), value: 'too-sure.example.net', reason: 'confidence_level out of range 0..100: 150' },
      { location: at('900015', 14), value: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh', reason: 'unknown ioc_type "bitcoin_address"' },
    ]);
    expect(summary(feed)).toStrictEqual([
      'domain fontanf.lol',
      `url https://tdypy7dvtdq.com/dl/update.zip?a="b"&c='d'\\e]);//#Frag`,
      'ipv6 2a02:cf40:1::5 40669',
      'ipv4 81.2.69.142 443',
      'ipv4 81.2.69.142 443',
      `sha256 cf87c474b0154c536cdf0e771c8ca97d9c4ba1d5530f669b677cd3b9346fe37d`,
      'email phish.sender@example.com',
      'ipv6 2001:db8::1 8080',
      `sha3-384 ${'0123456789abcdef'.repeat(6)}`,
      'domain dummy-tf-test-dummy-rfnsp2ni.example',
    ]);
  });

  it('reads the same feed from disk with a display name', async () => {
    const fromDisk = await readFeed(`${FIXTURES}api-get-iocs.json`, 'feeds/today.json');
    expect(fromDisk.file).toBe('feeds/today.json');
    expect(fromDisk.records[0]?.location).toStrictEqual({ file: 'feeds/today.json', recordId: '900001', pointer: '/data/0' });
    expect(fromDisk.records.map((r) => r.ioc)).toStrictEqual(feed.records.map((r) => r.ioc));
  });
});

describe('other JSON shapes', () => {
  it('bare array: ISO and fractional/offset dates, "True" flag, non-object and date-less records rejected', () => {
    const feed = parseFeed(fixtureBytes('bare-array.json'), 'bare-array.json');
    expect(feed.format).toBe('threatfox-array');
    expect(feed.records.map((r) => [r.location, r.ioc.firstSeen, r.ioc.lastSeen, r.ioc.isCompromised, r.ioc.confidence])).toStrictEqual([
      [{ file: 'bare-array.json', recordId: '910001', pointer: '/0' }, '2022-08-05T19:43:08Z', null, false, 100],
      [{ file: 'bare-array.json', recordId: '910003', pointer: '/2' }, '2022-08-05T11:40:15Z', '2022-08-06T01:02:03Z', true, 75],
    ]);
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'bare-array.json', pointer: '/1' }, value: '42', reason: 'record is not a JSON object' },
      { location: { file: 'bare-array.json', recordId: '910004', pointer: '/3' }, value: 'no-date.example.com', reason: 'missing first_seen' },
    ]);
  });

  it('NDJSON: line locations, bracketed and mapped addresses, a cut last line and a non-object line rejected', () => {
    const feed = parseFeed(fixtureBytes('get-iocs.ndjson'), 'get-iocs.ndjson');
    expect([feed.format, feed.recordsRead]).toStrictEqual(['threatfox-ndjson', 5]);
    expect(feed.records.map((r) => [r.location, r.ioc.type, r.ioc.value, r.ioc.port])).toStrictEqual([
      [{ file: 'get-iocs.ndjson', line: 1, recordId: '920001' }, 'ipv6', '2a02:cf40:1::5', 40669],
      [{ file: 'get-iocs.ndjson', line: 2, recordId: '920002' }, 'url', 'http://72.11.148.153/jquery-3.3.1.min.js', undefined],
      [{ file: 'get-iocs.ndjson', line: 4, recordId: '920003' }, 'ipv4', '198.51.100.23', 8808],
    ]);
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'get-iocs.ndjson', line: 5 }, value: '["not","a","record"]', reason: 'NDJSON line is not a JSON object' },
      {
        location: { file: 'get-iocs.ndjson', line: 6 },
        value: fixtureText('get-iocs.ndjson').split('\n')[5],
        reason: 'invalid JSON line (truncated?): Unterminated string',
      },
    ]);
  });

  it('NDJSON whose first line is cut is still NDJSON when most lines are records', () => {
    const lines = fixtureText('get-iocs.ndjson').split('\n');
    const text = [lines[0]?.slice(0, 30), lines[0], lines[1], lines[3]].join('\n');
    const feed = parseFeed(utf8(text), 'cut-first.ndjson');
    expect([feed.format, feed.records.length, feed.rejected.map((r) => r.location)]).toStrictEqual([
      'threatfox-ndjson', 3, [{ file: 'cut-first.ndjson', line: 1 }],
    ]);
  });

  it('JSON export: arrays or bare objects per id, comma-string tags, "None" markers, escaped pointers', () => {
    const feed = parseFeed(fixtureBytes('export.json'), 'export.json');
    expect(feed.format).toBe('threatfox-json-export');
    expect(feed.records[0]).toStrictEqual({
      family: { id: 'win.lokipws', name: 'Loki Password Stealer (PWS)', aliases: ['Burkina', 'Loki', 'LokiBot', 'LokiPWS'] },
      ioc: {
        type: 'url',
        value: 'http://rocheholding.top/rudolph/five/fre.php',
        threatType: 'botnet_cc',
        firstSeen: '2024-07-16T06:45:19Z',
        lastSeen: '2024-07-16T08:11:39Z',
        confidence: 75,
        tags: ['exe', 'lokibot'],
        sourceIds: ['1672089'],
        references: ['https://bazaar.abuse.ch/sample/d5a6b19ed0cb225a61c510bff2f2713b3a69435527f41fbb83d4e8343effaa13/'],
        reporters: ['abuse_ch'],
        isCompromised: false,
        flags: [],
      },
      location: { file: 'export.json', recordId: '1672089', pointer: '/1672089/0' },
    });
    expect(feed.records[1]?.location).toStrictEqual({ file: 'export.json', recordId: '1672090', pointer: '/1672090' });
    expect([feed.records[1]?.ioc.tags, feed.records[1]?.ioc.references, feed.records[1]?.ioc.confidence]).toStrictEqual([[], [], 100]);
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'export.json', recordId: '1672091', pointer: '/1672091/0' }, value: '8.134.12.300:7777', reason: 'invalid IPv4 address "8.134.12.300"' },
      { location: { file: 'export.json', recordId: 'a/b~c', pointer: '/a~1b~0c/0' }, value: '"not a record"', reason: 'export entry is not a JSON object' },
    ]);
  });

  it('a single bare detail record (the `ioc` query) and an envelope whose data is one object', () => {
    const record = { id: '1092411', ioc: '4e5902809c2d4b55dc13e686249a2ea9', ioc_type: 'md5_hash', threat_type: 'payload', malware: 'unknown', malware_printable: 'Unknown malware', malware_alias: null, confidence_level: 50, first_seen: '2023-03-21 09:46:56 UTC', last_seen: null, reference: null, reporter: 'abuse_ch', tags: ['APT', 'gamaredon'], comment: null, credits: [], malware_samples: [] };
    const bare = parseFeed(utf8(JSON.stringify(record, null, 2)), 'ioc.json');
    const wrapped = parseFeed(utf8(JSON.stringify({ query_status: 'ok', data: record })), 'ioc-wrapped.json');
    expect([bare.format, bare.records[0]?.location, bare.records[0]?.ioc.value]).toStrictEqual([
      'threatfox-api', { file: 'ioc.json', recordId: '1092411' }, '4e5902809c2d4b55dc13e686249a2ea9',
    ]);
    expect([wrapped.format, wrapped.records[0]?.location]).toStrictEqual(['threatfox-api', { file: 'ioc-wrapped.json', recordId: '1092411', pointer: '/data' }]);
  });

  it('an ok response with an empty data array is a feed with no records and a warning', () => {
    const feed = parseFeed(utf8('{"query_status":"ok","data":[]}'), 'empty-ok.json');
    expect([feed.format, feed.recordsRead, feed.warnings]).toStrictEqual([
      'threatfox-api', 0, [{ location: { file: 'empty-ok.json' }, message: 'the feed holds no IOC records' }],
    ]);
  });

  it('strips a UTF-8 BOM and decodes UTF-16LE with BOM', () => {
    const text = fixtureText('bare-array.json');
    const bom = parseFeed(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]), 'bom.json');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const wide = parseFeed(utf16, 'wide.json');
    expect(bom.records.length).toBe(2);
    expect(wide.records.map((r) => r.ioc)).toStrictEqual(bom.records.map((r) => r.ioc));
    const csv = fixtureBytes('recent-15col.csv');
    const csvBom = parseFeed(new Uint8Array([0xef, 0xbb, 0xbf, ...csv]), 'bom.csv');
    expect([csvBom.format, csvBom.records.map((r) => r.ioc)]).toStrictEqual(['threatfox-csv', parseFeed(csv, 'plain.csv').records.map((r) => r.ioc)]);
  });
});

describe('CSV exports', () => {
  it('a quoted field holding a line break keeps its record whole; a stray quote never swallows the rows after it', () => {
    const header = '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"';
    const row = (id: string, value: string, family: string, printable: string) =>
      `"2026-05-01 10:00:00", "${id}", "${value}", "domain", "botnet_cc", "${family}", "None", "${printable}", "", "80", "False", "None", "None", "0", "t"`;
    const text = [
      header,
      row('1', 'first.example-bad.net', 'win.new\nline', 'New\nLine'),
      row('2', 'second.example-bad.net', 'win.ok', 'OK'),
      `"2026-05-01 10:00:00", "3", stray"quote.example-bad.net, "domain", "botnet_cc", "win.ok", "None", "OK", "", "80", "False", "None", "None", "0", "t"`,
      row('4', 'fourth.example-bad.net', 'win.ok', 'OK'),
      row('5', 'fifth.example-bad.net', 'win.ok', 'OK'),
      '# Number of entries: 5',
      '',
    ].join('\r\n');
    const feed = parseFeed(utf8(text), 'newline.csv');
    expect(feed.records.map((r) => [r.location.line, r.ioc.value, r.family.id, r.family.name])).toStrictEqual([
      [2, 'first.example-bad.net', 'win.new\nline', 'New\nLine'],
      // The first record spans lines 2 to 4 (two fields hold a line break).
      [5, 'second.example-bad.net', 'win.ok', 'OK'],
      [7, 'fourth.example-bad.net', 'win.ok', 'OK'],
      [8, 'fifth.example-bad.net', 'win.ok', 'OK'],
    ]);
    expect(feed.rejected.map((r) => r.location.line)).toStrictEqual([6]);
    expect(feed.warnings).toStrictEqual([]);
  });

  it('recent export: 15 columns, CRLF, trailer, None/""/n/a markers, quoted commas and quotes', () => {
    const bytes = fixtureBytes('recent-15col.csv');
    expect(Buffer.from(bytes).includes('\r\n')).toBe(true);
    const feed = parseFeed(bytes, 'recent.csv');
    expect([feed.format, feed.recordsRead, feed.warnings]).toStrictEqual(['threatfox-csv', 6, []]);
    expect(feed.records[0]).toStrictEqual({
      family: { id: 'win.bianlian', name: 'BianLian', aliases: [] },
      ioc: {
        type: 'ipv4',
        value: '143.244.152.37',
        port: 8080,
        threatType: 'botnet_cc',
        firstSeen: '2026-01-08T16:03:54Z',
        lastSeen: null,
        confidence: 100,
        tags: ['AS14061', 'BianLian', 'C2', 'DIGITALOCEAN-ASN', 'censys'],
        sourceIds: ['1693325'],
        references: ['https://search.censys.io/hosts/143.244.152.37'],
        reporters: ['DonPasci'],
        isCompromised: false,
        flags: [],
      },
      location: { file: 'recent.csv', line: 10 },
    });
    expect(feed.records.slice(1).map((r) => [r.location.line, r.ioc.value, r.ioc.isCompromised, r.ioc.confidence, r.ioc.lastSeen, r.ioc.tags, r.ioc.references])).toStrictEqual([
      [11, 'https://drfitness.fit/path?q=a,b&say="hi"', true, 100, null, ['ClearFake', 'win-0x4679', 'windows'], []],
      [12, 'kongtuke-tds.lol', true, null, '2026-01-08T16:00:00Z', [], []],
      [15, '4e5902809c2d4b55dc13e686249a2ea9', false, 80, null, ['Lumma'], []],
    ]);
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'recent.csv', line: 13 }, value: 'ZZZZ0123456789abcdef0123456789ab', reason: 'invalid md5 hash (not hex) "ZZZZ0123456789abcdef0123456789ab"' },
      {
        location: { file: 'recent.csv', line: 14 },
        value: fixtureText('recent-15col.csv').split('\r\n')[13],
        reason: 'expected 15 CSV fields, found 14',
      },
    ]);
  });

  it('full dump in a ZIP: 14 columns, full.csv chosen among other entries, duplicates kept as records', () => {
    const zip = zipSync({ 'README.txt': strToU8('not the feed'), 'export/full.csv': fixtureBytes('full-14col.csv'), 'other.csv': strToU8('# x') });
    const feed = parseFeed(zip, 'full.zip');
    expect([feed.format, feed.recordsRead, feed.records.length]).toStrictEqual(['threatfox-csv-zip', 4, 3]);
    expect(feed.warnings).toStrictEqual([{ location: { file: 'full.zip' }, message: 'ZIP archive: read "export/full.csv", ignored 2 other entries' }]);
    expect(summary(feed)).toStrictEqual(['url http://rocheholding.top/rudolph/five/fre.php', 'ipv4 8.134.12.90 7777', 'ipv4 8.134.12.90 7777']);
    expect(feed.records.map((r) => r.ioc.isCompromised)).toStrictEqual([false, false, false]);
    expect(feed.rejected).toStrictEqual([{ location: { file: 'full.zip', line: 13 }, value: '91.208.73.75:0', reason: 'port out of range "0"' }]);
  });

  it('ZIP without full.csv takes the first .csv or .json entry, skipping macOS metadata', () => {
    const csvZip = parseFeed(
      zipSync({ '__MACOSX/._recent.csv': strToU8('junk'), '._recent.csv': strToU8('junk'), 'recent.csv': fixtureBytes('recent-15col.csv'), 'later.json': strToU8('{}') }),
      'recent.zip',
    );
    const jsonZip = parseFeed(zipSync({ 'notes.md': strToU8('# hi'), 'export.json': fixtureBytes('export.json'), 'z.csv': strToU8('x') }), 'export.zip');
    expect([csvZip.format, csvZip.records.length, jsonZip.format, jsonZip.records.length]).toStrictEqual([
      'threatfox-csv-zip', 4, 'threatfox-json-export', 2,
    ]);
  });

  it('reports an export-style record inside an API array instead of re-mapping it', () => {
    const feed = parseFeed(utf8(JSON.stringify([{ ioc_value: 'a.example', ioc_type: 'domain', first_seen_utc: '2024-07-16 05:25:36' }])), 'mixed.json');
    expect(feed.rejected).toStrictEqual([
      { location: { file: 'mixed.json', pointer: '/0' }, value: 'a.example', reason: 'export-style record ("ioc_value") where an API record ("ioc") was expected' },
    ]);
  });

  it('maps reordered columns by header name and warns about unknown columns', () => {
    const feed = parseFeed(fixtureBytes('reordered.csv'), 'reordered.csv');
    expect(feed.warnings).toStrictEqual([{ location: { file: 'reordered.csv', line: 2 }, message: 'unknown CSV column "sightings" ignored' }]);
    expect(feed.records.map((r) => [r.location.line, r.ioc.type, r.ioc.value, r.ioc.port, r.ioc.confidence, r.ioc.tags, r.ioc.sourceIds])).toStrictEqual([
      [3, 'domain', 'asyncrat.duckdns.org', undefined, 75, ['AsyncRAT', 'RAT'], ['1700001']],
      [4, 'ipv6', '2a02:cf40:1::5', 6606, 80, ['AsyncRAT'], ['1700002']],
    ]);
  });

  it('warns when the trailer count differs and reports a stray non-CSV line as rejected', () => {
    const text = [CSV_HEADER_14, csvRow(1, 'a.example'), '[...more records...]', csvRow(2, 'b.example'), '# Number of entries: 1217668', ''].join('\n');
    const feed = parseFeed(utf8(text), 'excerpt.csv');
    expect(summary(feed)).toStrictEqual(['domain a.example', 'domain b.example']);
    expect(feed.rejected).toStrictEqual([{ location: { file: 'excerpt.csv', line: 3 }, value: '[...more records...]', reason: 'expected 14 CSV fields, found 1' }]);
    expect(feed.warnings).toStrictEqual([{ location: { file: 'excerpt.csv', line: 5 }, message: 'trailer says 1217668 entries but the file holds 3 rows' }]);
  });

  it('isolates malformed quoting to its own line, even inside a large batch', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => csvRow(i, `host${i}.example`));
    rows[1700] = '"2024-07-16 05:25:36", "1700", "broken"quote.example", "domain"';
    rows[1701] = '"2024-07-16 05:25:36", "1701", "unclosed.example, "domain"';
    const feed = parseFeed(utf8([CSV_HEADER_14, ...rows].join('\r\n')), 'big.csv');
    expect(feed.recordsRead).toBe(2500);
    expect(feed.records.length).toBe(2498);
    expect(feed.rejected.map((r) => [r.location.line, r.reason.split(':')[0]])).toStrictEqual([
      [1702, 'malformed CSV row'],
      [1703, 'malformed CSV row'],
    ]);
    expect(feed.records[1700]?.ioc.value).toBe('host1702.example');
    expect(feed.records[1700]?.location.line).toBe(1704);
  });

  it('keeps a # inside a quoted field, skips comment lines between rows and blank lines', () => {
    const text = [CSV_HEADER_14, csvRow(1, 'http://a.example/#frag,x', 'url'), '', '# a comment in the middle', csvRow(2, 'b.example')].join('\n');
    const feed = parseFeed(utf8(text), 'hash.csv');
    expect(feed.records.map((r) => [r.location.line, r.ioc.value])).toStrictEqual([
      [2, 'http://a.example/#frag,x'],
      [5, 'b.example'],
    ]);
  });

  it('accepts an uncommented header line', () => {
    const text = [CSV_HEADER_14.slice(2), csvRow(7, 'c.example')].join('\n');
    const feed = parseFeed(utf8(text), 'plain-header.csv');
    expect([feed.format, summary(feed), feed.records[0]?.location]).toStrictEqual(['threatfox-csv', ['domain c.example'], { file: 'plain-header.csv', line: 2 }]);
  });

  it('the same bytes give the same result regardless of the file name', () => {
    const bytes = fixtureBytes('recent-15col.csv');
    const a = parseFeed(bytes, 'x.json');
    const b = parseFeed(bytes, 'x.csv');
    expect([a.format, a.records.map((r) => r.ioc)]).toStrictEqual([b.format, b.records.map((r) => r.ioc)]);
  });
});

describe('readFeed', () => {
  it('throws FeedError for an unreadable path', async () => {
    await expect(readFeed(`${FIXTURES}does-not-exist.json`, 'missing.json')).rejects.toStrictEqual(new FeedError('missing.json', 'cannot read file: no such file'));
    await expect(readFeed(FIXTURES, 'dir')).rejects.toStrictEqual(new FeedError('dir', 'cannot read file: is a directory'));
  });
});
