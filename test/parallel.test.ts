/**
 * Families built in parallel (worker threads, `--jobs`) write exactly the files of a one-thread build. Runs the compiled
 * CLI (the family worker exists only in dist/) on a synthetic multi-family dump plus the hostile and sample feeds, so
 * dropped, flagged, split and watchlist-only hunts are all in play.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
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
/** Under 2 MiB: `--jobs 1` builds in the main thread from the grouper. */
let small: string[];
/** Over 2 MiB (the same records as CSV zip and as API JSON, so duplicates merge across files): records are spilled. */
let big: string[];
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/build-worker.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  work = mkdtempSync(join(tmpdir(), 'huntpack-parallel-'));
  const extra = [join(FIXTURE_DIR, 'golden/hostile.ndjson'), join(ROOT, 'samples/threatfox-sample.json')];
  const a = generate(mkdtempSync(join(work, 'small-')), 6000, 12) as { zipFile: string };
  small = [a.zipFile, ...extra];
  const b = generate(mkdtempSync(join(work, 'big-')), 8000, 12) as { zipFile: string; jsonFile: string };
  big = [b.zipFile, b.jsonFile, ...extra];
  expect(statSync(b.zipFile).size + statSync(b.jsonFile).size).toBeGreaterThan(2 * 1024 * 1024);
});

function sameTree(a: string, b: string): void {
  const files = listFiles(join(work, a));
  expect(listFiles(join(work, b))).toStrictEqual(files);
  for (const f of files) expect(readFileSync(join(work, b, f), 'utf8'), f).toBe(readFileSync(join(work, a, f), 'utf8'));
}

describe('parallel family build', () => {
  it('writes byte-identical files in one thread (grouper or spill files) and with 2 and 3 workers', { timeout: 300_000 }, () => {
    const one = run(['build', ...small, '--out', 'small1', '--jobs', '1', '--max-parts', '3'], work);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/HUNTPACK_TIMING take /);
    expect(one.stderr).not.toMatch(/families in \d+ workers|group spilled family/);
    const files = listFiles(join(work, 'small1'));
    const run1 = JSON.parse(readFileSync(join(work, 'small1/run.json'), 'utf8')) as { families: unknown[]; droppedCount: number };
    expect(run1.families.length).toBeGreaterThan(12);
    expect(run1.droppedCount).toBeGreaterThan(0);
    expect(files.some((f) => /-part02\.kql$/.test(f))).toBe(true);
    expect(files.some((f) => /-watchlist\.kql$/.test(f))).toBe(true);
    const two = run(['build', ...small, '--out', 'small2', '--jobs', '2', '--max-parts', '3'], work);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/HUNTPACK_TIMING families in 2 workers/);
    sameTree('small1', 'small2');

    const bigOne = run(['build', ...big, '--out', 'big1', '--jobs', '1', '--max-parts', '3'], work);
    expect(bigOne.code, bigOne.stderr).toBe(0);
    expect(bigOne.stderr).toMatch(/HUNTPACK_TIMING group spilled family /);
    expect(bigOne.stderr).not.toMatch(/families in \d+ workers/);
    for (const jobs of ['2', '3']) {
      const r = run(['build', ...big, '--out', `big${jobs}`, '--jobs', jobs, '--max-parts', '3'], work);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`HUNTPACK_TIMING families in ${Math.min(Number(jobs), availableParallelism())} workers`));
      sameTree('big1', `big${jobs}`);
    }
    // The default for a feed over 2 MiB with fewer than 150,000 records: spill files, families built in this thread.
    const auto = run(['build', ...big, '--out', 'bigauto', '--max-parts', '3'], work);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toMatch(/group spilled family/);
    expect(auto.stderr).not.toMatch(/families in \d+ workers/);
    sameTree('big1', 'bigauto');
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
