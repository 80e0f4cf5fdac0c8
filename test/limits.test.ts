/**
 * Large IOC sets: a 20,000-domain family builds into numbered parts and a watchlist variant, every query within the
 * 10,000-character rule limit and valid; the parts together match exactly what the whole hunt matches.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPacks } from '../src/build.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { planHunts } from '../src/hunt/plan.js';
import { compileHunt } from '../src/hunt/evaluate.js';
import { renderKqlBody } from '../src/render/kql/render.js';
import { ARM_WATCHLISTS_MAX_BYTES, armInlineWatchlists, armWatchlistBytes, renderSentinelContent } from '../src/render/sentinel/content.js';
import { renderPackReadme } from '../src/render/markdown/pack-readme.js';
import { csvField, fitHunt, RULE_QUERY_MAX, watchlistAlias, watchlistCsv } from '../src/pack/limits.js';
import type { Ioc } from '../src/model/ioc.js';
import { prng } from './helpers/prng.js';

const N = 20_000;

function randomLabel(rand: () => number, len: number): string {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < len; i++) s += abc[Math.floor(rand() * abc.length)];
  return s;
}

function domains(seed: number, n: number): string[] {
  const rand = prng(seed);
  const tlds = ['com', 'net', 'top', 'xyz', 'shop', 'lol'];
  const out = new Set<string>();
  while (out.size < n) out.add(`${randomLabel(rand, 6 + Math.floor(rand() * 10))}.${tlds[Math.floor(rand() * tlds.length)]}`);
  return [...out];
}

describe('large IOC sets', () => {
  it(`a family of ${N} domains builds into parts and a watchlist variant, all within limits and valid`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-large-'));
    const feed = join(dir, 'big.ndjson');
    const lines = domains(1, N).map((d, i) =>
      JSON.stringify({ id: String(1_000_000 + i), ioc: d, ioc_type: 'domain', threat_type: 'botnet_cc', malware: 'win.bigfamily', malware_printable: 'Big Family', malware_alias: null, confidence_level: 75, first_seen: '2026-05-01 00:00:00 UTC', last_seen: null, reference: null, reporter: 'test', tags: null }),
    );
    writeFileSync(feed, lines.join('\n') + '\n');
    const started = performance.now();
    const { packs, files } = await buildPacks({ inputs: [feed], outDir: '/unused', platforms: ['sentinel', 'defender'], lookbackDays: 30, strict: true, validate: true, maxParts: 1000 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`built and validated ${packs[0]!.queries.length} queries for ${N} domains in ${seconds.toFixed(1)} s`);
    const pack = packs[0]!;
    expect(pack.stats.total).toBe(N);
    for (const q of pack.queries) {
      expect(q.kql.length, q.file).toBeLessThanOrEqual(RULE_QUERY_MAX);
      const list = /dynamic\(\[\n([\s\S]*?)\n\]\)/.exec(q.kql);
      if (list) expect(list[1]!.split('\n').length, q.file).toBeLessThanOrEqual(10_000);
    }
    const dns = pack.queries.filter((q) => q.hunt === 'domain-dnsevents');
    expect(dns.filter((q) => q.variant === 'chunk').length).toBeGreaterThan(1);
    expect(dns.filter((q) => q.variant === 'watchlist')).toHaveLength(1);
    expect(pack.queries.filter((q) => q.platform === 'defender' && q.variant === 'watchlist')).toStrictEqual([]);
    const parts = dns.filter((q) => q.variant === 'chunk');
    expect(parts.reduce((n, q) => n + q.iocCount, 0)).toBe(N);
    expect(parts.map((q) => q.part)).toStrictEqual(parts.map((_, i) => ({ index: i + 1, count: parts.length })));
    expect(pack.watchlists).toHaveLength(1);
    const csv = files.get(`win-bigfamily/${pack.watchlists[0]!.file}`)!;
    expect(csv.split('\r\n')[0]).toBe('SearchKey');
    expect(csv.split('\r\n').length).toBe(N + 2);
    expect(pack.watchlists[0]!.bytes).toBe(Buffer.byteLength(csv));
    // Small enough to deploy inline: the ARM template carries it.
    expect(files.get('win-bigfamily/sentinel/azuredeploy.json')).toContain('"rawContent": "SearchKey');
    // A watchlist past Sentinel's 3.8 MB inline limit is left out of the template, and the README says how to upload it.
    const k = loadKnowledge();
    const huge = { ...pack, watchlists: pack.watchlists.map((w) => ({ ...w, bytes: 5_000_000 })) };
    const arm = renderSentinelContent(k, huge, () => csv).find((a) => a.path === 'sentinel/azuredeploy.json')!.content as string;
    expect(arm).not.toContain('rawContent');
    expect(arm).not.toContain('dependsOn');
    expect(renderPackReadme(k, huge)).toContain("5.0 MB) is not in `azuredeploy.json`, which must stay within Azure's limits (1 MB per resource, 4 MB per template");
    // Under Sentinel's 3.8 MB but over Azure Resource Manager's 1 MB per resource: left out too.
    const mid = { ...pack, watchlists: pack.watchlists.map((w) => ({ ...w, bytes: 1_200_000 })) };
    expect(renderSentinelContent(k, mid, () => csv).find((a) => a.path === 'sentinel/azuredeploy.json')!.content as string).not.toContain('rawContent');
    // Several watchlists within 1 MB each are inlined in order only while the template stays within budget (3 MB for watchlists).
    const many = { ...pack, watchlists: Array.from({ length: 5 }, (_, i) => ({ ...pack.watchlists[0]!, bytes: 850_000, items: 20_000, alias: `${pack.watchlists[0]!.alias}${i}` })) };
    const rules = many.queries.map((q) => (q.watchlists?.length ? { ...q, watchlists: many.watchlists.map((w) => w.alias) } : q));
    const { inline, outside } = armInlineWatchlists({ ...many, queries: rules });
    expect([...inline]).toStrictEqual(many.watchlists.slice(0, 3).map((w) => w.alias));
    expect(outside.map((w) => w.alias)).toStrictEqual(many.watchlists.slice(3).map((w) => w.alias));
    expect(3 * armWatchlistBytes({ bytes: 850_000, items: 20_000 })).toBeLessThanOrEqual(ARM_WATCHLISTS_MAX_BYTES);
    expect(4 * armWatchlistBytes({ bytes: 850_000, items: 20_000 })).toBeGreaterThan(ARM_WATCHLISTS_MAX_BYTES);
  });

  it(`past --max-parts, the ${N} domains come as a Sentinel watchlist variant and a Defender externaldata variant only`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-large-'));
    const feed = join(dir, 'big.ndjson');
    const lines = domains(4, N).map((d, i) =>
      JSON.stringify({ id: String(1_000_000 + i), ioc: d, ioc_type: 'domain', threat_type: 'botnet_cc', malware: 'win.bigfamily', malware_printable: 'Big Family', malware_alias: null, confidence_level: 75, first_seen: '2026-05-01 00:00:00 UTC', last_seen: null, reference: null, reporter: 'test', tags: null }),
    );
    lines.push(JSON.stringify({ id: '9', ioc: 'one.example.net', ioc_type: 'domain', threat_type: 'botnet_cc', malware: 'win.small', malware_printable: 'Small', malware_alias: null, confidence_level: 75, first_seen: '2026-05-01 00:00:00 UTC', last_seen: null, reference: null, reporter: 'test', tags: null }));
    writeFileSync(feed, lines.join('\n') + '\n');
    const base = { inputs: [feed], outDir: '/unused', platforms: ['sentinel', 'defender'] as const, lookbackDays: 30, strict: true, validate: true };
    const { packs, files } = await buildPacks({ ...base, platforms: [...base.platforms], listUrl: 'https://packs.example.org/hp' });
    const pack = packs.find((p) => p.family.id === 'win.bigfamily')!;
    const variants = new Set(pack.queries.map((q) => `${q.platform}:${q.variant}`));
    expect([...variants].sort()).toStrictEqual(['defender:externaldata', 'sentinel:watchlist']);
    for (const q of pack.queries) expect(q.kql.length, q.file).toBeLessThanOrEqual(RULE_QUERY_MAX);
    const ext = pack.queries.find((q) => q.platform === 'defender' && q.hunt === 'domain-devicenetworkevents')!;
    expect(ext.file).toBe('queries/defender/domain-devicenetworkevents-externaldata.kql');
    expect(ext.listUrls).toStrictEqual(['https://packs.example.org/hp/win-bigfamily/watchlists/huntpack_win_bigfamily_IocDomains.csv']);
    expect(ext.kql).toContain('externaldata(SearchKey:string) ["https://packs.example.org/hp/win-bigfamily/watchlists/huntpack_win_bigfamily_IocDomains.csv"] with (format="csv", ignoreFirstRecord=true)');
    // The file the query reads is written, with every value.
    expect(files.get('win-bigfamily/watchlists/huntpack_win_bigfamily_IocDomains.csv')!.split('\r\n').length).toBe(N + 2);
    // A small family in the same build is unaffected.
    const small = packs.find((p) => p.family.id === 'win.small')!;
    expect(new Set(small.queries.map((q) => q.variant))).toStrictEqual(new Set(['inline']));
    // Without --list-url the URL is a placeholder that cannot resolve, and the README says to replace it.
    const plain = await buildPacks({ ...base, platforms: [...base.platforms], validate: false });
    const readme = plain.files.get('win-bigfamily/README.md')!;
    expect(plain.packs[0]!.queries.find((q) => q.variant === 'externaldata')!.kql).toContain('https://replace-with-your-host.invalid/huntpack/win-bigfamily/watchlists/');
    expect(readme).toContain('replace the placeholder URL');
    // --max-parts 0 never splits: even a hunt just over the limit comes as list variants.
    const none = await buildPacks({ ...base, platforms: [...base.platforms], validate: false, maxParts: 0 });
    expect(none.packs[0]!.queries.some((q) => q.variant === 'chunk')).toBe(false);
    expect(none.packs[1]!.queries.every((q) => q.variant === 'inline')).toBe(true);
  });

  it('the externaldata and watchlist variants match exactly what the whole hunt matches (evaluator)', () => {
    const k = loadKnowledge();
    const values = domains(5, 3000);
    const iocs: Ioc[] = values.map((value) => ({ type: 'domain', value, threatType: null, firstSeen: '2026-05-01T00:00:00Z', lastSeen: null, confidence: null, tags: [], sourceIds: [], references: [], reporters: [], isCompromised: false, flags: [] }));
    const hunt = planHunts(k, iocs, { platforms: ['defender'], lookbackDays: 30 }).find((h) => h.id === 'domain-devicenetworkevents')!;
    const { variants, watchlists } = fitHunt(hunt, { header: () => '', body: (h) => renderKqlBody(h) }, { watchlists: false, slug: 'x', maxParts: 2 });
    expect(variants.map((v) => v.kind)).toStrictEqual(['externaldata']);
    expect(watchlists.map((w) => w.items)).toStrictEqual([3000]);
    const whole = compileHunt(hunt);
    const ext = compileHunt(variants[0]!.hunt);
    const now = Date.parse('2026-05-10T00:00:00Z');
    let hits = 0;
    for (const [i, d] of values.slice(0, 500).entries()) {
      const name = [d, `x.${d}`, `not${d}`, `${d}.evil.net`][i % 4]!;
      const row = { Timestamp: '2026-05-09T00:00:00Z', RemoteUrl: `https://${name}/a`, DeviceId: 'd', ReportId: 1 };
      const expected = whole.match(row, now)?.ioc;
      if (expected !== undefined) hits++;
      expect(ext.match(row, now)?.ioc, name).toBe(expected);
    }
    // Exact names and subdomains match (250 of 500); look-alikes do not.
    expect(hits).toBe(250);
  });

  it('the parts together match exactly what the whole hunt matches (evaluator)', () => {
    const k = loadKnowledge();
    const values = domains(2, 3000);
    const iocs: Ioc[] = values.map((value) => ({ type: 'domain', value, threatType: null, firstSeen: '2026-05-01T00:00:00Z', lastSeen: null, confidence: null, tags: [], sourceIds: [], references: [], reporters: [], isCompromised: false, flags: [] }));
    const hunt = planHunts(k, iocs, { platforms: ['sentinel'], lookbackDays: 30 }).find((h) => h.id === 'domain-dnsevents')!;
    const { variants } = fitHunt(hunt, { header: () => '', body: (h) => renderKqlBody(h) }, { watchlists: true, slug: 'x' });
    const parts = variants.filter((v) => v.kind === 'chunk').map((v) => compileHunt(v.hunt));
    expect(parts.length).toBeGreaterThan(1);
    const whole = compileHunt(hunt);
    const watch = compileHunt(variants.find((v) => v.kind === 'watchlist')!.hunt);
    const rand = prng(3);
    const now = Date.parse('2026-05-10T00:00:00Z');
    for (let i = 0; i < 5000; i++) {
      const d = values[Math.floor(rand() * values.length)]!;
      const name = [d, `x.${d}`, `not${d}`, `${d}.evil.net`, domains(100 + i, 1)[0]!][i % 5]!;
      const row = { TimeGenerated: '2026-05-09T00:00:00Z', Name: name };
      const fromParts = parts.map((p) => p.match(row, now)?.ioc).filter((x) => x !== undefined);
      const expected = whole.match(row, now)?.ioc;
      expect(fromParts, name).toStrictEqual(expected === undefined ? [] : [expected]);
      expect(watch.match(row, now)?.ioc, name).toBe(expected);
    }
  });
});

describe('watchlist files', () => {
  it('guard values against spreadsheet formulas and quote CSV fields', () => {
    expect(csvField('=cmd|calc!A1')).toBe(`"'=cmd|calc!A1"`);
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField("'quoted")).toBe(`"''quoted"`);
    expect(csvField('a"b,c')).toBe('"a""b,c"');
    expect(watchlistCsv({ kind: 'endpoints', name: 'E', values: [{ ip: '2a02:cf40:1::5', port: 40669 }] })).toBe('SearchKey,Ip,Port\r\n"2a02:cf40:1::5|40669","2a02:cf40:1::5",40669\r\n');
  });

  it('aliases are at most 64 characters of letters, digits and underscores', () => {
    const a = watchlistAlias('a-very-long-family-slug-that-goes-on-and-on-and-on-and-on-forever-more', 'IocDomains');
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(/^[A-Za-z0-9_]+$/);
  });
});
