/**
 * Deployable content over the golden packs: Sentinel hunting and analytics-rule YAML within the Azure-Sentinel content
 * limits, the ARM template's resource shape, Defender detection columns, the STIX bundle's structure, stable ids, and
 * `diff` between two builds.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GOLDEN_DIR, listFiles } from './helpers/golden.js';
import { buildPacks, build } from '../src/build.js';
import { diffBuilds, renderDiffMarkdown } from '../src/diff.js';
import { outputColumns } from '../src/render/sentinel/content.js';
import { stixPattern, stixString } from '../src/render/stix/bundle.js';

const files = listFiles(GOLDEN_DIR);
const read = (f: string): string => readFileSync(join(GOLDEN_DIR, f), 'utf8');
const TACTICS = new Set(['Reconnaissance', 'ResourceDevelopment', 'InitialAccess', 'Execution', 'Persistence', 'PrivilegeEscalation', 'DefenseEvasion', 'CredentialAccess', 'Discovery', 'LateralMovement', 'Collection', 'CommandAndControl', 'Exfiltration', 'Impact']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTITY_IDS: Record<string, string[]> = { Host: ['HostName', 'FullName', 'NTDomain', 'DnsDomain'], IP: ['Address'], DNS: ['DomainName'], URL: ['Url'], FileHash: ['Algorithm', 'Value'], Account: ['Name', 'FullName', 'NTDomain', 'Sid', 'AadUserId', 'UPNSuffix'] };

/** `1h`, `14d`, `5m` → minutes. */
function minutes(d: string): number {
  const m = /^(\d+)([mhd])$/.exec(d);
  if (!m) throw new Error(`bad duration ${d}`);
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
}

function checkCommon(file: string, doc: Record<string, unknown>): string[] {
  const p: string[] = [];
  const q = String(doc.query ?? '');
  if (!GUID.test(String(doc.id))) p.push('id is not a GUID');
  if (!doc.name || String(doc.name).length > 256) p.push('name missing or > 256');
  if (!doc.description || String(doc.description).length > 5000) p.push('description missing or > 5000');
  if (q.length < 1 || q.length > 10_000) p.push(`query length ${q.length}`);
  if (/\b(search|union)\s+\*/.test(q)) p.push('search * / union *');
  const rdc = doc.requiredDataConnectors as { connectorId: string; dataTypes: string[] }[];
  if (!Array.isArray(rdc) || rdc.length === 0 || rdc.some((c) => !c.connectorId || !c.dataTypes?.length)) p.push('requiredDataConnectors');
  for (const t of (doc.tactics as string[]) ?? []) if (!TACTICS.has(t)) p.push(`tactic ${t}`);
  for (const t of (doc.relevantTechniques as string[]) ?? []) if (!/^T\d{4}(\.\d{3})?$/.test(t)) p.push(`technique ${t}`);
  const maps = doc.entityMappings as { entityType: string; fieldMappings: { identifier: string; columnName: string }[] }[];
  if (!Array.isArray(maps) || maps.length < 1 || maps.length > 5) p.push(`entityMappings count ${maps?.length}`);
  const cols = new Set(outputColumns(q));
  for (const m of maps ?? []) {
    if (m.fieldMappings.length < 1 || m.fieldMappings.length > 3) p.push(`${m.entityType}: ${m.fieldMappings.length} fields`);
    for (const f of m.fieldMappings) {
      if (!ENTITY_IDS[m.entityType]?.includes(f.identifier)) p.push(`${m.entityType}.${f.identifier} is no identifier`);
      if (!cols.has(f.columnName)) p.push(`${m.entityType} maps ${f.columnName}, not in the query output`);
    }
  }
  return p.map((x) => `${file}: ${x}`);
}

describe('Sentinel analytics rules and hunting queries', () => {
  const rules = files.filter((f) => f.includes('/sentinel/analytics/'));
  const hunting = files.filter((f) => f.includes('/sentinel/hunting/'));

  it('exist for the golden packs', () => {
    expect(rules.length).toBeGreaterThan(20);
    expect(hunting.length).toBe(rules.length);
  });

  it('every analytics rule parses and respects every content limit', () => {
    const problems: string[] = [];
    for (const f of rules) {
      const doc = parse(read(f)) as Record<string, unknown>;
      problems.push(...checkCommon(f, doc));
      if (!['Informational', 'Low', 'Medium', 'High'].includes(String(doc.severity))) problems.push(`${f}: severity`);
      const freq = minutes(String(doc.queryFrequency));
      const period = minutes(String(doc.queryPeriod));
      if (freq < 5 || freq > 14 * 1440 || period < 5 || period > 14 * 1440 || period < freq) problems.push(`${f}: schedule ${freq}/${period}`);
      if (!['gt', 'lt', 'eq', 'ne'].includes(String(doc.triggerOperator))) problems.push(`${f}: triggerOperator`);
      const th = Number(doc.triggerThreshold);
      if (!(th >= 0 && th <= 10_000)) problems.push(`${f}: triggerThreshold`);
      const cd = (doc.customDetails ?? {}) as Record<string, string>;
      if (Object.keys(cd).length > 20) problems.push(`${f}: customDetails > 20`);
      for (const [key, col] of Object.entries(cd)) {
        if (!/^[a-zA-Z]+\w*$/.test(key) || key.length > 20) problems.push(`${f}: customDetails key ${key}`);
        if (!outputColumns(String(doc.query)).includes(col)) problems.push(`${f}: customDetails column ${col}`);
      }
      if (doc.kind !== 'Scheduled' || !/^\d+\.\d+\.\d+$/.test(String(doc.version))) problems.push(`${f}: kind/version`);
    }
    expect(problems).toStrictEqual([]);
  });

  it('every hunting query parses and respects the limits; its query is the pack query without the header', () => {
    const problems: string[] = [];
    for (const f of hunting) {
      const doc = parse(read(f)) as Record<string, unknown>;
      problems.push(...checkCommon(f, doc));
      if ('severity' in doc || 'queryFrequency' in doc) problems.push(`${f}: hunting queries have no schedule or severity`);
      const family = f.split('/').slice(0, 2).join('/');
      const pack = JSON.parse(read(`${family}/pack.json`)) as { queries: { hunt: string; platform: string; kql: string; variant: string }[] };
      const hunt = f.split('/').pop()!.replace(/\.yaml$/, '');
      const q = pack.queries.find((x) => x.platform === 'sentinel' && x.hunt === hunt && x.variant !== 'chunk')!;
      if (q.kql.split('\n').slice(4).join('\n') !== doc.query) problems.push(`${f}: query differs from the pack's`);
    }
    expect(problems).toStrictEqual([]);
  });

  it('the ARM template is valid JSON with the documented resource shape, and rule ids match the YAML', () => {
    const arms = files.filter((f) => f.endsWith('/sentinel/azuredeploy.json'));
    expect(arms.length).toBeGreaterThan(3);
    for (const f of arms) {
      const t = JSON.parse(read(f)) as { $schema: string; parameters: Record<string, { type: string; defaultValue?: unknown }>; resources: Record<string, unknown>[] };
      expect(t.$schema).toMatch(/deploymentTemplate\.json#$/);
      expect(t.parameters.workspace?.type).toBe('string');
      // Azure Resource Manager's limits: 4 MB per template, 1 MB per resource.
      expect(Buffer.byteLength(read(f))).toBeLessThanOrEqual(4_000_000);
      for (const r of t.resources) expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(1_000_000);
      // Rules deploy disabled unless the deployer asks for them enabled.
      expect(t.parameters.rulesEnabled).toMatchObject({ type: 'bool', defaultValue: false });
      const ruleIds = files.filter((x) => x.startsWith(f.replace('azuredeploy.json', 'analytics/'))).map((x) => (parse(read(x)) as { id: string }).id).sort();
      const armIds: string[] = [];
      for (const r of t.resources) {
        expect(['Microsoft.OperationalInsights/workspaces/providers/alertRules', 'Microsoft.OperationalInsights/workspaces/providers/Watchlists']).toContain(r.type);
        expect(String(r.name)).toMatch(/^\[concat\(parameters\('workspace'\), '\/Microsoft\.SecurityInsights\/', '[^']+'\)\]$/);
        const props = r.properties as Record<string, unknown>;
        if (String(r.type).endsWith('alertRules')) {
          expect(r.kind).toBe('Scheduled');
          for (const k of ['displayName', 'description', 'severity', 'enabled', 'query', 'queryFrequency', 'queryPeriod', 'triggerOperator', 'triggerThreshold', 'tactics', 'entityMappings']) expect(props, `${f} ${k}`).toHaveProperty(k);
          expect(props.enabled).toBe("[parameters('rulesEnabled')]");
          expect(props.queryFrequency).toMatch(/^P(T\d+[HM]|\d+D)$/);
          expect(props.triggerOperator).toBe('GreaterThan');
          for (const t2 of props.techniques as string[]) expect(t2).toMatch(/^T\d{4}$/);
          armIds.push(/'([0-9a-f-]{36})'\)\]$/.exec(String(r.name))![1]!);
        } else {
          expect(props.itemsSearchKey).toBe('SearchKey');
          expect(String(props.rawContent)).toMatch(/^SearchKey/);
        }
      }
      expect(armIds.sort()).toStrictEqual(ruleIds);
    }
  });

  it('the same input twice gives the same rule ids; another family gives others', async () => {
    const run = async () => (await buildPacks({ inputs: [], outDir: '/unused', platforms: ['sentinel'], lookbackDays: 30, strict: false, validate: false })).files;
    const a = await run();
    const b = await run();
    const ids = (m: Map<string, string>) => [...m].filter(([f]) => f.includes('/sentinel/analytics/')).map(([, c]) => (parse(c) as { id: string }).id);
    expect(ids(a)).toStrictEqual(ids(b));
    expect(new Set(ids(a)).size).toBe(ids(a).length);
  });
});

describe('Defender XDR custom detections', () => {
  it('every advanced-hunting query outputs Timestamp, ReportId and, on Device tables, DeviceId', () => {
    const problems: string[] = [];
    for (const f of files.filter((x) => x.includes('/queries/defender/'))) {
      const cols = outputColumns(read(f));
      for (const c of ['Timestamp', 'ReportId', ...(/\/(hash|domain|url|ip|iponly|urlhost|urlip)-device/.test(f) ? ['DeviceId'] : [])]) if (!cols.includes(c)) problems.push(`${f}: no ${c}`);
    }
    expect(problems).toStrictEqual([]);
  });
});

describe('STIX 2.1 bundle', () => {
  const bundles = files.filter((f) => f.endsWith('/stix/bundle.json'));
  const PATTERN = {
    domain: /^\[domain-name:value = '(?:[^'\\]|\\.)*'\]$/,
    url: /^\[url:value = '(?:[^'\\]|\\.)*'\]$/,
    email: /^\[email-addr:value = '(?:[^'\\]|\\.)*'\]$/,
    ip: /^\[network-traffic:dst_ref\.type = 'ipv[46]-addr' AND network-traffic:dst_ref\.value = '[0-9a-f:.]+' AND network-traffic:dst_port = \d{1,5}\]$/,
    hash: /^\[file:hashes\.(MD5|'SHA-1'|'SHA-256'|'SHA3-384') = '[0-9a-f]+'\]$/,
  };

  it('has the required properties, valid references and a pattern of the right syntax for every IOC type', () => {
    expect(bundles.length).toBeGreaterThan(3);
    const seenTypes = new Set<string>();
    for (const f of bundles) {
      const b = JSON.parse(read(f)) as { type: string; id: string; objects: Record<string, unknown>[] };
      expect(b.type).toBe('bundle');
      expect(b.id).toMatch(/^bundle--[0-9a-f-]{36}$/);
      const ids = new Set(b.objects.map((o) => o.id));
      for (const o of b.objects) {
        expect(o.spec_version, f).toBe('2.1');
        expect(String(o.id)).toMatch(new RegExp(`^${String(o.type)}--[0-9a-f-]{36}$`));
        expect(o.created).toMatch(/Z$/);
        expect(o.modified).toMatch(/Z$/);
        if (o.type === 'indicator') {
          for (const k of ['pattern', 'pattern_type', 'valid_from', 'valid_until', 'indicator_types']) expect(o, k).toHaveProperty(k);
          expect(Date.parse(String(o.valid_until))).toBeGreaterThan(Date.parse(String(o.valid_from)));
          const pattern = String(o.pattern);
          const kind = pattern.startsWith('[domain') ? 'domain' : pattern.startsWith('[url') ? 'url' : pattern.startsWith('[email') ? 'email' : pattern.startsWith('[network') ? 'ip' : 'hash';
          seenTypes.add(kind);
          expect(pattern, f).toMatch(PATTERN[kind]);
        }
        if (o.type === 'relationship') {
          expect(ids.has(o.source_ref)).toBe(true);
          expect(ids.has(o.target_ref)).toBe(true);
        }
      }
    }
    expect([...seenTypes].sort()).toStrictEqual(['domain', 'email', 'hash', 'ip', 'url']);
  });

  it('escapes quotes and backslashes in pattern literals', () => {
    expect(stixString(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
    expect(stixPattern({ type: 'url', value: `https://x.test/a'b` })).toBe(`[url:value = 'https://x.test/a\\'b']`);
    expect(stixPattern({ type: 'sha1', value: 'ab' })).toBe(`[file:hashes.'SHA-1' = 'ab']`);
  });
});

describe('huntpack diff', () => {
  it('reports exactly the changes made between two builds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-diff-'));
    const base = { query_status: 'ok', data: [] as Record<string, unknown>[] };
    const rec = (id: string, ioc: string, type: string, first: string) => ({ id, ioc, ioc_type: type, threat_type: 'botnet_cc', malware: 'win.difftest', malware_printable: 'Diff Test', malware_alias: null, confidence_level: 80, first_seen: first, last_seen: null, reference: null, reporter: 't', tags: null });
    const v1 = { ...base, data: [rec('1', 'keep.example-c2.net', 'domain', '2026-05-01 00:00:00 UTC'), rec('2', 'gone.example-c2.net', 'domain', '2026-05-01 00:00:00 UTC'), rec('3', '91.215.85.47:443', 'ip:port', '2026-05-01 00:00:00 UTC')] };
    const v2 = { ...base, data: [rec('1', 'keep.example-c2.net', 'domain', '2026-05-01 00:00:00 UTC'), rec('3', '91.215.85.47:443', 'ip:port', '2026-05-01 00:00:00 UTC'), rec('4', 'new.example-c2.net', 'domain', '2026-06-10 00:00:00 UTC')] };
    writeFileSync(join(dir, 'v1.json'), JSON.stringify(v1));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify(v2));
    const opts = { platforms: ['sentinel'] as const, lookbackDays: 30, strict: false, validate: false };
    await build({ ...opts, platforms: ['sentinel'], inputs: [join(dir, 'v1.json')], outDir: join(dir, 'a') });
    await build({ ...opts, platforms: ['sentinel'], inputs: [join(dir, 'v2.json')], outDir: join(dir, 'b') });
    const d = diffBuilds(join(dir, 'a'), join(dir, 'b'));
    expect(d.changed).toBe(true);
    expect(d.iocsAdded).toStrictEqual([{ family: 'win.difftest', type: 'domain', value: 'new.example-c2.net' }]);
    expect(d.iocsRemoved).toStrictEqual([{ family: 'win.difftest', type: 'domain', value: 'gone.example-c2.net', reason: 'no longer in the feed' }]);
    // As of 2026-06-10 the ip:port first seen 2026-05-01 passed its 30-day time-to-live.
    expect(d.iocsExpired.map((i) => `${i.value}:${i.port}`)).toStrictEqual(['91.215.85.47:443']);
    expect(d.queriesRemoved.map((q) => q.id)).toContain('sentinel-ip-devicenetworkevents');
    expect(d.queriesChanged.map((q) => q.id)).toContain('sentinel-domain-dnsevents');
    expect(d.queriesAdded).toStrictEqual([]);
    expect(renderDiffMarkdown(d)).toContain('## IOCs expired');
    expect(diffBuilds(join(dir, 'a'), join(dir, 'a')).changed).toBe(false);
  });
});
