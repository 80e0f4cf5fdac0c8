/**
 * `huntpack diff OLD_DIR NEW_DIR`: what changed between two builds — IOCs added, removed and expired, queries added,
 * removed and changed — as Markdown and JSON, for review and automation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackDocument } from './pack/pack.js';
import { mdCode, mdTable, mdText } from './render/markdown/md.js';
import { defang } from './render/defang.js';

export class DiffError extends Error {}

export interface IocRef {
  readonly family: string;
  readonly type: string;
  readonly value: string;
  readonly port?: number;
}

export interface DiffResult {
  readonly old: string;
  readonly new: string;
  readonly changed: boolean;
  readonly familiesAdded: readonly string[];
  readonly familiesRemoved: readonly string[];
  readonly iocsAdded: readonly IocRef[];
  /** Hunted before, not hunted now (with the reason when the new build dropped it). */
  readonly iocsRemoved: readonly (IocRef & { readonly reason: string })[];
  /** Hunted before, expired now. */
  readonly iocsExpired: readonly (IocRef & { readonly reason: string })[];
  readonly queriesAdded: readonly { readonly family: string; readonly id: string; readonly file: string }[];
  readonly queriesRemoved: readonly { readonly family: string; readonly id: string; readonly file: string }[];
  readonly queriesChanged: readonly { readonly family: string; readonly id: string; readonly file: string }[];
}

/** Read every pack of a build folder (or one family folder), keyed by family id. */
export function readBuild(dir: string): Map<string, PackDocument> {
  const packs = new Map<string, PackDocument>();
  const read = (file: string): PackDocument => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as PackDocument;
    } catch (err) {
      throw new DiffError(`${file}: cannot read pack (${(err as Error).message})`);
    }
  };
  if (existsSync(join(dir, 'pack.json'))) {
    const p = read(join(dir, 'pack.json'));
    packs.set(p.family.id, p);
    return packs;
  }
  const runFile = join(dir, 'run.json');
  if (!existsSync(runFile)) throw new DiffError(`${dir}: not a huntpack build (no run.json or pack.json)`);
  let run: { families?: { id: string; dir: string }[] };
  try {
    run = JSON.parse(readFileSync(runFile, 'utf8')) as typeof run;
  } catch (err) {
    throw new DiffError(`${runFile}: cannot read (${(err as Error).message})`);
  }
  for (const f of run.families ?? []) packs.set(f.id, read(join(dir, f.dir, 'pack.json')));
  return packs;
}

const key = (i: { type: string; value: string; port?: number }): string => `${i.type}|${i.value}|${i.port ?? ''}`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compare two builds. */
export function diffBuilds(oldDir: string, newDir: string): DiffResult {
  const before = readBuild(oldDir);
  const after = readBuild(newDir);
  const familiesAdded = [...after.keys()].filter((f) => !before.has(f)).sort(cmp);
  const familiesRemoved = [...before.keys()].filter((f) => !after.has(f)).sort(cmp);
  const iocsAdded: IocRef[] = [];
  const iocsRemoved: (IocRef & { reason: string })[] = [];
  const iocsExpired: (IocRef & { reason: string })[] = [];
  const queriesAdded: DiffResult['queriesAdded'][number][] = [];
  const queriesRemoved: DiffResult['queriesRemoved'][number][] = [];
  const queriesChanged: DiffResult['queriesChanged'][number][] = [];
  for (const family of [...new Set([...before.keys(), ...after.keys()])].sort(cmp)) {
    const o = before.get(family);
    const n = after.get(family);
    const oldIocs = new Map((o?.iocs ?? []).map((i) => [key(i), i]));
    const newIocs = new Map((n?.iocs ?? []).map((i) => [key(i), i]));
    const newExcluded = new Map((n?.excluded ?? []).map((e) => [key(e), e]));
    const ref = (i: { type: string; value: string; port?: number }): IocRef => ({ family, type: i.type, value: i.value, ...(i.port !== undefined ? { port: i.port } : {}) });
    for (const [k, i] of newIocs) if (!oldIocs.has(k)) iocsAdded.push(ref(i));
    for (const [k, i] of oldIocs) {
      if (newIocs.has(k)) continue;
      const ex = newExcluded.get(k);
      if (ex?.code === 'expired') iocsExpired.push({ ...ref(i), reason: ex.reason });
      else iocsRemoved.push({ ...ref(i), reason: ex ? ex.reason : 'no longer in the feed' });
    }
    const oldQ = new Map((o?.queries ?? []).map((q) => [q.id, q]));
    const newQ = new Map((n?.queries ?? []).map((q) => [q.id, q]));
    for (const [id, q] of newQ) {
      const prev = oldQ.get(id);
      if (!prev) queriesAdded.push({ family, id, file: q.file });
      else if (prev.kql !== q.kql) queriesChanged.push({ family, id, file: q.file });
    }
    for (const [id, q] of oldQ) if (!newQ.has(id)) queriesRemoved.push({ family, id, file: q.file });
  }
  const changed = [familiesAdded, familiesRemoved, iocsAdded, iocsRemoved, iocsExpired, queriesAdded, queriesRemoved, queriesChanged].some((x) => x.length > 0);
  return { old: oldDir, new: newDir, changed, familiesAdded, familiesRemoved, iocsAdded, iocsRemoved, iocsExpired, queriesAdded, queriesRemoved, queriesChanged };
}

function iocCell(i: IocRef): string {
  return mdCode(defang({ type: i.type as never, value: i.value, ...(i.port !== undefined ? { port: i.port } : {}) }));
}

/** Markdown summary of a diff. */
export function renderDiffMarkdown(d: DiffResult): string {
  const out = [`# huntpack diff`, '', `${mdCode(d.old)} → ${mdCode(d.new)}`, ''];
  if (!d.changed) return [...out, 'No change.', ''].join('\n');
  out.push(
    mdTable(
      ['', 'count'],
      [
        ['Families added', String(d.familiesAdded.length)],
        ['Families removed', String(d.familiesRemoved.length)],
        ['IOCs added', String(d.iocsAdded.length)],
        ['IOCs removed', String(d.iocsRemoved.length)],
        ['IOCs expired', String(d.iocsExpired.length)],
        ['Queries added', String(d.queriesAdded.length)],
        ['Queries removed', String(d.queriesRemoved.length)],
        ['Queries changed', String(d.queriesChanged.length)],
      ],
    ),
    '',
  );
  const section = (title: string, rows: string[][], header: string[]): void => {
    if (!rows.length) return;
    out.push(`## ${title}`, '', mdTable(header, rows), '');
  };
  section('Families added', d.familiesAdded.map((f) => [mdCode(f)]), ['Family']);
  section('Families removed', d.familiesRemoved.map((f) => [mdCode(f)]), ['Family']);
  section('IOCs added', d.iocsAdded.map((i) => [mdCode(i.family), mdText(i.type), iocCell(i)]), ['Family', 'Type', 'Value']);
  section('IOCs removed', d.iocsRemoved.map((i) => [mdCode(i.family), mdText(i.type), iocCell(i), mdText(i.reason)]), ['Family', 'Type', 'Value', 'Why']);
  section('IOCs expired', d.iocsExpired.map((i) => [mdCode(i.family), mdText(i.type), iocCell(i), mdText(i.reason)]), ['Family', 'Type', 'Value', 'Why']);
  section('Queries added', d.queriesAdded.map((q) => [mdCode(q.family), mdCode(q.file)]), ['Family', 'File']);
  section('Queries removed', d.queriesRemoved.map((q) => [mdCode(q.family), mdCode(q.file)]), ['Family', 'File']);
  section('Queries changed', d.queriesChanged.map((q) => [mdCode(q.family), mdCode(q.file)]), ['Family', 'File']);
  return out.join('\n').replace(/\n+$/, '\n');
}
