/**
 * False positives and lifecycle: the warninglists, the allowlist, minimum confidence, expiry and compromised sites each
 * drop or flag the right IOCs with the right reason, and the rest are hunted.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildPacks } from '../src/build.js';
import { parseAllowlist, AllowlistError } from '../src/knowledge/allowlist.js';
import { parseTtl, DEFAULT_TTL_DAYS } from '../src/pack/policy.js';
import { FIXTURE_DIR } from './helpers/golden.js';

const feed = join(FIXTURE_DIR, 'golden/policy.json');

async function build(extra: Record<string, unknown> = {}) {
  const r = await buildPacks({ inputs: [feed], outDir: '/unused', platforms: ['sentinel', 'defender'], lookbackDays: 30, strict: true, validate: false, ...extra });
  const pack = r.packs[0]!;
  const dropped = Object.fromEntries(pack.excluded.map((e) => [e.port ? `${e.value}:${e.port}` : e.value, e.code]));
  const kept = Object.fromEntries(pack.iocs.map((i) => [i.port ? `${i.value}:${i.port}` : i.value, i.flags]));
  return { r, pack, dropped, kept };
}

describe('policy over a feed with benign, reserved, expired and compromised IOCs', () => {
  it('drops or flags each with the right reason and hunts the rest', async () => {
    const { r, dropped, kept, pack } = await build();
    expect(r.run.policy.asOf).toBe('2026-05-10T10:00:00Z');
    expect(dropped).toStrictEqual({
      '192.168.10.5:4444': 'reserved-ip',
      '8.8.8.8:53': 'public-resolver',
      'd41d8cd98f00b204e9800998ecf8427e': 'benign-hash',
      'google.com': 'popular-domain',
      '185.234.72.19:8443': 'expired',
      'bakery-on-main.com': 'compromised-site',
      'bit.ly': 'shared-platform',
      'duckdns.org': 'dynamic-dns',
      '2001:db8::10:443': 'reserved-ip',
    });
    expect(kept).toStrictEqual({
      '45.142.212.61:7443': [],
      'vxq3rt9kzl.top': [],
      'evilpanel.duckdns.org': ['dynamic-dns', 'shared-platform'],
      'corp-intranet.example-partner.net': [],
      'https://www.bakery-on-main.com/wp-content/plugins/x/loader.js': ['compromised'],
      'https://bit.ly/3xYzAbC': ['shared-platform', 'url-shortener'],
      'https://drive.google.com/uc?id=1AbCdEf&export=download': ['shared-platform', 'vendor-domain'],
      '104.16.132.229:443': ['cdn-ip'],
      '9a0364b9e99bb480dd25e1f0284c8555a3f8b3c5f45fbd1f1fbe3ad3c0a5c2d1': [],
    });
    // The compromised site and the shortener are hunted by full URL only, never by host.
    const urlHosts = pack.queries.filter((q) => q.hunt.startsWith('urlhost-')).map((q) => q.kql).join('\n');
    expect(urlHosts).not.toMatch(/bakery-on-main|bit\.ly|drive\.google\.com/);
    expect(pack.queries.find((q) => q.id === 'sentinel-url-devicenetworkevents')!.kql).toContain('"https://www.bakery-on-main.com/wp-content/plugins/x/loader.js"');
    expect(r.run.dropped.find((d) => d.value === '8.8.8.8')).toMatchObject({ family: 'win.policytest', port: 53, code: 'public-resolver', list: 'public-resolvers-ipv4' });
  });

  it('an allowlist drops matching IOCs with its reason and line', async () => {
    const { dropped, pack } = await build({ allowlists: [join(FIXTURE_DIR, 'golden/policy-allowlist.txt')] });
    expect(dropped['corp-intranet.example-partner.net']).toBe('allowlisted');
    const e = pack.excluded.find((x) => x.value === 'corp-intranet.example-partner.net')!;
    expect(e.reason).toBe('allowlisted: partner extranet, reviewed by the SOC');
    expect(e.list).toMatch(/policy-allowlist\.txt:2$/);
  });

  it('--min-confidence drops low-confidence IOCs; --ttl and --as-of move expiry', async () => {
    expect((await build({ minConfidence: 50 })).dropped['9a0364b9e99bb480dd25e1f0284c8555a3f8b3c5f45fbd1f1fbe3ad3c0a5c2d1']).toBe('low-confidence');
    expect((await build({ ttlDays: parseTtl('ip=90') })).kept['185.234.72.19:8443']).toStrictEqual([]);
    expect((await build({ asOf: '2027-01-01T00:00:00Z' })).dropped['vxq3rt9kzl.top']).toBe('expired');
  });

  it('--no-warninglists hunts everything except the lifecycle drops', async () => {
    const { dropped } = await build({ warninglists: false });
    expect(Object.values(dropped).sort()).toStrictEqual(['compromised-site', 'expired']);
  });
});

describe('allowlist file', () => {
  it('parses values of every kind with reasons and comments', () => {
    const a = parseAllowlist('# comment\n10.1.0.0/16 lab\n2001:db8::/32 docs # trailing\nPartner.example.com partner\nd41d8cd98f00b204e9800998ecf8427e empty\nhttps://x.test/a legacy link\n', 'a.txt');
    expect(a.entries).toBe(5);
    expect(a.check({ type: 'ipv4', value: '10.1.2.3' })?.reason).toBe('allowlisted: lab');
    expect(a.check({ type: 'ipv6', value: '2001:db8::1' })?.reason).toBe('allowlisted: docs');
    expect(a.check({ type: 'domain', value: 'www.partner.example.com' })?.list).toBe('allowlist a.txt:4');
    expect(a.check({ type: 'url', value: 'https://partner.example.com/x' })?.flag).toBe('allowlisted');
    expect(a.check({ type: 'domain', value: 'notpartner.example.com' })).toBeUndefined();
    expect(a.check({ type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' })?.reason).toBe('allowlisted: empty');
  });

  it('names the file and line of a bad entry', () => {
    expect(() => parseAllowlist('ok.com fine\nnoreason.com\n', 'list.txt')).toThrow(new AllowlistError('list.txt:2: every entry needs a value and a reason, e.g. "10.0.0.0/8  internal range"'));
    expect(() => parseAllowlist('!!! what\n', 'list.txt')).toThrow(/list.txt:1: "!!!" is not an IP/);
  });
});

describe('--ttl', () => {
  it('overrides the defaults by class and rejects unknown classes', () => {
    expect(parseTtl('ip=7,hash=30')).toStrictEqual({ ...DEFAULT_TTL_DAYS, ip: 7, hash: 30 });
    expect(() => parseTtl('ipv4=7')).toThrow(/CLASS=DAYS/);
    expect(() => parseTtl('ip=0')).toThrow(/at least 1 day/);
  });
});

describe('CIDR matching', () => {
  it('the interval search agrees with ipaddr.js on random ranges and addresses (seeded)', async () => {
    const { compileCidrs } = await import('../src/knowledge/warninglists.js');
    const ipaddr = (await import('ipaddr.js')).default;
    const { prng } = await import('./helpers/prng.js');
    const rand = prng(99);
    const ip = (): string => Array.from({ length: 4 }, () => Math.floor(rand() * 256)).join('.');
    for (let round = 0; round < 20; round++) {
      const ranges = Array.from({ length: 50 }, () => `${ip()}/${Math.floor(rand() * 33)}`);
      const match = compileCidrs(ranges);
      const parsed = ranges.map((r) => ipaddr.parseCIDR(r));
      for (let i = 0; i < 500; i++) {
        const a = ip();
        const expected = parsed.some(([net, bits]) => ipaddr.parse(a).match(net, bits));
        expect(match(a), `${a} in ${ranges.join(' ')}`).toBe(expected);
      }
    }
  });
});

describe('records dated in the future', () => {
  it('are rejected with a reason and never move the default expiry date', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-future-'));
    const rec = (id: string, ioc: string, first: string) => ({ id, ioc, ioc_type: 'domain', threat_type: 'botnet_cc', malware: 'win.future', malware_printable: 'Future', malware_alias: null, confidence_level: 80, first_seen: first, last_seen: null, reference: null, reporter: 't', tags: null });
    writeFileSync(
      join(dir, 'f.json'),
      JSON.stringify({ query_status: 'ok', data: [rec('1', 'real-c2.example-bad.net', '2026-05-01 00:00:00 UTC'), rec('2', 'bogus.example-bad.net', '2099-01-01 00:00:00 UTC'), { ...rec('3', 'late.example-bad.net', '2026-04-01 00:00:00 UTC'), last_seen: '2030-01-01 00:00:00 UTC' }] }),
    );
    const r = await buildPacks({ inputs: [join(dir, 'f.json')], outDir: '/unused', platforms: ['sentinel'], lookbackDays: 30, strict: false, validate: false });
    // A future last seen is rejected too: it would make 2030 the expiry date and expire every other IOC.
    expect(r.run.rejected.map((x) => x.reason)).toStrictEqual(['first seen 2099-01-01T00:00:00Z is in the future', 'last seen 2030-01-01T00:00:00Z is in the future']);
    expect(r.run.policy.asOf).toBe('2026-05-01T00:00:00Z');
    expect(r.packs[0]!.iocs.map((i) => i.value)).toStrictEqual(['real-c2.example-bad.net']);
    // With --as-of the horizon is that date, not the day of the build: the same options give the same packs any day.
    const later = await buildPacks({ inputs: [join(dir, 'f.json')], outDir: '/unused', platforms: ['sentinel'], lookbackDays: 30, strict: false, validate: false, asOf: '2100-01-01T00:00:00Z' });
    expect(later.run.rejected).toStrictEqual([]);
    const earlier = await buildPacks({ inputs: [join(dir, 'f.json')], outDir: '/unused', platforms: ['sentinel'], lookbackDays: 30, strict: false, validate: false, asOf: '2026-04-01T00:00:00Z' });
    expect(earlier.run.rejected.map((x) => x.reason)).toStrictEqual([
      'first seen 2026-05-01T00:00:00Z is more than a day after --as-of 2026-04-01T00:00:00Z',
      'first seen 2099-01-01T00:00:00Z is more than a day after --as-of 2026-04-01T00:00:00Z',
      'last seen 2030-01-01T00:00:00Z is more than a day after --as-of 2026-04-01T00:00:00Z',
    ]);
  });
});
