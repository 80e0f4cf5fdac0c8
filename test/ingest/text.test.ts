/**
 * Free-text extraction: every defang style of docs/peers-and-users.md §3 and user issues 14–21 of §4.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractIocs, extractLine } from '../../src/ingest/freetext.js';
import { parseFeed } from '../../src/ingest/index.js';
import { FeedError } from '../../src/model/issue.js';
import { registrableDomain } from '../../src/normalize/indicator.js';
import { refang } from '../../src/normalize/refang.js';
import { utf8 } from './fixtures.js';

const FIRST_SEEN = '2026-03-01T00:00:00Z';

/** The IOCs parseFeed finds in a text, as `type value[:port]`. */
function iocs(text: string, options: { family?: string } = {}): string[] {
  const feed = parseFeed(utf8(text), 'report.txt', { firstSeen: FIRST_SEEN, ...options });
  expect(feed.format).toBe('text');
  return feed.records.map((r) => `${r.ioc.type} ${r.ioc.value}${r.ioc.port === undefined ? '' : `:${r.ioc.port}`}`);
}

describe('refang: every style of §3', () => {
  it.each<[string, string]>([
    ['hxxp://evil.com/a', 'url http://evil.com/a'],
    ['hXXps://evil.com/a', 'url https://evil.com/a'],
    ['HXXPS://evil.com/a', 'url https://evil.com/a'],
    ['h**p://evil.com/a', 'url http://evil.com/a'],
    ['h**ps://evil.com/a', 'url https://evil.com/a'],
    ['fxp://files.evil.com/a', 'url ftp://files.evil.com/a'],
    ['https://evil[.]com/a', 'url https://evil.com/a'],
    ['https://evil(.)com/a', 'url https://evil.com/a'],
    ['https://evil{.}com/a', 'url https://evil.com/a'],
    ['evil[dot]com', 'domain evil.com'],
    ['evil(dot)com', 'domain evil.com'],
    ['evil{dot}com', 'domain evil.com'],
    ['evil[DOT]com', 'domain evil.com'],
    ['evil dot com', 'domain evil.com'],
    ['evil [.] com', 'domain evil.com'],
    ['evil\\.com', 'domain evil.com'],
    ['http[:]//evil.com/a', 'url http://evil.com/a'],
    ['hxxp[:]//evil.com/a', 'url http://evil.com/a'],
    ['http[://]evil.com/a', 'url http://evil.com/a'],
    ['http://evil.com[/]a[/]b', 'url http://evil.com/a/b'],
    ['user[at]evil.com', 'email user@evil.com'],
    ['user(@)evil.com', 'email user@evil.com'],
    ['user{at}evil.com', 'email user@evil.com'],
    ['user[@]evil[.]com', 'email user@evil.com'],
  ])('%s', (text, expected) => {
    expect(iocs(text)).toStrictEqual([expected]);
  });

  it('keeps hxxps as https, never http (iocextract#49)', () => {
    expect(iocs('hxxps://a.evil.com/x hXXps[:]//b.evil.com/y')).toStrictEqual(['url https://a.evil.com/x', 'url https://b.evil.com/y']);
  });

  it('never rewrites an unknown scheme to http', () => {
    expect(refang('meow://evil.com/x xxxx://evil.com').text).toBe('meow://evil.com/x xxxx://evil.com');
    expect(iocs('meow://evil.com/x')).toStrictEqual(['domain evil.com']);
  });

  it('" dot " only when the chain is a real domain and not prose', () => {
    expect(refang('connect the dot to the next').text).toBe('connect the dot to the next');
    expect(refang('a dot on the map').text).toBe('a dot on the map');
    expect(refang('bad dot example dot co dot uk').text).toBe('bad.example.co.uk');
    expect(refang('foo dot notatld').text).toBe('foo dot notatld');
  });

  it('marks which characters were defanged', () => {
    const r = refang('a[.]b');
    expect([r.text, [...r.defanged]]).toStrictEqual(['a.b', [0, 1, 0]]);
  });
});

describe('user issues §4 14–21', () => {
  it('14 msticpy#681: news.ycombinator.com is a domain, not an e-mail; bare "at" is never refanged', () => {
    expect(iocs('news.ycombinator.com')).toStrictEqual(['domain news.ycombinator.com']);
    expect(iocs('meet me at evil.com AT noon')).toStrictEqual(['domain evil.com']);
  });

  it('15 msticpy#627: defanged forms are matched', () => {
    expect(iocs('evil[.]com 1.2.3[.]4')).toStrictEqual(['domain evil.com', 'ipv4 1.2.3.4']);
  });

  it('16 iocextract#49: hxxps:// → https://', () => {
    expect(iocs('hxxps://evil.com/')).toStrictEqual(['url https://evil.com/']);
  });

  it('17 iocextract#77: 101.28[.]225[.]248 is one IP, not also a URL', () => {
    expect(iocs('C2 at 101.28[.]225[.]248 today')).toStrictEqual(['ipv4 101.28.225.248']);
  });

  it('18 iocextract#31, #42: netstat 10.1.1.117.4222 and http[:]//', () => {
    expect(iocs('TCP 10.1.1.117.4222 ESTABLISHED')).toStrictEqual(['ipv4 10.1.1.117:4222']);
    expect(iocs('http[:]//evil.com/a')).toStrictEqual(['url http://evil.com/a']);
  });

  it('19 ioc-extractor#4: www.atmarkit.co.jp stays a domain with registrable atmarkit.co.jp', () => {
    expect(iocs('www.atmarkit.co.jp')).toStrictEqual(['domain www.atmarkit.co.jp']);
    expect(registrableDomain('www.atmarkit.co.jp')).toBe('atmarkit.co.jp');
  });

  it('20 ioc-finder#211, file2stix#8: file names are not domains', () => {
    expect(() => iocs('invoice.pdf.exe cba_file_pdf.zip virus.exe invoice.pdf.zip C:\\Windows\\System32\\svc.com /tmp/x/run.com setup.py README.md')).toThrow(FeedError);
    // A defanged .zip is a domain: the author marked it as one.
    expect(iocs('evil[.]zip evil.zip')).toStrictEqual(['domain evil.zip']);
  });

  it('21 IOCextractor#11: version strings and out-of-range octets are not IPs', () => {
    expect(() => iocs('version 5.24.12.1335, build 1.2.3.4, 143.404.146.87, 10.0.0.0/8')).toThrow(FeedError);
    // Defanged but invalid: the author meant an IOC, so it is reported.
    const feed = parseFeed(utf8('bad 203.0.113[.]256'), 'r.txt', { firstSeen: FIRST_SEEN });
    expect(feed.rejected).toStrictEqual([{ location: { file: 'r.txt', line: 1 }, value: '203.0.113.256', reason: 'invalid IPv4 address "203.0.113.256" (octet out of range or version string)' }]);
  });
});

describe('extraction', () => {
  it('finds every kind, with ports only for ip:port notations', () => {
    expect(
      iocs(
        [
          'ip 198.51.100.1 and 198.51.100.2:8443 and [2001:db8::1]:443 and 2001:db8::2',
          'url https://evil.example.org:8080/a?b=c,d and domain evil.example.net:8443',
          'hashes 9e107d9d372bb6826bd81d3542a419d6 2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
          'mail billing@phish.example.com',
        ].join('\n'),
      ),
    ).toStrictEqual([
      'ipv4 198.51.100.1',
      'ipv4 198.51.100.2:8443',
      'ipv6 2001:db8::1:443',
      'ipv6 2001:db8::2',
      'url https://evil.example.org:8080/a?b=c,d',
      'domain evil.example.net',
      'md5 9e107d9d372bb6826bd81d3542a419d6',
      'sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
      'sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      'email billing@phish.example.com',
    ]);
  });

  it('a URL host is not extracted again; trailing punctuation and unbalanced brackets are trimmed', () => {
    expect(iocs('(see https://evil.com/a).')).toStrictEqual(['url https://evil.com/a']);
    expect(iocs('"https://en.example.org/wiki/Foo_(bar)",')).toStrictEqual(['url https://en.example.org/wiki/Foo_(bar)']);
    expect(iocs('hxxp://198.51.100[.]23:8080/gate.php')).toStrictEqual(['url http://198.51.100.23:8080/gate.php']);
  });

  it('an e-mail domain is not also a domain IOC', () => {
    expect(iocs('from a.b@mail.evil.com.')).toStrictEqual(['email a.b@mail.evil.com']);
  });

  it('requires an ICANN public suffix for bare domains', () => {
    expect(() => iocs('server.local host.internal e.g. i.e. Node.js')).toThrow(FeedError);
    expect(extractLine('a.b example.invalidtld').every((c) => c.problem !== undefined)).toBe(true);
  });

  it('reports each IOC once, at its first line, and locates it', () => {
    const feed = parseFeed(utf8('x\nevil[.]com\nevil.com again\n'), 'r.txt', { firstSeen: FIRST_SEEN });
    expect(feed.records.map((r) => r.location)).toStrictEqual([{ file: 'r.txt', line: 2 }]);
    expect(extractIocs('a\nb evil.com').map((c) => c.line)).toStrictEqual([2]);
  });

  it('groups IOCs under unknown, or --family', () => {
    const plain = parseFeed(utf8('evil.com'), 'r.txt', { firstSeen: FIRST_SEEN });
    expect(plain.records[0]?.family).toStrictEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
    const named = parseFeed(utf8('evil.com'), 'r.txt', { firstSeen: FIRST_SEEN, family: 'Lumma Stealer' });
    expect(named.records[0]?.family).toStrictEqual({ id: 'lumma_stealer', name: 'Lumma Stealer', aliases: [] });
    expect(parseFeed(utf8('evil.com'), 'r.txt', { family: 'win.lumma' }).records[0]?.family.id).toBe('win.lumma');
  });

  it('first seen: --first-seen, else the file time, else 1970 with a warning', () => {
    expect(parseFeed(utf8('evil.com'), 'r.txt', { firstSeen: FIRST_SEEN }).records[0]?.ioc.firstSeen).toBe(FIRST_SEEN);
    expect(parseFeed(utf8('evil.com'), 'r.txt', { fileTime: '2026-05-05T05:05:05Z' }).records[0]?.ioc.firstSeen).toBe('2026-05-05T05:05:05Z');
    const bare = parseFeed(utf8('evil.com'), 'r.txt');
    expect([bare.records[0]?.ioc.firstSeen, bare.warnings.at(-1)?.message]).toStrictEqual([
      '1970-01-01T00:00:00Z',
      'free text: 1 IOC extracted; first seen set to 1970-01-01T00:00:00Z (no date known; pass --first-seen DATE)',
    ]);
  });

  it('the sample report', () => {
    const text = readFileSync(new URL('../fixtures/text/report.md', import.meta.url), 'utf8');
    expect(iocs(text)).toStrictEqual([
      'url https://cdn-update.example.com/files/upd.bin',
      'url http://198.51.100.23:8080/gate.php',
      'ipv4 101.28.225.248',
      'url https://panel.bad-domain.net/login',
      'ipv4 10.1.1.117:4222',
      'email billing@invoices-portal.com',
      'email support@helpdesk.example.org',
      'domain staging.evil-cdn.com',
      'domain www.atmarkit.co.jp',
      'sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
      'md5 9e107d9d372bb6826bd81d3542a419d6',
      'domain news.ycombinator.com',
    ]);
  });

  it('text without any IOC is no feed; HTML, broken JSON and unknown JSON stay errors', () => {
    expect(() => parseFeed(utf8('Dear team,\nnothing to see.\n'), 'a.txt')).toThrow(/no IOC found in it as text/);
    expect(() => parseFeed(utf8('<html><title>x</title></html> evil.com'), 'a.txt')).toThrow(/HTML page/);
    expect(() => parseFeed(utf8('{"a": [1, 2'), 'a.txt')).toThrow(/truncated or invalid JSON/);
    expect(() => parseFeed(utf8('{"foo": "evil.com"}'), 'a.txt')).toThrow(/not a ThreatFox feed: JSON object/);
    // Text that merely starts with a bracket is text.
    expect(iocs('[TLP:CLEAR] evil[.]com')).toStrictEqual(['domain evil.com']);
  });
});
