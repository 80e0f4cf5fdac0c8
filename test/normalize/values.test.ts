import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../src/normalize/date.js';
import { normalizeDomain } from '../../src/normalize/domain.js';
import { normalizeEmail } from '../../src/normalize/email.js';
import { parseAliases, parseConfidence, parseFlag, parseTags } from '../../src/normalize/fields.js';
import { normalizeHash } from '../../src/normalize/hash.js';
import { formatIpPort, normalizeIp, parseIpPort, parsePort } from '../../src/normalize/ip.js';
import { compareCodePoints, isMissingMarker, oneLine, uniqueSortedCaseInsensitive } from '../../src/normalize/text.js';
import { normalizeUrl, splitUrl } from '../../src/normalize/url.js';

describe('normalizeDomain', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['  evil.example.com.  ', 'evil.example.com'],
    ['evil.example.com...', 'evil.example.com'],
    ['_dmarc.sub-domain.example.org', '_dmarc.sub-domain.example.org'],
    ['dummy-tf-test-dummy-rfnsp2ni.example', 'dummy-tf-test-dummy-rfnsp2ni.example'],
    ['Bücher.DE', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['пример.рф', 'xn--e1afmkfd.xn--p1ai'],
    ['wizzy.hopto.org', 'wizzy.hopto.org'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizeDomain(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['bad domain.com', 'invalid domain label "bad domain"'],
    ['localhost', 'domain needs at least two labels'],
    ['1.2.3.4', 'domain looks like an IP address'],
    ['143.404.146.87', 'domain looks like an IP address'],
    ['example.123', 'invalid top-level label "123"'],
    ['example.-com', 'invalid top-level label "-com"'],
    ['a..example.com', 'invalid domain label ""'],
    [`${'a'.repeat(64)}.com`, 'invalid domain label'],
    [`${'abcdefghi.'.repeat(26)}com`, 'longer than 253'],
    ['', 'empty domain'],
    ['.', 'empty domain'],
    ['evil.com/path', 'invalid domain label "com/path"'],
    ['*.example.com', 'invalid domain label "*"'],
    ['xn--zz.com', 'invalid'],
    ['[::1]', 'at least two labels'],
  ])('rejects %j', (input, reason) => {
    const result = normalizeDomain(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('IP addresses and ip:port', () => {
  it.each([
    ['1.2.3.4', { type: 'ipv4', value: '1.2.3.4' }],
    ['255.255.255.255', { type: 'ipv4', value: '255.255.255.255' }],
    ['0.0.0.0', { type: 'ipv4', value: '0.0.0.0' }],
    ['2001:DB8:0:0:0:0:0:1', { type: 'ipv6', value: '2001:db8::1' }],
    ['2001:db8:0:0:1:0:0:1', { type: 'ipv6', value: '2001:db8::1:0:0:1' }],
    ['::ffff:1.2.3.4', { type: 'ipv4', value: '1.2.3.4' }],
    ['::FFFF:C000:0280', { type: 'ipv4', value: '192.0.2.128' }],
    ['::', { type: 'ipv6', value: '::' }],
  ])('normalizeIp(%j)', (input, expected) => {
    expect(normalizeIp(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['143.404.146.87', 'invalid IPv4 address "143.404.146.87"'],
    ['01.2.3.4', 'invalid IPv4 address "01.2.3.4"'],
    ['1.2.3', 'invalid IPv4 address "1.2.3"'],
    ['1.2.3.4.5', 'invalid IPv4 address "1.2.3.4.5"'],
    ['0x7f.0.0.1', 'invalid IPv4 address "0x7f.0.0.1"'],
    [' 1.2.3.256', 'invalid IPv4 address "1.2.3.256"'],
    ['fe80::1%eth0', 'IPv6 zone id not allowed "fe80::1%eth0"'],
    ['1:2:3:4:5:6:7:8:9', 'invalid IPv6 address "1:2:3:4:5:6:7:8:9"'],
    ['2001:db8::g', 'invalid IPv6 address "2001:db8::g"'],
    ['::ffff:01.2.3.4', 'invalid IPv6 address "::ffff:01.2.3.4"'],
  ])('normalizeIp rejects %j', (input, reason) => {
    expect(normalizeIp(input)).toStrictEqual({ ok: false, reason });
  });

  it.each([
    ['81.2.69.142:443', { type: 'ipv4', value: '81.2.69.142', port: 443 }],
    ['2a02:cf40:1::5:40669', { type: 'ipv6', value: '2a02:cf40:1::5', port: 40669 }],
    // A complete IPv6 address on its own; as ip:port the last group is the port.
    ['2001:db8::1:8080', { type: 'ipv6', value: '2001:db8::1', port: 8080 }],
    ['[2001:DB8::1]:8080', { type: 'ipv6', value: '2001:db8::1', port: 8080 }],
    ['[::ffff:1.2.3.4]:80', { type: 'ipv4', value: '1.2.3.4', port: 80 }],
    [':::80', { type: 'ipv6', value: '::', port: 80 }],
    ['1.2.3.4:65535', { type: 'ipv4', value: '1.2.3.4', port: 65535 }],
    ['1.2.3.4:1', { type: 'ipv4', value: '1.2.3.4', port: 1 }],
  ])('parseIpPort(%j)', (input, expected) => {
    expect(parseIpPort(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['143.404.146.87:80', 'invalid IPv4 address "143.404.146.87"'],
    ['1.2.3.4', 'missing port in ip:port "1.2.3.4"'],
    ['1.2.3.4:0', 'port out of range "0"'],
    ['1.2.3.4:65536', 'port out of range "65536"'],
    ['1.2.3.4:123456', 'invalid port "123456"'],
    ['1.2.3.4:80a', 'invalid port "80a"'],
    ['1.2.3.4:', 'invalid port ""'],
    ['1.2.3.4:-1', 'invalid port "-1"'],
    ['example.com:80', 'invalid IPv4 address "example.com"'],
    ['nocolon', 'missing port in ip:port "nocolon"'],
    ['[2001:db8::1]8080', 'invalid [IPv6]:port "[2001:db8::1]8080"'],
    ['fe80::1%eth0:443', 'IPv6 zone id not allowed "fe80::1%eth0"'],
  ])('parseIpPort rejects %j', (input, reason) => {
    expect(parseIpPort(input)).toStrictEqual({ ok: false, reason });
  });

  it('formats endpoints the ThreatFox way or bracketed', () => {
    const v6 = { type: 'ipv6', value: '2a02:cf40:1::5', port: 40669 } as const;
    expect(formatIpPort(v6)).toBe('2a02:cf40:1::5:40669');
    expect(formatIpPort(v6, true)).toBe('[2a02:cf40:1::5]:40669');
    expect(formatIpPort({ type: 'ipv4', value: '1.2.3.4', port: 80 }, true)).toBe('1.2.3.4:80');
    expect(parsePort('08080')).toStrictEqual({ ok: true, value: 8080 });
  });
});

describe('URLs', () => {
  it('splits without rewriting anything', () => {
    expect(splitUrl('HTTP://User:Pw@Host.EXAMPLE.com:8080/a\\b?q="x"#f')).toStrictEqual({
      ok: true,
      value: { scheme: 'HTTP', userinfo: 'User:Pw', host: 'Host.EXAMPLE.com', port: '8080', rest: '/a\\b?q="x"#f' },
    });
    expect(splitUrl('https://[2001:DB8::1]:443')).toStrictEqual({
      ok: true,
      value: { scheme: 'https', userinfo: null, host: '[2001:DB8::1]', port: '443', rest: '' },
    });
    // Browsers end the authority at a backslash: this URL goes to a.example, not b.example.
    expect(splitUrl('http://a.example\\@b.example/')).toStrictEqual({
      ok: true,
      value: { scheme: 'http', userinfo: null, host: 'a.example', port: null, rest: '\\@b.example/' },
    });
  });

  it.each([
    ['HTTPS://TDYPY7DVTDQ.com/dl/update.zip', 'https://tdypy7dvtdq.com/dl/update.zip'],
    ['http://malaikahlowry33.top', 'http://malaikahlowry33.top'],
    ['http://Evil.COM./Path/To?Q=A&B=%41#Frag', 'http://evil.com/Path/To?Q=A&B=%41#Frag'],
    [`https://x.example/a?b="c"&d='e'\\f]);//`, `https://x.example/a?b="c"&d='e'\\f]);//`],
    ['http://72.11.148.153/jquery-3.3.1.min.js', 'http://72.11.148.153/jquery-3.3.1.min.js'],
    ['http://[2001:DB8:0::1]:8080/x', 'http://[2001:db8::1]:8080/x'],
    ['http://user:P@ss@Bücher.de/ä?x=ü', 'http://user:P@ss@xn--bcher-kva.de/ä?x=ü'],
    ['https://drfitness.fit/path?q=a,b', 'https://drfitness.fit/path?q=a,b'],
    ['http://a.example:/x', 'http://a.example:/x'],
    ['http://a.example/../../etc/passwd', 'http://a.example/../../etc/passwd'],
    ['hxxp://evil.example/', 'hxxp://evil.example/'],
  ])('normalizeUrl(%j)', (input, expected) => {
    expect(normalizeUrl(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['http://evil .com/', 'whitespace or control'],
    ['http://evil.com/a b', 'whitespace or control'],
    ['http://evil.com/\u0000', 'whitespace or control'],
    ['http://evil.com/\ttab', 'whitespace or control'],
    ['http:///path', 'empty host'],
    ['http://user@/path', 'empty host'],
    ['evil.com/path', 'URL without scheme://'],
    ['mailto:a@b.example', 'URL without scheme://'],
    ['http://143.404.146.87/x', 'invalid host "143.404.146.87"'],
    ['http://[fe80::1%25eth0]/', 'invalid IPv6 host'],
    ['http://[2001:db8::1/', 'unclosed [IPv6] host'],
    ['http://evil.com:99999/', 'invalid port "99999"'],
    ['http://evil.com:8o/', 'invalid port "8o"'],
    ['http://ev!l.com/', 'invalid host "ev!l.com"'],
  ])('normalizeUrl rejects %j', (input, reason) => {
    const result = normalizeUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe('hashes', () => {
  it('lower-cases valid hashes of every type', () => {
    expect(normalizeHash('md5', '4E5902809C2D4B55DC13E686249A2EA9')).toStrictEqual({ ok: true, value: '4e5902809c2d4b55dc13e686249a2ea9' });
    expect(normalizeHash('sha1', ' 872ff530d50579ae6bdc7cb4d658324b1d0e7a3e ')).toStrictEqual({ ok: true, value: '872ff530d50579ae6bdc7cb4d658324b1d0e7a3e' });
    expect(normalizeHash('sha256', 'A'.repeat(64))).toStrictEqual({ ok: true, value: 'a'.repeat(64) });
    expect(normalizeHash('sha3-384', '0f'.repeat(48))).toStrictEqual({ ok: true, value: '0f'.repeat(48) });
  });

  it('rejects non-hex and wrong lengths', () => {
    expect(normalizeHash('sha1', 'a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3')).toStrictEqual({
      ok: false,
      reason: 'invalid sha1 hash (not hex) "a3b5c6d7e8f9g0h1i2j3k4l5m6n7o8p9q0r1s2t3"',
    });
    expect(normalizeHash('md5', 'abc')).toStrictEqual({ ok: false, reason: 'invalid md5 hash (3 hex digits, expected 32) "abc"' });
    expect(normalizeHash('sha256', 'a'.repeat(63)).ok).toBe(false);
    expect(normalizeHash('sha3-384', 'a'.repeat(64)).ok).toBe(false);
    expect(normalizeHash('md5', '').ok).toBe(false);
  });
});

describe('emails', () => {
  it.each([
    ['Phish.Sender@Example.COM', 'phish.sender@example.com'],
    ["o'brien+tag@mail.example.org.", "o'brien+tag@mail.example.org"],
    ['info@bücher.de', 'info@xn--bcher-kva.de'],
  ])('normalizeEmail(%j)', (input, expected) => {
    expect(normalizeEmail(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each(['no-at-sign.example.com', '@example.com', 'a b@example.com', 'a..b@example.com', 'a@localhost', 'a@1.2.3.4', '"quoted"@example.com'])(
    'rejects %j',
    (input) => {
      expect(normalizeEmail(input).ok).toBe(false);
    },
  );
});

describe('timestamps', () => {
  it.each([
    ['2026-04-24 10:12:31 UTC', '2026-04-24T10:12:31Z'],
    ['2026-04-24 10:12:31', '2026-04-24T10:12:31Z'],
    ['2022-08-05T19:43:08Z', '2022-08-05T19:43:08Z'],
    ['2022-08-05T19:43:08.123456Z', '2022-08-05T19:43:08Z'],
    ['2022-08-05T19:43:08+00:00', '2022-08-05T19:43:08Z'],
    ['2022-08-05T01:43:08+02:00', '2022-08-04T23:43:08Z'],
    ['2022-12-31T23:30:00-01:00', '2023-01-01T00:30:00Z'],
    ['2024-02-29 00:00:00', '2024-02-29T00:00:00Z'],
    [' 2026-04-24 10:12:31 UTC ', '2026-04-24T10:12:31Z'],
    ['2026-04-24', '2026-04-24T00:00:00Z'],
    ['2026-04-24 10:12', '2026-04-24T10:12:00Z'],
  ])('normalizeTimestamp(%j)', (input, expected) => {
    expect(normalizeTimestamp(input)).toStrictEqual({ ok: true, value: expected });
  });

  it.each([
    ['2026-02-30 10:00:00', 'timestamp out of range "2026-02-30 10:00:00"'],
    ['2023-02-29 10:00:00', 'timestamp out of range "2023-02-29 10:00:00"'],
    ['2026-13-01 10:00:00', 'timestamp out of range "2026-13-01 10:00:00"'],
    ['2026-04-24 24:00:00', 'timestamp out of range "2026-04-24 24:00:00"'],
    ['2026-04-24 10:60:00', 'timestamp out of range "2026-04-24 10:60:00"'],
    ['0050-01-01 00:00:00', 'timestamp out of range "0050-01-01 00:00:00"'],
    ['2026-04-31', 'timestamp out of range "2026-04-31"'],
    ['24/04/2026 10:12:31', 'invalid timestamp "24/04/2026 10:12:31"'],
    ['2026-04-24 10:12:31 CEST', 'invalid timestamp "2026-04-24 10:12:31 CEST"'],
    ['1714000000', 'invalid timestamp "1714000000"'],
    ['2026-04-24T10:12:31+25:00', 'invalid UTC offset in timestamp "2026-04-24T10:12:31+25:00"'],
  ])('rejects %j', (input, reason) => {
    expect(normalizeTimestamp(input)).toStrictEqual({ ok: false, reason });
  });
});

describe('fields', () => {
  it('reads tags from arrays, comma strings and missing markers', () => {
    expect(parseTags(['CobaltStrike', ' Cobalt Strike ', 'cobaltstrike', '', 'exe'])).toStrictEqual(['Cobalt Strike', 'CobaltStrike', 'exe']);
    expect(parseTags('lokibot, LokiBot ,,exe')).toStrictEqual(['exe', 'lokibot']);
    expect(parseTags(null)).toStrictEqual([]);
    expect(parseTags('None')).toStrictEqual([]);
    expect(parseTags(undefined)).toStrictEqual([]);
    expect(parseTags([1, null, { a: 1 }, 'x'])).toStrictEqual(['1', 'x']);
    expect(parseTags(['b', 'a', 'B', 'A', 'é', 'z'])).toStrictEqual(['a', 'b', 'z', 'é']);
  });

  it('reads aliases from a comma string', () => {
    expect(parseAliases('Agentemis,BEACON,CobaltStrike,cobeacon')).toStrictEqual(['Agentemis', 'BEACON', 'CobaltStrike', 'cobeacon']);
    expect(parseAliases('None')).toStrictEqual([]);
    expect(parseAliases(' b , a ,None,, A ')).toStrictEqual(['a', 'b']);
    expect(parseAliases(null)).toStrictEqual([]);
  });

  it('coerces confidence defensively', () => {
    expect(parseConfidence(75)).toStrictEqual({ ok: true, value: 75 });
    expect(parseConfidence('75')).toStrictEqual({ ok: true, value: 75 });
    expect(parseConfidence(' 0 ')).toStrictEqual({ ok: true, value: 0 });
    expect(parseConfidence('100.0')).toStrictEqual({ ok: true, value: 100 });
    expect(parseConfidence(null)).toStrictEqual({ ok: true, value: null });
    expect(parseConfidence('None')).toStrictEqual({ ok: true, value: null });
    expect(parseConfidence('')).toStrictEqual({ ok: true, value: null });
    expect(parseConfidence(150)).toStrictEqual({ ok: false, reason: 'confidence_level out of range 0..100: 150' });
    expect(parseConfidence('-1')).toStrictEqual({ ok: false, reason: 'confidence_level out of range 0..100: "-1"' });
    expect(parseConfidence('high')).toStrictEqual({ ok: false, reason: 'non-numeric confidence_level "high"' });
    expect(parseConfidence(true)).toStrictEqual({ ok: false, reason: 'non-numeric confidence_level true' });
    expect(parseConfidence(75.5)).toStrictEqual({ ok: false, reason: 'non-integer confidence_level 75.5' });
  });

  it('coerces is_compromised defensively', () => {
    expect([true, 'true', 'True', '1', 1, ' TRUE '].map(parseFlag)).toStrictEqual([true, true, true, true, true, true]);
    expect([false, 'false', 'False', '0', 0, null, undefined, 'None', 'maybe'].map(parseFlag)).toStrictEqual([
      false, false, false, false, false, false, false, false, false,
    ]);
  });
});

describe('text helpers', () => {
  it('sorts by code point, not UTF-16 unit or locale', () => {
    const astral = '\u{1F600}';
    const privateUse = '\uE000';
    expect(['b', astral, privateUse, 'B', 'a'].sort(compareCodePoints)).toStrictEqual(['B', 'a', 'b', privateUse, astral]);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  it('de-duplicates case-insensitively keeping the first spelling', () => {
    expect(uniqueSortedCaseInsensitive(['RAT', 'rat', 'Rat', 'AsyncRAT'])).toStrictEqual(['AsyncRAT', 'RAT']);
  });

  it('recognises missing markers and flattens text to one line', () => {
    expect(['', ' None ', 'none', 'n/a', 'N/A', 'null'].map(isMissingMarker)).toStrictEqual([true, true, true, true, true, true]);
    expect(['0', 'Nonesuch', '-'].map(isMissingMarker)).toStrictEqual([false, false, false]);
    expect(oneLine('a\r\nb\u2028c\u0000   d')).toBe('a b c d');
    expect(oneLine('x'.repeat(10), 5)).toBe('xxxx…');
  });
});
