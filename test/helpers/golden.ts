/**
 * Golden-file helpers: compare generated files with the reviewed copies under test/golden/<case>/,
 * or rewrite them with UPDATE_GOLDEN=1.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
export const GOLDEN_DIR = join(TEST_DIR, 'golden');
export const FIXTURE_DIR = join(TEST_DIR, 'fixtures');
export const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Every file under a folder, as sorted POSIX relative paths. */
export function listFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(root, full).split('\\').join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Write the generated files as the new golden copy of a case (UPDATE_GOLDEN=1). */
export function writeGolden(caseName: string, files: ReadonlyMap<string, string>): void {
  const dir = join(GOLDEN_DIR, caseName);
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Read the golden copy of a case. */
export function readGolden(caseName: string): Map<string, string> {
  const dir = join(GOLDEN_DIR, caseName);
  return new Map(listFiles(dir).map((rel) => [rel, readFileSync(join(dir, rel), 'utf8')]));
}
