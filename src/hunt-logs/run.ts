/**
 * `huntpack hunt`: run the hunts of packs over exported logs, offline, with the meaning of the KQL: every row is
 * matched by compileHunt (src/hunt/evaluate.ts), the evaluator the semantic vectors pin to the rendered queries.
 *
 * Rows are dispatched by table to the hunts of that table (an ASIM parser hunt reads its schema table, e.g. `_Im_Dns`
 * → `ASimDnsActivityLogs`). Sentinel and Defender XDR variants of one hunt mean the same thing: a row hits a
 * (family, hunt) once, reported under the Sentinel query id when it has one. The time window is each hunt's lookback
 * counted back from `now` (default: the newest row time in the logs, known only at the end, so hits are kept with their
 * time and filtered when the logs are read). Rows are never kept, except hits.
 */
import { existsSync } from 'node:fs';
import { FeedError } from '../model/issue.js';
import { loadKnowledge } from '../knowledge/load.js';
import { compileHunt, huntGuard, rowTime, type CompiledHunt, type HuntGuard } from '../hunt/evaluate.js';
import type { Hunt, Platform } from '../hunt/ir.js';
import { isPackPath, loadPacks, type LoadedPack } from './packs.js';
import { listLogFiles, readLogFile, type LogFile, type LogFormat, type LogRow, type LogSink } from './read.js';
import { tableCatalog, canonicalTable } from './tables.js';
import { isoOf } from './coerce.js';

export interface HuntLogsOptions {
  /** Pack folders (build output with run.json, or a family folder with pack.json) or pack.json files. */
  readonly packs: readonly string[];
  /** Log files or folders (walked recursively). */
  readonly logs: readonly string[];
  /** The time the lookback is counted back from (ms since epoch); default: the newest row time in the logs. */
  readonly now?: number;
  /** The table of CSV files whose name and header do not tell it. */
  readonly table?: string;
  /** Apply the packs' false-positive exclusions (as if their KQL lines were uncommented). */
  readonly applyExclusions?: boolean;
  /** Progress: raw bytes read of all files. */
  readonly onProgress?: (bytesRead: number, bytesTotal: number) => void;
}

export interface HuntHit {
  /** The query id, `sentinel-<hunt>` (or `defender-<hunt>` when only the Defender XDR variant exists or matched). */
  readonly huntId: string;
  /** The family id of the pack. */
  readonly family: string;
  readonly table: string;
  /** The row's time, ISO-8601 UTC. */
  readonly time: string;
  /** The IOC that matched (the KQL's `MatchedIoc`). */
  readonly ioc: string;
  readonly file: string;
  readonly line: number;
  readonly row: LogRow;
}

export interface BadLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface HuntLogsResult {
  /** ISO time the lookback was counted from; null when no row had a time and none was given. */
  readonly now: string | null;
  readonly nowSource: 'option' | 'newest row time' | 'no rows';
  readonly rowsRead: number;
  readonly badLines: readonly BadLine[];
  readonly hits: readonly HuntHit[];
  /** What was read, for the summary. */
  readonly files: readonly { readonly file: string; readonly format: LogFormat; readonly rows: number; readonly bad: number }[];
  readonly packs: readonly { readonly file: string; readonly family: string; readonly name: string; readonly hunts: number }[];
  /** Family id → display name. */
  readonly familyNames: Readonly<Record<string, string>>;
  /** Wall-clock ms spent loading and compiling the packs, and reading and hunting the logs (not written to hits.json). */
  readonly elapsed: { readonly setupMs: number; readonly scanMs: number };
}

/** A (family, hunt) evaluated on one table; its variants are the platforms' compiled hunts with distinct meaning. */
interface Group {
  readonly family: string;
  readonly huntKey: string;
  readonly table: string;
  readonly windowMs: number;
  readonly variants: readonly { readonly id: string; readonly compiled: CompiledHunt }[];
  /** The serial of the last row this group was tested on (a row reaches a group once). */
  stamp: number;
}

/**
 * The hunts of one table. Groups whose hunts have a guard (evaluate.ts `huntGuard`) sharing a key are reached through one
 * probe and an index from probe value to groups: a row's cell is normalised once for all families, and only the groups
 * whose IOC values it produced are tested (by compileHunt's `test`, which decides). Groups without a guard are always tested.
 */
interface TablePlan {
  readonly probes: readonly { readonly probe: HuntGuard['probe']; readonly index: ReadonlyMap<string, readonly Group[]> }[];
  readonly always: readonly Group[];
}

interface PendingHit {
  readonly group: Group;
  readonly huntId: string;
  readonly ioc: string;
  readonly t: number;
  readonly file: string;
  readonly line: number;
  readonly row: LogRow;
}

/** Per file: at most this many bad lines are listed, and a file with this many and no good row is given up. */
export const MAX_BAD_LINES_PER_FILE = 100;

const PLATFORM_ORDER: readonly Platform[] = ['sentinel', 'defender'];

/** Split the command's paths into packs and logs by content. Throws FeedError for a path that does not exist. */
export function classifyPaths(paths: readonly string[]): { packs: string[]; logs: string[] } {
  const packs: string[] = [];
  const logs: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new FeedError(p, 'no such file or folder');
    (isPackPath(p) ? packs : logs).push(p);
  }
  return { packs, logs };
}

/** The meaning of a hunt apart from its platform and time column (two variants with equal keys match the same rows). */
function meaningKey(h: Hunt, applyExclusions: boolean): string {
  return JSON.stringify([h.table, h.lookbackDays, h.where, h.sets, applyExclusions ? h.exclusions : []]);
}

function planTables(byTable: ReadonlyMap<string, readonly Group[]>): Map<string, TablePlan> {
  const plans = new Map<string, TablePlan>();
  for (const [table, groups] of byTable) {
    const probes = new Map<string, { probe: HuntGuard['probe']; index: Map<string, Group[]> }>();
    const always: Group[] = [];
    for (const g of groups) {
      const guards = g.variants.map((v) => huntGuard(v.compiled.hunt));
      const first = guards[0];
      if (!first || guards.some((x) => x === undefined || x.key !== first.key)) {
        always.push(g);
        continue;
      }
      let p = probes.get(first.key);
      if (!p) probes.set(first.key, (p = { probe: first.probe, index: new Map() }));
      for (const guard of guards) {
        for (const v of guard!.values) {
          const list = p.index.get(v);
          if (!list) p.index.set(v, [g]);
          else if (!list.includes(g)) list.push(g);
        }
      }
    }
    plans.set(table, { probes: [...probes.values()], always });
  }
  return plans;
}

function compileGroups(packs: readonly LoadedPack[], dispatch: (t: string) => string, applyExclusions: boolean): Map<string, Group[]> {
  const byTable = new Map<string, Group[]>();
  for (const pack of packs) {
    const byKey = new Map<string, Hunt[]>();
    for (const h of pack.hunts) {
      const key = `${h.id}\u0000${h.table}`;
      byKey.set(key, [...(byKey.get(key) ?? []), h]);
    }
    for (const hunts of byKey.values()) {
      hunts.sort((a, b) => PLATFORM_ORDER.indexOf(a.platform) - PLATFORM_ORDER.indexOf(b.platform));
      const seen = new Set<string>();
      const variants: { id: string; compiled: CompiledHunt }[] = [];
      for (const h of hunts) {
        const key = meaningKey(h, applyExclusions);
        if (seen.has(key)) continue;
        seen.add(key);
        variants.push({ id: `${h.platform}-${h.id}`, compiled: compileHunt(h, { applyExclusions }) });
      }
      const first = hunts[0]!;
      const table = dispatch(first.table);
      const group: Group = { family: pack.family.id, huntKey: first.id, table, windowMs: first.lookbackDays * 86_400_000, variants, stamp: 0 };
      byTable.set(table, [...(byTable.get(table) ?? []), group]);
    }
  }
  // Hunts of one kind next to each other: consecutive hunts normalise the same cells (the evaluator memoises the last).
  for (const groups of byTable.values()) groups.sort((a, b) => (a.huntKey < b.huntKey ? -1 : a.huntKey > b.huntKey ? 1 : a.family < b.family ? -1 : a.family > b.family ? 1 : 0));
  return byTable;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Run the packs' hunts over the logs. Throws FeedError for a missing path or a bad pack; bad log lines are reported. */
export async function huntLogs(options: HuntLogsOptions): Promise<HuntLogsResult> {
  const started = performance.now();
  const k = loadKnowledge();
  const catalog = tableCatalog(k);
  const packs = options.packs.flatMap((p) => loadPacks(p));
  const familyNames: Record<string, string> = {};
  for (const p of packs) familyNames[p.family.id] = p.family.name;
  const applyExclusions = options.applyExclusions === true;
  const plans = planTables(compileGroups(packs, catalog.dispatchTable, applyExclusions));
  for (const p of options.logs) if (!existsSync(p)) throw new FeedError(p, 'no such file or folder');
  const files: LogFile[] = listLogFiles(catalog, options.logs);
  const table = options.table !== undefined ? canonicalTable(catalog, options.table) : undefined;

  const scanStarted = performance.now();
  const fixedNow = options.now;
  let maxTime = -Infinity;
  let rowsRead = 0;
  const pending: PendingHit[] = [];
  const probeOut: string[] = [];
  let rowSerial = 0;
  const badLines: BadLine[] = [];
  const fileStats: { file: string; format: LogFormat; rows: number; bad: number }[] = [];
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  let bytesRead = 0;
  let lastProgress = 0;
  const onBytes = options.onProgress
    ? (n: number): void => {
        bytesRead += n;
        const now = Date.now();
        if (now - lastProgress >= 200) {
          lastProgress = now;
          options.onProgress!(bytesRead, bytesTotal);
        }
      }
    : undefined;

  /** Test a group on a row once (a row can reach a group through several probe values). */
  const testGroup = (g: Group, row: LogRow, t: number, serial: number, file: string, line: number): void => {
    if (g.stamp === serial) return;
    g.stamp = serial;
    if (fixedNow !== undefined && t < fixedNow - g.windowMs) return;
    const variants = g.variants;
    for (let j = 0; j < variants.length; j++) {
      const m = variants[j]!.compiled.test(row);
      if (m !== undefined) {
        pending.push({ group: g, huntId: variants[j]!.id, ioc: m.ioc, t, file, line, row });
        return;
      }
    }
  };

  for (const file of files) {
    let rows = 0;
    let bad = 0;
    let unknownTableReported = false;
    let lastTable: string | undefined;
    let lastPlan: TablePlan | undefined;
    const display = file.display;
    const sink: LogSink = {
      stop: false,
      bad(line, reason) {
        bad++;
        if (bad <= MAX_BAD_LINES_PER_FILE) badLines.push({ file: display, line, reason });
        if (bad === MAX_BAD_LINES_PER_FILE && rows === 0) {
          badLines.push({ file: display, line, reason: `not a log file: ${MAX_BAD_LINES_PER_FILE} bad lines and no row; the rest of the file is skipped` });
          (this as { stop: boolean }).stop = true;
        }
      },
      row(row, rowTable, line) {
        rows++;
        rowsRead++;
        const tg = row['TimeGenerated'];
        const t = rowTime(tg !== undefined && tg !== null && tg !== '' ? tg : row['Timestamp']);
        if (t === undefined || Number.isNaN(t)) {
          this.bad(line, 'no time: neither TimeGenerated nor Timestamp holds a date');
          return;
        }
        if (t > maxTime) maxTime = t;
        if (rowTable !== lastTable) {
          lastTable = rowTable;
          lastPlan = rowTable === undefined ? undefined : plans.get(rowTable);
          if (rowTable === undefined && !unknownTableReported) {
            unknownTableReported = true;
            this.bad(line, 'unknown table: no Type column, and neither the file nor a folder name is a table (for CSV: --table)');
          }
        }
        const plan = lastPlan;
        if (plan === undefined) return;
        const serial = ++rowSerial;
        const probes = plan.probes;
        for (let i = 0; i < probes.length; i++) {
          const p = probes[i]!;
          probeOut.length = 0;
          p.probe(row, probeOut);
          for (let j = 0; j < probeOut.length; j++) {
            const gs = p.index.get(probeOut[j]!);
            if (gs !== undefined) for (let x = 0; x < gs.length; x++) testGroup(gs[x]!, row, t, serial, display, line);
          }
        }
        const always = plan.always;
        for (let i = 0; i < always.length; i++) testGroup(always[i]!, row, t, serial, display, line);
      },
    };
    const format = await readLogFile(file, { catalog, ...(table !== undefined ? { table } : {}), ...(onBytes ? { onBytes } : {}) }, sink);
    if (bad > MAX_BAD_LINES_PER_FILE && !sink.stop) badLines.push({ file: display, line: 0, reason: `${bad} bad lines in this file; the first ${MAX_BAD_LINES_PER_FILE} are listed` });
    fileStats.push({ file: display, format, rows, bad });
  }
  options.onProgress?.(bytesTotal, bytesTotal);
  const scanMs = performance.now() - scanStarted;

  const now = fixedNow ?? (maxTime === -Infinity ? undefined : maxTime);
  const hits: HuntHit[] =
    now === undefined
      ? []
      : pending
          .filter((h) => h.t >= now - h.group.windowMs)
          .map((h) => ({ huntId: h.huntId, family: h.group.family, table: h.group.table, time: isoOf(h.t), ioc: h.ioc, file: h.file, line: h.line, row: h.row }));
  hits.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || cmp(a.huntId, b.huntId) || cmp(a.family, b.family));
  badLines.sort((a, b) => cmp(a.file, b.file) || a.line - b.line);
  return {
    now: now === undefined ? null : isoOf(now),
    nowSource: fixedNow !== undefined ? 'option' : now === undefined ? 'no rows' : 'newest row time',
    rowsRead,
    badLines,
    hits,
    files: fileStats,
    packs: packs.map((p) => ({ file: p.file, family: p.family.id, name: p.family.name, hunts: p.hunts.length })),
    familyNames,
    elapsed: { setupMs: scanStarted - started, scanMs },
  };
}
