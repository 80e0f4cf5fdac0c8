/**
 * The results of `huntpack hunt`: DIR/hits.json (machine-readable) and DIR/hits.md (readable summary by family, hunt
 * and host), written atomically (a temporary sibling folder renamed into place). Every log value is escaped.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OutputError } from '../pack/output.js';
import { mdCode, mdTable, mdText } from '../render/markdown/md.js';
import type { HuntHit, HuntLogsResult } from './run.js';

export const HITS_JSON = 'hits.json';
export const HITS_MD = 'hits.md';

/** hits.json: `{ now, rowsRead, badLines, hits }`, hits ordered by file, line, hunt id. */
export function renderHitsJson(r: HuntLogsResult): string {
  return JSON.stringify({ now: r.now, rowsRead: r.rowsRead, badLines: r.badLines, hits: r.hits }, null, 2) + '\n';
}

/** Columns that name the machine or source of a row, most specific first. */
export const HOST_COLUMNS = [
  'DeviceName', 'Computer', 'SrcHostname', 'DvcHostname', 'Hostname', 'SourceHostName', 'DeviceHostName', 'Dvc',
  'RecipientEmailAddress', 'AccountUpn', 'SrcIpAddr', 'SourceIP', 'ClientIP', 'LocalIP',
] as const;

/** The host of a hit's row: the first non-empty host column, or `(unknown)`. */
export function hostOf(row: Readonly<Record<string, unknown>>): string {
  for (const c of HOST_COLUMNS) {
    const v = row[c];
    if (v !== undefined && v !== null && v !== '') return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return '(unknown)';
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

const byKey = <T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
};

const sorted = (xs: Iterable<string>): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Most hosts listed per hunt and bad lines listed in hits.md (hits.json has all). */
const MD_LIMIT = 200;

/** hits.md: the run, then per family and hunt the hosts with their hit counts, time span and IOCs; then bad lines. */
export function renderHitsMd(r: HuntLogsResult): string {
  const out: string[] = ['# Hunt results', ''];
  out.push(
    `- now: ${r.now ?? '(no row had a time)'} (${r.nowSource}); each hunt looks back its own lookback from it`,
    `- ${plural(r.rowsRead, 'row')} read from ${plural(r.files.length, 'file')}; ${plural(r.badLines.length, 'bad line')} listed`,
    `- ${plural(r.packs.length, 'pack')}: ${r.packs.map((p) => `${mdText(p.name)} (${mdCode(p.family)})`).join(', ') || 'none'}`,
    `- **${plural(r.hits.length, 'hit')}**`,
    '',
  );
  const families = byKey(r.hits, (h) => h.family);
  for (const fam of sorted(families.keys())) {
    const hits = families.get(fam)!;
    out.push(`## ${mdText(r.familyNames[fam] ?? fam)} (${mdCode(fam)}): ${plural(hits.length, 'hit')}`, '');
    const hunts = byKey(hits, (h) => h.huntId);
    out.push(
      mdTable(
        ['hunt', 'table', 'hits', 'hosts'],
        sorted(hunts.keys()).map((id) => {
          const hs = hunts.get(id)!;
          return [mdCode(id), mdCode(hs[0]!.table), String(hs.length), String(new Set(hs.map((h) => hostOf(h.row))).size)];
        }),
      ),
      '',
    );
    for (const id of sorted(hunts.keys())) {
      const hs = hunts.get(id)!;
      out.push(`### ${mdCode(id)} on ${mdCode(hs[0]!.table)}`, '');
      const hosts = byKey(hs, (h) => hostOf(h.row));
      const rows = sorted(hosts.keys()).map((host) => {
        const list = hosts.get(host)!;
        const times = list.map((h) => h.time).sort();
        const iocs = sorted(new Set(list.map((h) => h.ioc)));
        const where = list.slice(0, 3).map((h: HuntHit) => `${mdText(h.file)}:${h.line}`).join(', ') + (list.length > 3 ? ', …' : '');
        return [
          mdText(host),
          String(list.length),
          mdText(times[0]!),
          mdText(times[times.length - 1]!),
          iocs.slice(0, 5).map(mdCode).join(', ') + (iocs.length > 5 ? ` … (${iocs.length})` : ''),
          where,
        ];
      });
      out.push(mdTable(['host', 'hits', 'first', 'last', 'IOCs', 'where'], rows.slice(0, MD_LIMIT)), '');
      if (rows.length > MD_LIMIT) out.push(`… and ${rows.length - MD_LIMIT} more hosts (see ${HITS_JSON}).`, '');
    }
  }
  if (r.hits.length === 0) out.push('No hits.', '');
  if (r.badLines.length) {
    out.push('## Bad lines', '', 'Skipped and not hunted:', '');
    out.push(mdTable(['file', 'line', 'reason'], r.badLines.slice(0, MD_LIMIT).map((b) => [mdText(b.file), String(b.line), mdText(b.reason)])), '');
    if (r.badLines.length > MD_LIMIT) out.push(`… and ${r.badLines.length - MD_LIMIT} more (see ${HITS_JSON}).`, '');
  }
  return out.join('\n');
}

/** Files a previous `hunt` wrote at the top of its folder: replaced; anything else there is kept. */
const OURS = new Set([HITS_JSON, HITS_MD]);

/** Throw unless `outDir` is absent, an empty folder, or the results of an earlier `hunt` (it holds hits.json). */
export function checkHuntOutput(outDir: string): void {
  if (outDir.trim() === '') throw new OutputError('the output folder name is empty');
  const target = resolve(outDir);
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new OutputError(`${outDir} exists and is not a folder`);
  const entries = readdirSync(target);
  if (entries.length > 0 && !entries.includes(HITS_JSON)) {
    throw new OutputError(`${outDir} is not empty and holds no ${HITS_JSON} of an earlier hunt; refusing to replace it (choose another --out)`);
  }
}

/** Write hits.json and hits.md into `outDir` atomically. */
export function writeHuntResults(outDir: string, r: HuntLogsResult): void {
  checkHuntOutput(outDir);
  const target = resolve(outDir);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    writeFileSync(join(tmp, HITS_JSON), renderHitsJson(r));
    writeFileSync(join(tmp, HITS_MD), renderHitsMd(r));
    if (existsSync(target)) {
      for (const name of readdirSync(target)) if (!OURS.has(name)) renameSync(join(target, name), join(tmp, name));
      renameSync(target, old);
    }
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (err instanceof OutputError) throw err;
    throw new OutputError(`cannot write ${outDir}: ${(err as Error).message}`);
  }
}
