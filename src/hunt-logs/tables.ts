/**
 * Which table a log file or row belongs to, and the column types used to coerce CSV text: from the vendored table
 * catalogue (data/schemas/sentinel-tables.json) and the dialects (Defender XDR's `Timestamp` for `TimeGenerated`).
 */
import type { Knowledge } from '../knowledge/load.js';

export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'bool' | 'datetime' | 'dynamic' | 'guid';

export interface TableCatalog {
  /** Canonical table name by lower-case name. */
  readonly byLower: ReadonlyMap<string, string>;
  /** Column types per table, with the Defender renames added (Timestamp: datetime). */
  readonly types: ReadonlyMap<string, ReadonlyMap<string, ColumnType>>;
  /** The table whose rows a hunt reads: its own table, or for an ASIM parser (`_Im_Dns`) its schema table. */
  dispatchTable(huntTable: string): string;
}

export function tableCatalog(k: Knowledge): TableCatalog {
  const byLower = new Map<string, string>();
  const types = new Map<string, Map<string, ColumnType>>();
  const renames = { ...(k.dialects.sentinel.renameColumns ?? {}), ...(k.dialects.defender.renameColumns ?? {}) };
  for (const [table, cols] of Object.entries(k.tableColumns)) {
    byLower.set(table.toLowerCase(), table);
    const m = new Map<string, ColumnType>();
    for (const c of cols) m.set(c.name, c.type as ColumnType);
    for (const c of cols) {
      const to = renames[c.name];
      if (to !== undefined && !m.has(to)) m.set(to, c.type as ColumnType);
    }
    types.set(table, m);
  }
  return {
    byLower,
    types,
    dispatchTable: (huntTable) => k.tables[huntTable]?.schemaTable ?? huntTable,
  };
}

/** Prefixes that Azure puts before a table name in export container or folder names. */
const FOLDER_PREFIXES = ['insights-logs-advancedhunting-', 'am-', 'advancedhunting-'];

/**
 * The table a file or folder name names: the whole base name without extensions (`DeviceNetworkEvents.json.gz`), a
 * table name followed by a separator (`DnsEvents_2026-05-02.csv`), or an export container (`am-dnsevents`,
 * `insights-logs-advancedhunting-devicenetworkevents`). Case-insensitive; the longest table name wins.
 */
export function tableFromName(cat: TableCatalog, name: string): string | undefined {
  let base = name.toLowerCase();
  for (const p of FOLDER_PREFIXES) if (base.startsWith(p)) base = base.slice(p.length);
  let best: string | undefined;
  for (const [lower, table] of cat.byLower) {
    if (!base.startsWith(lower)) continue;
    const next = base.charAt(lower.length);
    if (next !== '' && /[a-z0-9]/.test(next)) continue;
    if (best === undefined || table.length > best.length) best = table;
  }
  return best;
}

/** Defender streaming category → table: `AdvancedHunting-DeviceNetworkEvents` → `DeviceNetworkEvents`. */
export function tableFromCategory(cat: TableCatalog, category: string): string {
  const name = category.replace(/^AdvancedHunting-/i, '');
  return cat.byLower.get(name.toLowerCase()) ?? name;
}

/** A row's `Type` value → a catalogue table (its canonical spelling), or the value itself if unknown. */
export function canonicalTable(cat: TableCatalog, name: string): string {
  return cat.byLower.get(name.toLowerCase()) ?? name;
}

/**
 * The table a CSV header belongs to: the one whose columns contain the largest share of the header (at least half,
 * and two columns), ties broken by the most shared columns, then the fewest extra columns, then the name.
 */
export function tableFromHeader(cat: TableCatalog, header: readonly string[]): string | undefined {
  const cols = header.filter((h) => h !== '');
  if (cols.length === 0) return undefined;
  let best: { table: string; shared: number; extra: number } | undefined;
  for (const [table, types] of cat.types) {
    let shared = 0;
    for (const c of cols) if (types.has(c)) shared++;
    if (shared < 2 || shared * 2 < cols.length) continue;
    const extra = types.size - shared;
    if (
      !best ||
      shared > best.shared ||
      (shared === best.shared && (extra < best.extra || (extra === best.extra && table < best.table)))
    ) {
      best = { table, shared, extra };
    }
  }
  return best?.table;
}
