/**
 * Policy tests over the knowledge files: one policy per test, every item checked, failures name the file and item.
 */
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../src/knowledge/load.js';
import { platformColumns, platformTables, PLATFORMS } from '../src/knowledge/catalog.js';
import { loadWarninglists } from '../src/knowledge/warninglists.js';
import { renderExpression } from '../src/render/kql/render.js';
import type { Predicate } from '../src/hunt/ir.js';
import { isSetKey } from '../src/hunt/plan.js';
import { kqlErrors } from './helpers/kusto.js';

const k = loadKnowledge();

function columnsOf(p: Predicate): string[] {
  switch (p.kind) {
    case 'any':
    case 'all':
      return p.of.flatMap(columnsOf);
    case 'ip-port-in':
      return [p.ipColumn, p.portColumn];
    case 'host-in-domains':
      return p.columns.map((c) => c.column);
    default:
      return [p.column];
  }
}

/** Columns of a table, or of the schema table an ASIM parser returns. */
function hasColumn(table: string, column: string): boolean {
  const schemaTable = k.tables[table]?.schemaTable ?? table;
  return (k.tableColumns[schemaTable] ?? []).some((c) => c.name === column);
}

describe('knowledge: tables', () => {
  it('every table in data/tables.yaml exists in the schema, with every projected column', () => {
    const problems: string[] = [];
    for (const [table, info] of Object.entries(k.tables)) {
      if (!k.tableColumns[info.schemaTable ?? table]) problems.push(`${table}: not in data/schemas/sentinel-tables.json`);
      if (info.schemaTable && !k.functions.some((f) => f.name === table)) problems.push(`${table}: no such function in data/schemas/asim-functions.json`);
      for (const c of info.project) if (!hasColumn(table, c)) problems.push(`${table}.${c}: projected column not in schema`);
    }
    expect(problems).toStrictEqual([]);
  });

  it('the Defender dialect renames TimeGenerated to Timestamp and drops workspace columns', () => {
    for (const table of platformTables(k, 'defender')) {
      const names = platformColumns(k, 'defender', table)!.map((c) => c.name);
      expect(names, table).toContain('Timestamp');
      expect(names.filter((n) => n === 'TimeGenerated' || n === 'TenantId' || n.startsWith('_')), table).toStrictEqual([]);
    }
    expect(platformTables(k, 'defender')).not.toContain('DnsEvents');
    expect(platformTables(k, 'defender')).not.toContain('CommonSecurityLog');
  });
});

describe('knowledge: hunt matrix', () => {
  it('every hunt names a known table, connector entry, existing columns and known sets', () => {
    const problems: string[] = [];
    for (const h of k.hunts) {
      if (!k.tables[h.table]) problems.push(`${h.id}: table ${h.table} has no entry in data/tables.yaml`);
      if (h.function && h.function.name !== h.table) problems.push(`${h.id}: function ${h.function.name} must be named as its table`);
      if (h.asim && !h.function) problems.push(`${h.id}: an ASIM hunt needs a function source`);
      for (const p of h.where) {
        for (const c of columnsOf(p)) if (!hasColumn(h.table, c)) problems.push(`${h.id}: column ${h.table}.${c} not in schema`);
        const sets = JSON.stringify([p, h.function ?? null]).match(/"set":"([^"]+)"/g) ?? [];
        for (const s of sets) if (!isSetKey(s.slice(7, -1))) problems.push(`${h.id}: unknown set ${s}`);
      }
    }
    expect(problems).toStrictEqual([]);
  });

  it('hash hunts compare each hash type only in its own column (type-agnostic FileHash columns take every type)', () => {
    const own: Record<string, RegExp> = { md5: /MD5$/, sha1: /SHA1$/, sha256: /SHA256$/, hash: /^FileHash$/ };
    const problems: string[] = [];
    const walk = (id: string, p: Predicate): void => {
      if (p.kind === 'any') return p.of.forEach((q) => walk(id, q));
      if (p.kind === 'equals-any' && p.set && own[p.set] && !own[p.set]!.test(p.column)) problems.push(`${id}: set ${p.set} compared with ${p.column}`);
    };
    for (const h of k.hunts) h.where.forEach((p) => walk(h.id, p));
    expect(problems).toStrictEqual([]);
  });

  it('hunt ids are unique', () => {
    const ids = k.hunts.map((h) => h.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('knowledge: false-positive scenarios', () => {
  it('covers the required scenarios', () => {
    const ids = k.falsePositives.map((f) => f.id);
    for (const id of ['scheduled-monitoring', 'admin-config-backups', 'network-discovery', 'cloud-sync', 'database-backup', 'shared-hosting-ip', 'security-tooling-hosts', 'mail-gateway-detonation']) expect(ids).toContain(id);
  });

  it('every exclusion names an existing column of its table', () => {
    const problems: string[] = [];
    for (const fp of k.falsePositives) {
      for (const [table, p] of Object.entries(fp.exclusions)) {
        if (!k.tableColumns[table]) problems.push(`${fp.id}: unknown table ${table}`);
        for (const c of columnsOf(p)) if (!hasColumn(table, c)) problems.push(`${fp.id}: ${table}.${c} not in schema`);
      }
    }
    expect(problems).toStrictEqual([]);
  });

  it('every exclusion renders to valid KQL on every platform that has its table', () => {
    const problems: string[] = [];
    for (const fp of k.falsePositives) {
      for (const [table, p] of Object.entries(fp.exclusions)) {
        for (const platform of PLATFORMS) {
          if (!platformTables(k, platform).includes(table)) continue;
          const q = `${table}\n| where not(${renderExpression(undefined, p)})\n| take 1`;
          for (const e of kqlErrors(platform, q)) problems.push(`${fp.id} ${platform} ${table}: ${e}`);
        }
      }
    }
    expect(problems).toStrictEqual([]);
  });
});

describe('knowledge: families and threat types', () => {
  it('every family profile has a summary, at least one ATT&CK technique and a reference', () => {
    const problems: string[] = [];
    for (const [id, f] of k.families) {
      if (f.summary.trim().length < 40) problems.push(`${id}: summary too short`);
      if (f.attack.length === 0) problems.push(`${id}: no ATT&CK technique`);
      if (f.references.length === 0) problems.push(`${id}: no reference`);
    }
    expect(k.families.size).toBeGreaterThanOrEqual(6);
    expect(problems).toStrictEqual([]);
  });

  it('the ThreatFox threat types and a default are described', () => {
    expect(k.threatTypes.map((t) => t.threatType).sort()).toEqual(expect.arrayContaining(['botnet_cc', 'default', 'payload', 'payload_delivery']));
  });
});

describe('knowledge: warninglists', () => {
  it('every list has a source, a licence and values', () => {
    for (const l of loadWarninglists().lists) {
      expect(l.source.length, l.name).toBeGreaterThan(3);
      expect(l.licence.length, l.name).toBeGreaterThan(3);
      expect(l.entries.length, l.name).toBeGreaterThan(0);
      expect(l.description.length, l.name).toBeGreaterThan(10);
    }
  });

  it('covers the required families of lists', () => {
    const flags = new Set(loadWarninglists().lists.map((l) => l.flag));
    for (const f of ['reserved-ip', 'public-resolver', 'benign-hash', 'reserved-name', 'popular-domain', 'url-shortener', 'dynamic-dns', 'cloud-ip', 'cdn-ip']) expect(flags, f).toContain(f);
  });

  it('every list value parses for its match kind', () => {
    const problems: string[] = [];
    for (const l of loadWarninglists().lists) {
      for (const v of l.entries) {
        if (l.matchKind === 'cidr' && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v.trim())) problems.push(`${l.name}: ${v}`);
        if (l.matchKind === 'regex') {
          try {
            new RegExp(v);
          } catch {
            problems.push(`${l.name}: bad regex ${v}`);
          }
        }
      }
    }
    expect(problems).toStrictEqual([]);
  });
});
