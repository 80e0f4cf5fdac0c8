/**
 * Families built in parallel (worker threads, `--jobs`) write exactly the files of a one-thread build. Runs the compiled
 * CLI (the family worker exists only in dist/) on a synthetic multi-family dump plus the hostile and sample feeds, so
 * dropped, flagged, split and watchlist-only hunts are all in play.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles, FIXTURE_DIR } from './helpers/golden.js';
// @ts-expect-error plain ESM script without types
import { generate } from '../scripts/lib/synthetic-dump.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/huntpack.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', HUNTPACK_TIMING: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
let feeds: string[];
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/build-worker.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  work = mkdtempSync(join(tmpdir(), 'huntpack-parallel-'));
  const { zipFile } = generate(work, 6000, 12) as { zipFile: string };
  feeds = [zipFile, join(FIXTURE_DIR, 'golden/hostile.ndjson'), join(ROOT, 'samples/threatfox-sample.json')];
});

describe('parallel family build', () => {
  it('writes byte-identical files with 1, 2 and 3 jobs', { timeout: 300_000 }, () => {
    const one = run(['build', ...feeds, '--out', 'one', '--jobs', '1', '--max-parts', '3'], work);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).not.toMatch(/families in \d+ workers/);
    const files = listFiles(join(work, 'one'));
    const run1 = JSON.parse(readFileSync(join(work, 'one/run.json'), 'utf8')) as { families: unknown[]; droppedCount: number };
    expect(run1.families.length).toBeGreaterThan(12);
    expect(run1.droppedCount).toBeGreaterThan(0);
    expect(files.some((f) => /-part02\.kql$/.test(f))).toBe(true);
    expect(files.some((f) => /-watchlist\.kql$/.test(f))).toBe(true);
    for (const jobs of ['2', '3']) {
      const r = run(['build', ...feeds, '--out', `jobs${jobs}`, '--jobs', jobs, '--max-parts', '3'], work);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`HUNTPACK_TIMING families in ${jobs} workers`));
      const got = listFiles(join(work, `jobs${jobs}`));
      expect(got).toStrictEqual(files);
      for (const f of files) expect(readFileSync(join(work, `jobs${jobs}`, f), 'utf8'), f).toBe(readFileSync(join(work, 'one', f), 'utf8'));
    }
  });

  it('summarises a build of many families by its 20 biggest and points to index.md for the rest', () => {
    const dir = join(work, 'many');
    const { zipFile } = generate(mkdtempSync(join(work, 'many-feed-')), 3000, 40) as { zipFile: string };
    const r = run(['build', zipFile, '--out', dir, '--no-validate'], work);
    expect(r.code, r.stderr).toBe(0);
    const families = (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { families: { iocs: number }[] }).families;
    expect(families.length).toBeGreaterThan(25);
    const listed = r.stdout.split('\n').filter((l) => l.endsWith(' queries') && l.includes('/README.md'));
    expect(listed).toHaveLength(20);
    const counts = listed.map((l) => Number(/: (\d+) IOCs?,/.exec(l)![1]));
    expect(counts).toStrictEqual([...counts].sort((a, b) => b - a));
    expect(counts[0]).toBe(Math.max(...families.map((f) => f.iocs)));
    expect(r.stdout).toContain(`… and ${families.length - 20} smaller families: all are listed in many/index.md`);
  });

  it('reports invalid --jobs as a usage error', () => {
    const r = run(['build', '--jobs', '0', '--out', 'bad'], work);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs.*whole number from 1 to 64/);
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });
});
