/**
 * The command line end to end, as a user runs it: `node bin/huntpack.js …` (dist/ is built by `npm test`).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFiles, FIXTURE_DIR } from './helpers/golden.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/huntpack.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/run.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  work = mkdtempSync(join(tmpdir(), 'huntpack-cli-'));
});

describe('huntpack build', () => {
  it('builds the bundled sample into ./huntpacks and says where', () => {
    const r = run(['build'], work);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/\b1 IOCs\b/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote 7 hunt packs \(\d+ IOCs, \d+ queries\) to huntpacks\//);
    const files = listFiles(join(work, 'huntpacks'));
    expect(files).toContain('index.md');
    expect(files).toContain('run.json');
    expect(files).toContain('js-kongtuke/README.md');
    expect(files).toContain('js-kongtuke/pack.json');
    expect(files).toContain('js-kongtuke/queries/sentinel/domain-dnsevents.kql');
    expect(files).toContain('js-kongtuke/queries/defender/hash-devicefileevents.kql');
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('is deterministic: a second run into another folder gives byte-identical files', () => {
    run(['build', '--out', 'a'], work);
    run(['build', '--out', 'b'], work);
    const a = listFiles(join(work, 'a'));
    expect(a).toStrictEqual(listFiles(join(work, 'b')));
    for (const f of a) expect(readFileSync(join(work, 'b', f), 'utf8'), f).toBe(readFileSync(join(work, 'a', f), 'utf8'));
  });

  it('keeps hostile family names inside --out', () => {
    const r = run(['build', join(FIXTURE_DIR, 'golden/hostile.ndjson'), '--out', 'hostile'], work);
    expect(r.code).toBe(0);
    const out = resolve(work, 'hostile');
    for (const f of listFiles(out)) expect(resolve(out, f).startsWith(out + '/')).toBe(true);
    expect(readdirSync(work)).not.toContain('etc');
  });

  const bad: [string, string, RegExp][] = [
    ['api-error.json', '{"query_status": "illegal_days", "data": "Days must be between 1 and 7"}', /illegal_days/],
    ['page.html', '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>', /HTML/i],
    ['cut.json', '{"query_status": "ok", "data": [{"id": "1", "ioc": "evil.com", ', /truncated|invalid JSON/i],
    ['notes.txt', 'hello, this is not a feed\n', /not a ThreatFox feed/i],
  ];
  for (const [name, content, pattern] of bad) {
    it(`fails with one line naming the file and writes nothing: ${name}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'huntpack-bad-'));
      writeFileSync(join(dir, name), content);
      const r = run(['build', name, '--out', 'out'], dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(name);
      expect(lines[0]).toMatch(pattern);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(readdirSync(dir)).toStrictEqual([name]);
    });
  }

  it('--strict fails on a rejected record and writes nothing; without it the good records build', () => {
    const feed = join(FIXTURE_DIR, 'golden/mixed-recent.csv');
    const strict = run(['build', feed, '--strict', '--out', 'strict'], work);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/--strict: 5 records were rejected/);
    expect(existsSync(join(work, 'strict'))).toBe(false);
    const lax = run(['build', feed, '--out', 'lax'], work);
    expect(lax.code).toBe(0);
    expect(lax.stderr).toMatch(/5 records rejected/);
    const runJson = JSON.parse(readFileSync(join(work, 'lax/run.json'), 'utf8')) as { rejected: { location: string; reason: string }[] };
    expect(runJson.rejected.map((r) => r.location)).toStrictEqual(['line 12', 'line 13', 'line 15', 'line 21', 'line 22']);
  });

  it('refuses to replace a folder that is not a huntpack output', () => {
    const dir = join(work, 'precious');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.md'), 'mine');
    const r = run(['build', '--out', 'precious'], work);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/refusing to replace/);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('mine');
  });

  it('keeps what an earlier build did not write (a .git folder, notes) when rebuilding, and never replaces a foreign run.json folder', () => {
    run(['build', '--out', 'kept'], work);
    mkdirSync(join(work, 'kept/.git'));
    writeFileSync(join(work, 'kept/.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(work, 'kept/NOTES.md'), 'mine');
    expect(run(['build', '--out', 'kept'], work).code).toBe(0);
    expect(readFileSync(join(work, 'kept/.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(readFileSync(join(work, 'kept/NOTES.md'), 'utf8')).toBe('mine');
    const foreign = join(work, 'foreign');
    mkdirSync(join(foreign, 'src'), { recursive: true });
    writeFileSync(join(foreign, 'run.json'), '{"some": "other tool"}');
    writeFileSync(join(foreign, 'src/main.py'), 'code');
    expect(run(['build', '--out', 'foreign'], work).code).toBe(5);
    expect(readFileSync(join(foreign, 'src/main.py'), 'utf8')).toBe('code');
  });

  it('rejects unknown options and bad values with exit 2', () => {
    expect(run(['build', '--platform', 'splunk'], work).code).toBe(2);
    expect(run(['build', '--lookback', '0'], work).code).toBe(2);
    expect(run(['frobnicate'], work).code).toBe(2);
    // Impossible calendar dates are refused, not rolled over (2026-02-30 is not 2026-03-02).
    const feb30 = run(['build', '--as-of', '2026-02-30', '--out', 'feb30'], work);
    expect(feb30.code).toBe(2);
    expect(feb30.stderr).toMatch(/--as-of <date>' argument '2026-02-30' is invalid/);
    expect(run(['build', '--now', '2026-04-31T10:00:00Z', '--out', 'apr31'], work).code).toBe(2);
    // validate reads query files, not a pack's README.
    writeFileSync(join(work, 'notes.md'), '# not KQL\n');
    const md = run(['validate', 'notes.md'], work);
    expect(md.code).toBe(2);
    expect(md.stderr).toMatch(/notes\.md: not a KQL file/);
  });

  it('validate passes a fresh build and reports a hand-broken query with line and column, exit 1', () => {
    run(['build', '--out', 'tovalidate'], work);
    const ok = run(['validate', 'tovalidate'], work);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/queries in \d+ files: all valid/);
    const file = join(work, 'tovalidate/js-kongtuke/queries/sentinel/domain-dnsevents.kql');
    const text = readFileSync(file, 'utf8');
    const lineNo = text.split('\n').findIndex((l) => l.startsWith('| where Name has_any')) + 1;
    writeFileSync(file, text.replace('| where Name has_any', '| where Nmae has_any'));
    const bad = run(['validate', 'tovalidate'], work);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${join('tovalidate', 'js-kongtuke/queries/sentinel/domain-dnsevents.kql')}:${lineNo}:9: KS142 The name 'Nmae' does not refer to any known column`);
    expect(run(['validate', 'no-such-folder'], work).code).toBe(2);
  });

  it('an --out path through a file is one error line and exit 5, not a crash', () => {
    writeFileSync(join(work, 'afile'), 'x');
    const r = run(['build', '--out', 'afile/packs'], work);
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toBe('huntpack: error: cannot create the output folder afile/packs: a part of the path is a file, not a folder');
  });

  it('stops quietly when its output is piped into a reader that closes early (| head)', () => {
    // `true` exits without reading: by the time huntpack (100 ms to start) writes, the pipe has no reader.
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" hunt --help | true`], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('--help teaches the commands, outputs and exit codes', () => {
    const top = run(['--help'], work);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes/);
    const b = run(['build', '--help'], work);
    expect(b.stdout).toMatch(/--out <dir>/);
    expect(b.stdout).toMatch(/queries\/defender/);
  });
});
