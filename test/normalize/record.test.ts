import { describe, expect, it } from 'vitest';
import { familyOf, normalizeRecord, type RawRecord } from '../../src/normalize/record.js';

const BASE: RawRecord = {
  id: '841508',
  value: '2a02:cf40:1::5:40669',
  iocType: 'ip:port',
  threatType: 'botnet_cc',
  malware: 'win.redline_stealer',
  malwarePrintable: 'RedLine Stealer',
  malwareAlias: null,
  firstSeen: '2022-08-05 11:40:15 UTC',
  lastSeen: null,
  confidence: 100,
  reference: null,
  reporter: 'abuse_ch',
  tags: ['RedLineStealer'],
  isCompromised: undefined,
};

function rejectionOf(patch: Partial<RawRecord>): unknown {
  const outcome = normalizeRecord({ ...BASE, ...patch });
  return outcome.ok ? outcome.record : outcome.rejection;
}

describe('normalizeRecord', () => {
  it('turns an API ip:port record into an ipv6 IOC with a port', () => {
    expect(normalizeRecord(BASE)).toStrictEqual({
      ok: true,
      record: {
        family: { id: 'win.redline_stealer', name: 'RedLine Stealer', aliases: [] },
        ioc: {
          type: 'ipv6',
          value: '2a02:cf40:1::5',
          port: 40669,
          threatType: 'botnet_cc',
          firstSeen: '2022-08-05T11:40:15Z',
          lastSeen: null,
          confidence: 100,
          tags: ['RedLineStealer'],
          sourceIds: ['841508'],
          references: [],
          reporters: ['abuse_ch'],
          isCompromised: false,
          flags: [],
        },
      },
    });
  });

  it('coerces sloppy JSON types and export-style strings', () => {
    expect(
      normalizeRecord({
        ...BASE,
        id: 841538,
        value: ' Evil.Example.COM ',
        iocType: 'domain',
        threatType: 'None',
        malwareAlias: 'BEACON, CobaltStrike,None',
        confidence: '75',
        reference: 'https://example.org/r',
        reporter: 'None',
        tags: 'exe, EXE,dll',
        isCompromised: 'True',
        lastSeen: '2022-08-06 00:00:00',
      }),
    ).toStrictEqual({
      ok: true,
      record: {
        family: { id: 'win.redline_stealer', name: 'RedLine Stealer', aliases: ['BEACON', 'CobaltStrike'] },
        ioc: {
          type: 'domain',
          value: 'evil.example.com',
          threatType: null,
          firstSeen: '2022-08-05T11:40:15Z',
          lastSeen: '2022-08-06T00:00:00Z',
          confidence: 75,
          tags: ['dll', 'exe'],
          sourceIds: ['841538'],
          references: ['https://example.org/r'],
          reporters: [],
          isCompromised: true,
          flags: [],
        },
      },
    });
  });

  it('maps every ThreatFox ioc_type', () => {
    const cases: Array<[string, string, string, string]> = [
      ['domain', 'A.example', 'domain', 'a.example'],
      ['url', 'HTTP://A.example/X', 'url', 'http://a.example/X'],
      ['ip:port', '1.2.3.4:80', 'ipv4', '1.2.3.4'],
      ['md5_hash', 'D'.repeat(32), 'md5', 'd'.repeat(32)],
      ['sha1_hash', 'e'.repeat(40), 'sha1', 'e'.repeat(40)],
      ['sha256_hash', 'f'.repeat(64), 'sha256', 'f'.repeat(64)],
      ['sha3_384_hash', '0'.repeat(96), 'sha3-384', '0'.repeat(96)],
      ['envelope_from', 'A@B.example', 'email', 'a@b.example'],
      ['body_from', 'c@d.example', 'email', 'c@d.example'],
    ];
    const got = cases.map(([iocType, value]) => {
      const outcome = normalizeRecord({ ...BASE, iocType, value });
      return outcome.ok ? [outcome.record.ioc.type, outcome.record.ioc.value] : [outcome.rejection.reason];
    });
    expect(got).toStrictEqual(cases.map(([, , type, value]) => [type, value]));
  });

  it.each<[Partial<RawRecord>, { value: string; reason: string }]>([
    [{ value: '143.404.146.87:80' }, { value: '143.404.146.87:80', reason: 'invalid IPv4 address "143.404.146.87"' }],
    [{ value: '1.2.3.4:0' }, { value: '1.2.3.4:0', reason: 'port out of range "0"' }],
    [{ value: null }, { value: '', reason: 'record has no IOC value' }],
    [{ value: 'None' }, { value: 'None', reason: 'record has no IOC value' }],
    [{ value: 42 }, { value: '42', reason: 'IOC value is not a string (42)' }],
    [{ iocType: 'bitcoin_address' }, { value: '2a02:cf40:1::5:40669', reason: 'unknown ioc_type "bitcoin_address"' }],
    [{ iocType: null }, { value: '2a02:cf40:1::5:40669', reason: 'record has no ioc_type' }],
    [{ firstSeen: undefined }, { value: '2a02:cf40:1::5:40669', reason: 'missing first_seen' }],
    [{ firstSeen: '' }, { value: '2a02:cf40:1::5:40669', reason: 'missing first_seen' }],
    [{ firstSeen: 'yesterday' }, { value: '2a02:cf40:1::5:40669', reason: 'first_seen: invalid timestamp "yesterday"' }],
    [{ lastSeen: '2022-02-30 00:00:00' }, { value: '2a02:cf40:1::5:40669', reason: 'last_seen: timestamp out of range "2022-02-30 00:00:00"' }],
    [{ confidence: 101 }, { value: '2a02:cf40:1::5:40669', reason: 'confidence_level out of range 0..100: 101' }],
    [{ confidence: 'high' }, { value: '2a02:cf40:1::5:40669', reason: 'non-numeric confidence_level "high"' }],
    [{ iocType: 'domain', value: 'bad domain.com' }, { value: 'bad domain.com', reason: 'invalid domain label "bad domain" in "bad domain.com"' }],
  ])('rejects %j', (patch, expected) => {
    expect(rejectionOf(patch)).toStrictEqual(expected);
  });

  it('keeps hostile family names and URL characters verbatim as data', () => {
    const outcome = normalizeRecord({
      ...BASE,
      iocType: 'url',
      value: `http://x.example/a"b'c\\d]);e|f<script>`,
      malware: ' win.evil|<script>alert(1)</script>/../x ',
      malwarePrintable: 'Evil | <script> ../../etc/passwd',
      malwareAlias: 'a|b,<img src=x onerror=alert(1)>',
    });
    expect(outcome.ok && outcome.record.ioc.value).toBe(`http://x.example/a"b'c\\d]);e|f<script>`);
    expect(outcome.ok && outcome.record.family).toStrictEqual({
      id: 'win.evil|<script>alert(1)</script>/../x',
      name: 'Evil | <script> ../../etc/passwd',
      aliases: ['<img src=x onerror=alert(1)>', 'a|b'],
    });
  });
});

describe('familyOf', () => {
  it('defaults a missing family to unknown / "Unknown malware"', () => {
    expect(familyOf({ malware: null, malwarePrintable: null, malwareAlias: null })).toStrictEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
    expect(familyOf({ malware: 'unknown', malwarePrintable: 'None', malwareAlias: 'None' })).toStrictEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
    // Without an id, a printable name and aliases are not taken: the unknown family is not titled after one record.
    expect(familyOf({ malware: null, malwarePrintable: 'KongTuke', malwareAlias: 'alias1,alias2' })).toStrictEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
    expect(familyOf({ malware: 'None', malwarePrintable: 'Cobalt Strike', malwareAlias: 'CS' })).toStrictEqual({ id: 'unknown', name: 'Unknown malware', aliases: [] });
  });

  it('uses the id when there is no printable name', () => {
    expect(familyOf({ malware: ' win.vidar ', malwarePrintable: '', malwareAlias: undefined })).toStrictEqual({ id: 'win.vidar', name: 'win.vidar', aliases: [] });
  });
});
