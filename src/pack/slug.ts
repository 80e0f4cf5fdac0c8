/**
 * Folder names for families. A family id comes from the feed and is hostile: the slug keeps only [a-z0-9-],
 * so it can never be `..`, hold a separator or pick a path outside the output folder.
 */
import { createHash } from 'node:crypto';

const MAX = 64;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(-|$)/;

/** A safe folder name for a family id; never empty, never `.` or `..`. */
export function slugify(id: string): string {
  const base = id
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX)
    .replace(/-+$/, '');
  if (base === '') return 'family-' + shortHash(id);
  // Names Windows reserves for devices cannot be folders there.
  return WINDOWS_RESERVED.test(base) ? `family-${base}` : base;
}

/** First 8 hex digits of the SHA-256 of a string. */
export function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/** Slugs for many ids, unique: a collision (e.g. `js.x` and `js-x`) gets a hash suffix on every colliding id. */
export function uniqueSlugs(ids: readonly string[]): Map<string, string> {
  const bySlug = new Map<string, string[]>();
  for (const id of ids) {
    const s = slugify(id);
    bySlug.set(s, [...(bySlug.get(s) ?? []), id]);
  }
  const out = new Map<string, string>();
  for (const [slug, group] of bySlug) {
    for (const id of group) out.set(id, group.length === 1 && slug !== 'index' ? slug : `${slug.slice(0, MAX - 9)}-${shortHash(id)}`);
  }
  return out;
}
