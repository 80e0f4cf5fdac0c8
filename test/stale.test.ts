/**
 * What a killed build leaves (its temporary output folder, its spill files) is removed by the next run, and only that:
 * never the folders of running processes, never this process's own.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive, removeStale } from '../src/util/stale.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  expect(processAlive(pid)).toBe(false);
  return pid;
}

describe('stale temporary folders', () => {
  it('removes folders of processes that are gone, keeps those of live ones and its own, ignores other names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-stale-'));
    const dead = deadPid();
    for (const name of [`out.tmp-${dead}`, `out.tmp-${process.pid}`, `out.tmp-${process.ppid}`, `out.old-${dead}`, `other.tmp-${dead}`, 'out.tmp-x']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'f'), 'x');
    }
    removeStale(dir, 'out.tmp-');
    expect(readdirSync(dir).sort()).toStrictEqual([`other.tmp-${dead}`, `out.old-${dead}`, `out.tmp-${process.pid}`, `out.tmp-${process.ppid}`, 'out.tmp-x'].sort());
  });

  it('a build removes what a killed build left beside its output and in the temp folder, and leaves no spill files', () => {
    const work = mkdtempSync(join(tmpdir(), 'huntpack-stale-cli-'));
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const dead = deadPid();
    mkdirSync(join(work, `huntpacks.tmp-${dead}`));
    mkdirSync(join(tmp, `huntpack-spill-${dead}-abc123`));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/huntpack.js'), 'build', '--jobs', '2', '-q'], { cwd: work, encoding: 'utf8', env: { ...process.env, CI: '1', TMPDIR: tmp } });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(work, `huntpacks.tmp-${dead}`))).toBe(false);
    expect(readdirSync(tmp)).toStrictEqual([]);
    expect(readdirSync(work).sort()).toStrictEqual(['huntpacks', 'tmp']);
  });
});
