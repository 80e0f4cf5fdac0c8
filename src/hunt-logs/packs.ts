/**
 * Finding and loading hunt packs: a build output folder (run.json, one family per sub-folder) or one family's folder
 * (pack.json). Paths are told apart from logs by content, never by name alone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FeedError } from '../model/issue.js';
import type { Hunt } from '../hunt/ir.js';
import { huntsFromPack, type PackDocument } from '../pack/pack.js';

export interface LoadedPack {
  /** The pack.json path as shown in reports. */
  readonly file: string;
  readonly family: { readonly id: string; readonly name: string; readonly slug: string };
  readonly hunts: readonly Hunt[];
}

/** Is `path` a pack: a folder holding pack.json or run.json, or a file named pack.json? */
export function isPackPath(path: string): boolean {
  const st = statSync(path);
  if (st.isDirectory()) return existsSync(join(path, 'pack.json')) || existsSync(join(path, 'run.json'));
  return basename(path) === 'pack.json';
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FeedError(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FeedError(file, `not valid JSON: ${(err as Error).message}`);
  }
}

function loadPackFile(file: string): LoadedPack {
  const doc = readJson(file) as Partial<PackDocument> | null;
  if (doc === null || typeof doc !== 'object' || typeof doc.schemaVersion !== 'number' || !doc.family || typeof doc.family.id !== 'string') {
    throw new FeedError(file, 'not a huntpack pack.json');
  }
  if (doc.schemaVersion !== 1) throw new FeedError(file, `pack.json schemaVersion ${doc.schemaVersion} is not supported (expected 1)`);
  if (!Array.isArray(doc.hunts) || doc.huntSets === null || typeof doc.huntSets !== 'object') {
    throw new FeedError(file, 'pack.json holds no hunts (written by an older huntpack?); rebuild the pack');
  }
  let hunts: Hunt[];
  try {
    hunts = huntsFromPack(doc as PackDocument);
  } catch (err) {
    throw new FeedError(file, (err as Error).message);
  }
  return { file, family: { id: doc.family.id, name: doc.family.name ?? doc.family.id, slug: doc.family.slug ?? doc.family.id }, hunts };
}

/** Load every pack under a pack path (see isPackPath). */
export function loadPacks(path: string): LoadedPack[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [loadPackFile(path)];
  if (existsSync(join(path, 'pack.json'))) return [loadPackFile(join(path, 'pack.json'))];
  const run = readJson(join(path, 'run.json')) as { families?: { dir?: unknown }[] } | null;
  let dirs = (run?.families ?? []).map((f) => f.dir).filter((d): d is string => typeof d === 'string' && /^[a-z0-9-]+$/.test(d));
  if (dirs.length === 0) {
    dirs = readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(path, e.name, 'pack.json')))
      .map((e) => e.name)
      .sort();
  }
  const packs: LoadedPack[] = [];
  for (const d of dirs) {
    const file = join(path, d, 'pack.json');
    if (!existsSync(file)) throw new FeedError(join(path, 'run.json'), `lists family folder ${d}, which has no pack.json`);
    packs.push(loadPackFile(file));
  }
  return packs;
}
