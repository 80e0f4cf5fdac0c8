/**
 * `huntpack hunt PACK_DIR… LOGS… [--out DIR]`: run packs' hunts over exported logs, offline.
 * Exit codes: 0 no hits · 3 hits found · 1 input problem · 2 usage error · 5 output folder not writable.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { relative, resolve } from 'node:path';
import { classifyPaths, huntLogs, type HuntLogsResult } from '../hunt-logs/run.js';
import { HITS_JSON, HITS_MD, writeHuntResults, checkHuntOutput } from '../hunt-logs/report.js';
import { parseDateTime } from '../hunt-logs/coerce.js';
import { loadKnowledge } from '../knowledge/load.js';

/** Exit code of `hunt` when it found hits (the run itself succeeded). */
export const EXIT_HITS = 3;

/**
 * Thrown by `hunt` after writing its results when there are hits, so the CLI exits 3 (as `grep` exits 1 with no match,
 * a scripted hunt can branch on it). main.ts maps it: `if (err instanceof HuntHitsFound) return err.exitCode;`.
 */
export class HuntHitsFound extends Error {
  readonly exitCode = EXIT_HITS;
  constructor(readonly hits: number) {
    super(`${hits} hit${hits === 1 ? '' : 's'} found`);
    this.name = 'HuntHitsFound';
  }
}

function parseTableOption(value: string): string {
  const tables = Object.keys(loadKnowledge().tableColumns);
  const found = tables.find((t) => t.toLowerCase() === value.trim().toLowerCase());
  if (!found) throw new InvalidArgumentError(`unknown table; known: ${tables.sort().join(', ')}`);
  return found;
}

function parseNowOption(value: string): number {
  const ms = parseDateTime(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a date such as 2026-05-01 or 2026-05-01T12:00:00Z');
  return ms;
}

/** Control characters and bidi overrides of log or path text shown on a terminal become spaces. */
function safe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ');
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

function shownPath(dir: string): string {
  const rel = relative(process.cwd(), resolve(dir));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(dir) : rel;
}

function mib(n: number): string {
  return (n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0);
}

/** Bytes read / total on stderr, only on a terminal outside CI. */
function progress(enabled: boolean): ((done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  const started = Date.now();
  let drawn = false;
  return (done, total) => {
    const width = Math.max(20, (process.stderr.columns ?? 80) - 1);
    if (done >= total) {
      if (drawn) process.stderr.write('\r' + ' '.repeat(width) + '\r');
      return;
    }
    if (Date.now() - started < 300) return;
    drawn = true;
    const bar = 24;
    const filled = total ? Math.min(bar, Math.round((done / total) * bar)) : bar;
    const secs = (Date.now() - started) / 1000;
    const text = `[${'#'.repeat(filled)}${'.'.repeat(bar - filled)}] ${mib(done)}/${mib(total)} MiB  ${mib(done / secs)} MiB/s`;
    process.stderr.write(('\r' + text).slice(0, width + 1).padEnd(width + 1));
  };
}

function printSummary(r: HuntLogsResult, out: string): void {
  const shown = shownPath(out);
  const families = new Set(r.hits.map((h) => h.family));
  const lines = [
    `huntpack hunt: ${plural(r.packs.length, 'pack')} (${r.packs.reduce((n, p) => n + p.hunts, 0)} hunts) over ${plural(r.rowsRead, 'row')} in ${plural(r.files.length, 'file')}; now ${r.now ?? '-'} (${r.nowSource})`,
    r.hits.length
      ? `${plural(r.hits.length, 'hit')} for ${plural(families.size, 'family', 'families')}: ${[...families].sort().map((f) => safe(f)).join(', ')}`
      : 'No hits.',
    `Wrote ${shown}/${HITS_JSON} and ${shown}/${HITS_MD}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Bad lines go to stderr (even with --quiet): they are problems with the input. */
function printBadLines(r: HuntLogsResult, out: string): void {
  if (!r.badLines.length) return;
  const lines = [`${plural(r.badLines.length, 'bad line')} skipped (all in ${shownPath(out)}/${HITS_JSON}):`];
  for (const b of r.badLines.slice(0, 10)) lines.push(`  ${safe(b.file)}:${b.line}: ${safe(b.reason)}`);
  if (r.badLines.length > 10) lines.push(`  … and ${r.badLines.length - 10} more`);
  process.stderr.write(lines.join('\n') + '\n');
}

/** Add the `hunt` subcommand. Errors: FeedError (exit 1), commander usage errors (exit 2), OutputError (5), HuntHitsFound (3). */
export function registerHuntCommand(program: Command): void {
  const cmd = program
    .command('hunt')
    .summary('run hunt packs over exported logs, offline (exit 3 when anything hits)')
    .description(
      `Run the hunts of hunt packs over exported logs on this machine, with the
meaning of the KQL queries.

PATHS are told apart by content: a folder holding run.json (a build output) or
pack.json (one family) is a pack; everything else is logs: files, or folders
walked recursively. Gzip is decompressed whatever the name. Formats:
  Log Analytics data export   JSON lines, one record per line; the table from
                              its Type column, else the file or folder name
                              (DeviceNetworkEvents.json, am-dnsevents/…)
  Defender XDR streaming API  JSON lines {"time", "category":
                              "AdvancedHunting-<Table>", "properties": {…}}
  CSV from the portals        a header row; the table from --table, the file
                              name, or the header's columns; text converted by
                              the catalogue's column types (ports as numbers,
                              portal dates)

A hunt applies to rows of its table (an ASIM parser hunt such as _Im_Dns to its
ASim*Logs table). Sentinel and Defender XDR variants of a hunt mean the same:
each row hits a family's hunt once, under the Sentinel query id. Each hunt
looks back its lookback from --now (default: the newest row time in the logs).
A bad line (cut JSON, wrong column count) is skipped and reported with file,
line and reason.

Writes DIR/${HITS_JSON} ({ now, rowsRead, badLines, hits: [{ huntId, family,
table, time, ioc, file, line, row }] }, ordered by file, line, hunt) and
DIR/${HITS_MD} (by family, hunt and host), atomically.

Exit codes:
  0  no hits
  3  hits found (results written)
  1  input problem (a path that does not exist, an unreadable or invalid
     pack.json)
  2  usage error (no pack or no logs given, bad option value)
  5  the output folder could not be written`,
    )
    .argument('<paths...>', 'pack folders, then log files or folders (any order)')
    .option('-o, --out <dir>', 'results folder (replaced if it holds an earlier hunt)', 'hunt-results')
    .addOption(new Option('--now <date>', 'count each lookback back from this time (default: the newest row time)').argParser(parseNowOption))
    .addOption(new Option('--table <name>', 'the table of CSV files whose file name and header do not tell it').argParser(parseTableOption))
    .option('--exclusions', "apply the packs' false-positive exclusions (as if their commented KQL lines were enabled)", false)
    .option('-q, --quiet', 'print nothing but bad lines', false)
    .action(async (paths: string[], opts: { out: string; now?: number; table?: string; exclusions: boolean; quiet: boolean }) => {
      const { packs, logs } = classifyPaths(paths);
      if (packs.length === 0) cmd.error('huntpack: error: no pack given: pass a build folder (with run.json) or a family folder (with pack.json)', { exitCode: 2 });
      if (logs.length === 0) cmd.error('huntpack: error: no logs given: pass log files or folders after the packs', { exitCode: 2 });
      checkHuntOutput(opts.out);
      const result = await huntLogs({
        packs,
        logs,
        ...(opts.now !== undefined ? { now: opts.now } : {}),
        ...(opts.table !== undefined ? { table: opts.table } : {}),
        applyExclusions: opts.exclusions,
        onProgress: progress(!opts.quiet && process.stderr.isTTY === true && !process.env.CI),
      });
      writeHuntResults(opts.out, result);
      if (!opts.quiet) printSummary(result, opts.out);
      printBadLines(result, opts.out);
      if (result.hits.length > 0) throw new HuntHitsFound(result.hits.length);
    });
}

/**
 * A standalone entry with the same exit codes as main.ts once wired (used by tests until then):
 * `process.exitCode = await runHuntCli(argv)` where argv starts with `hunt`.
 */
export async function runHuntCli(argv: readonly string[]): Promise<number> {
  const { FeedError } = await import('../model/issue.js');
  const { OutputError } = await import('../pack/output.js');
  const program = new Command().name('huntpack').exitOverride();
  registerHuntCommand(program);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof HuntHitsFound) return err.exitCode;
    const e = err as { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' ? 0 : 2;
    }
    if (err instanceof FeedError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      return 1;
    }
    if (err instanceof OutputError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      return 5;
    }
    process.stderr.write(`huntpack: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return 70;
  }
}
