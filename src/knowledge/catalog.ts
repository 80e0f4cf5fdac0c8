/**
 * The table catalogue per dialect: which tables a platform has and their columns, derived from the vendored
 * Log Analytics schema and data/dialects.yaml (Defender XDR renames TimeGenerated and drops workspace columns).
 */
import type { KustoSchema, ColumnSchema } from '../validate/kusto.js';
import type { Platform } from '../hunt/ir.js';
import type { Knowledge } from './load.js';

export const PLATFORMS: readonly Platform[] = ['sentinel', 'defender'];

/** Tables available on a platform, sorted. */
export function platformTables(k: Knowledge, platform: Platform): string[] {
  const d = k.dialects[platform];
  const all = Object.keys(k.tableColumns);
  return (d.tables === 'all' ? all : d.tables.filter((t) => all.includes(t))).sort();
}

/** Can a platform run a hunt on `table` (a table, or an ASIM parser when the dialect has functions)? */
export function platformHas(k: Knowledge, platform: Platform, table: string): boolean {
  const schemaTable = k.tables[table]?.schemaTable;
  if (schemaTable !== undefined) return k.dialects[platform].functions && k.functions.some((f) => f.name === table);
  return platformTables(k, platform).includes(table);
}

/** The columns a hunt on `table` reads (an ASIM parser returns its schema table's columns). */
export function huntColumns(k: Knowledge, platform: Platform, table: string): ColumnSchema[] | undefined {
  if (!platformHas(k, platform, table)) return undefined;
  const schemaTable = k.tables[table]?.schemaTable;
  return schemaTable !== undefined ? [...(k.tableColumns[schemaTable] ?? [])] : platformColumns(k, platform, table);
}

/** The columns of a table as seen on a platform, or undefined if the platform lacks the table. */
export function platformColumns(k: Knowledge, platform: Platform, table: string): ColumnSchema[] | undefined {
  if (!platformTables(k, platform).includes(table)) return undefined;
  const d = k.dialects[platform];
  const base = k.tableColumns[table] ?? [];
  const names = new Set(base.map((c) => c.name));
  const out: ColumnSchema[] = [];
  for (const col of base) {
    if (d.dropColumns?.includes(col.name)) continue;
    if (d.dropColumnPrefixes?.some((p) => col.name.startsWith(p))) continue;
    const renamed = d.renameColumns?.[col.name];
    if (renamed !== undefined) {
      if (!names.has(renamed)) out.push({ name: renamed, type: col.type });
      continue;
    }
    out.push(col);
  }
  return out;
}

/** The Kusto schema a platform's queries are validated against. */
export function platformSchema(k: Knowledge, platform: Platform): KustoSchema {
  const tables: Record<string, ColumnSchema[]> = {};
  for (const t of platformTables(k, platform)) tables[t] = platformColumns(k, platform, t)!;
  const functions = k.dialects[platform].functions ? k.functions : [];
  return { tables, functions };
}
