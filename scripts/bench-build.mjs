// npm run bench:build — time `huntpack build` on a synthetic full ThreatFox dump (CSV in a zip, and API-shaped JSON),
// against a baseline that only parses the same file, measured in the same run. Prints wall time, peak RSS and ratios.
// A second yardstick writes as many files of the same sizes as the build wrote, so the disk's share is visible.
// Options: --records N (default 1,200,000), --families N (default 300), --keep (leave the generated files),
//          --dir PATH (where to generate and build; default the system temp folder), --only csv|json.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './lib/synthetic-dump.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RECORDS = arg('records', 1_200_000);
const FAMILIES = arg('families', 300);
const KEEP = process.argv.includes('--keep');
const argText = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ONLY = argText('only');

function measure(args) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'scripts/lib/report-rss.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, CI: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/HUNTPACK_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  if (r.status !== 0) process.stderr.write(`  (exit ${r.status}) ${r.stderr.split('\n').filter((l) => l && !l.startsWith('HUNTPACK_BENCH')).slice(0, 3).join(' | ')}\n`);
  return { seconds, rss, status: r.status, stdout: r.stdout };
}

const dir = mkdtempSync(join(argText('dir') ?? tmpdir(), 'huntpack-bench-'));
console.log(`bench:build — ${RECORDS.toLocaleString('en')} records, ${FAMILIES} families; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
const t0 = Date.now();
const { zipFile, jsonFile } = generate(dir, RECORDS, FAMILIES);
console.log(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: full.zip ${(statSync(zipFile).size / 2 ** 20).toFixed(0)} MiB, get_iocs.json ${(statSync(jsonFile).size / 2 ** 20).toFixed(0)} MiB`);
const rows = [];
for (const [name, file, kind] of [['CSV full dump (zip)', zipFile, 'csv'], ['API JSON', jsonFile, 'json']]) {
  if (ONLY && ONLY !== kind) continue;
  const base = measure([join(ROOT, 'scripts/lib/parse-baseline.mjs'), kind, file]);
  const out = join(dir, `out-${kind}`);
  const run = measure([join(ROOT, 'bin/huntpack.js'), 'build', file, '--out', out, '-q']);
  const write = measure([join(ROOT, 'scripts/lib/write-baseline.mjs'), out, join(dir, `write-${kind}`)]);
  rmSync(join(dir, `write-${kind}`), { recursive: true, force: true });
  const [files, bytes] = (write.stdout ?? '0 0').trim().split(' ').map(Number);
  rows.push({ name, base, run });
  console.log(
    `${name.padEnd(20)} parse-only ${base.seconds.toFixed(1).padStart(6)} s ${base.rss.toFixed(0).padStart(6)} MiB | build ${run.seconds.toFixed(1).padStart(6)} s ${run.rss.toFixed(0).padStart(6)} MiB${run.status === 0 ? '' : ' (failed)'} | build/parse ${(run.seconds / base.seconds).toFixed(2)}×`,
  );
  console.log(
    `${''.padEnd(20)} write-only ${write.seconds.toFixed(1).padStart(6)} s (${files.toLocaleString('en')} files, ${(bytes / 2 ** 20).toFixed(0)} MiB, writeFileSync) | build/(parse+write) ${(run.seconds / (base.seconds + write.seconds)).toFixed(2)}×`,
  );
  rmSync(out, { recursive: true, force: true });
}
console.log('targets: build within 3× the parse-only baseline, peak RSS under 1,024 MiB');
for (const { name, base, run } of rows) {
  const ratio = run.seconds / base.seconds;
  console.log(`  ${name.padEnd(20)} time ${ratio.toFixed(2)}× ${ratio <= 3 ? 'met' : 'NOT met'} | memory ${run.rss.toFixed(0)} MiB ${run.rss < 1024 ? 'met' : 'NOT met'}${run.status === 0 ? '' : ' | the build FAILED'}`);
}
if (!KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(`files kept in ${dir}`);
