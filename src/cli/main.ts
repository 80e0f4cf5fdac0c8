/**
 * The huntpack command line. Thin: parses arguments, calls the library, prints one-line errors, sets exit codes.
 */
import { wholeNumberIn } from './args.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { relative, resolve } from 'node:path';
import { build, BuildError, VERSION, type BuildSummary } from '../build.js';
import { FeedError } from '../model/issue.js';
import { checkOutputTarget, OutputError } from '../pack/output.js';
import { DEFAULT_MAX_PARTS } from '../pack/limits.js';
import type { Platform } from '../hunt/ir.js';
import { loadKnowledge } from '../knowledge/load.js';
import { validateFiles } from '../validate/files.js';
import { registerFetchCommand } from './fetch.js';
import { registerHuntCommand, HuntHitsFound } from './hunt.js';
import { parseColumnMap } from '../ingest/generic-csv.js';
import { diffBuilds, renderDiffMarkdown, type DiffResult } from '../diff.js';
import { writeFileSync } from 'node:fs';
import { parseTtl, type TtlClass } from '../pack/policy.js';
import { AllowlistError } from '../knowledge/allowlist.js';

/** Exit codes (documented in --help and the README). */
export const EXIT = { ok: 0, input: 1, usage: 2, invalidKql: 4, output: 5, internal: 70 } as const;

const PLATFORM_NAMES: readonly Platform[] = ['sentinel', 'defender'];

function parsePlatforms(value: string): Platform[] {
  const parts = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = parts.filter((p) => !PLATFORM_NAMES.includes(p as Platform));
  if (bad.length || parts.length === 0) throw new InvalidArgumentError(`expected a comma list of ${PLATFORM_NAMES.join(', ')}; got "${value}"`);
  return PLATFORM_NAMES.filter((p) => parts.includes(p));
}

function parseTables(value: string): 'default' | 'all' | string[] {
  const v = value.trim();
  if (v === 'default' || v === 'all') return v;
  const known = new Set(loadKnowledge().hunts.map((h) => h.table));
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = parts.filter((p) => !known.has(p));
  if (bad.length || parts.length === 0) throw new InvalidArgumentError(`unknown table ${bad.join(', ') || '(none)'}; known: ${[...known].sort().join(', ')}`);
  return parts;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseConfidence(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a whole number from 0 to 100');
  return n;
}

function parseTtlOption(value: string): Record<TtlClass, number> {
  try {
    return parseTtl(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const parseMaxParts = wholeNumberIn(0, 1000);
const parseJobs = wholeNumberIn(1, 64);

function parseListUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidArgumentError('expected an https:// URL, e.g. https://raw.githubusercontent.com/org/repo/main/huntpacks');
  }
  if (url.protocol !== 'https:' || url.search || url.hash) throw new InvalidArgumentError('expected an https:// URL without ?query or #fragment (the family folder and file name are appended)');
  return url.href.replace(/\/+$/, '');
}

const parseDays = wholeNumberIn(1, 3650, 'whole days between 1 and 3650');

function parseNow(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?Z?$/.exec(value.trim());
  const d = m ? new Date(`${m[1]}T${m[2] ?? '00:00:00'}Z`) : undefined;
  // Date() rolls 2026-02-30 over to 2026-03-02: the calendar date must come back as written.
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== m![1]) throw new InvalidArgumentError('expected a date such as 2026-05-01 or 2026-05-01T12:00:00Z');
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** A progress line on stderr (a terminal only; the caller decides), or undefined when disabled. */
export function progressBar(enabled: boolean): ((done: number, total: number, label: string, unit: 'bytes' | 'families') => void) | undefined {
  if (!enabled) return undefined;
  const started = Date.now();
  let last = 0;
  return (done, total, label, unit) => {
    const now = Date.now();
    // Quiet for short builds; at most ten redraws a second.
    if ((now - started < 1000 || now - last < 100) && done < total) return;
    last = now;
    // A terminal may report 0 columns (no size set, as under `script`): assume 80.
    const columns = Math.max(40, (process.stderr.columns || 80) - 1);
    const width = 24;
    const filled = total ? Math.round((done / total) * width) : width;
    const count = unit === 'bytes' ? `${(done / 2 ** 20).toFixed(0)}/${(total / 2 ** 20).toFixed(0)} MiB` : `${done}/${total} families`;
    const text = `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count} ${safe(label)}`.slice(0, columns);
    process.stderr.write(text.padEnd(columns));
    if (done >= total && unit === 'families') process.stderr.write('\r' + ' '.repeat(columns) + '\r');
  };
}

/** Feed text shown on a terminal: control characters (ANSI escapes, carriage returns) and bidi overrides removed. */
function safe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ');
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Rejected records go to stderr (even with --quiet): they are problems with the input. */
function printRejected(result: BuildSummary, shown: string): void {
  const { run } = result;
  if (!run.rejected.length) return;
  const lines = [`${plural(run.rejected.length, 'record')} rejected (details in ${shown}/index.md and run.json):`];
  for (const r of run.rejected.slice(0, 10)) lines.push(`  ${safe(r.file)}: ${r.location}: ${safe(r.reason)}`);
  if (run.rejected.length > 10) lines.push(`  … and ${run.rejected.length - 10} more`);
  process.stderr.write(lines.join('\n') + '\n');
}

function shownPath(outDir: string): string {
  const rel = relative(process.cwd(), resolve(outDir));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(outDir) : rel;
}

/** The run summary lists every family up to this many; past that, the biggest {@link SUMMARY_BIGGEST}. */
const SUMMARY_FAMILIES = 25;
const SUMMARY_BIGGEST = 20;

function printSummary(result: BuildSummary, outDir: string): void {
  const shown = shownPath(outDir);
  const { run } = result;
  const iocs = run.families.reduce((n, f) => n + f.iocs, 0);
  const queries = run.families.reduce((n, f) => n + f.queries, 0);
  const lines = [
    `huntpack ${VERSION}: ${run.inputs.map((i) => `${safe(i.file)} (${i.format}, ${plural(i.records, 'record')})`).join(', ')}`,
    ...(run.droppedCount ? [`${run.droppedCount} IOC${run.droppedCount === 1 ? '' : 's'} not hunted (warninglists, allowlist, confidence, expiry at ${run.policy.asOf?.slice(0, 10) ?? '-'}); see index.md`] : []),
    `Wrote ${plural(run.families.length, 'hunt pack')} (${plural(iocs, 'IOC')}, ${plural(queries, 'query', 'queries')}) to ${shown}/`,
  ];
  // Every family when there are few; else the biggest, and where the rest are listed.
  const listed = run.families.length <= SUMMARY_FAMILIES ? run.families : [...run.families].sort((a, b) => b.iocs - a.iocs).slice(0, SUMMARY_BIGGEST);
  for (const f of listed) lines.push(`  ${shown}/${f.dir}/README.md  ${safe(f.name)}: ${plural(f.iocs, 'IOC')}, ${plural(f.queries, 'query', 'queries')}`);
  if (listed.length < run.families.length) lines.push(`  … and ${plural(run.families.length - listed.length, 'smaller family', 'smaller families')}: all are listed in ${shown}/index.md`);
  lines.push(`Start with ${shown}/index.md.`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** Build the commander program (exported for tests). */
export function createProgram(): Command {
  const program = new Command();
  // Before any subcommand is added, so they inherit it: errors come back to main() for our exit codes.
  program.exitOverride();
  program
    .name('huntpack')
    .description('Turn threat-intelligence feeds (abuse.ch ThreatFox) into per-malware-family hunt\npacks for Microsoft Sentinel and Defender XDR.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  $ huntpack build
      the bundled sample feed → ./huntpacks
  $ huntpack fetch threatfox --days 3
      save the last 3 days from the ThreatFox API (needs THREATFOX_AUTH_KEY)
  $ huntpack build feed.json --out packs
      a ThreatFox API response, export JSON, NDJSON, CSV or full-dump zip
  $ huntpack build report.txt --family emotet --first-seen 2026-05-01
      defanged IOCs from a report's text
  $ huntpack build recent.csv --platform defender --lookback 14
  $ huntpack build feed.json --tables all --asim
      every table of the matrix, plus the ASIM parsers
  $ huntpack hunt huntpacks exported-logs/
      run the packs offline over exported logs (exit 3 on hits)
  $ huntpack validate huntpacks
      re-check every query after editing
  $ huntpack diff old-packs huntpacks
      what changed since the last build (exit 1 if anything)

Exit codes:
  0  success
  1  input problem: a file that is no feed, an API error status, truncated
     JSON, or --strict with rejected records; for validate: a query with an
     error
  2  usage error (unknown option, bad value)
  3  hunt: hits found (hits.json and hits.md list them)
  4  a generated query failed Kusto validation (nothing written)
  5  the output folder could not be written`,
    );

  program
    .command('build')
    .summary('build hunt packs from feeds (default: the bundled sample)')
    .description(
      `Read feeds (the format is recognised from the content): ThreatFox API JSON,
bare arrays, NDJSON, JSON and CSV exports, the full-dump zip; STIX 2.1 bundles;
MISP events; generic CSV with a header (--map); a report's text with defanged
IOCs. Normalise and de-duplicate every IOC, group them by malware family and
write one hunt pack per family:

  DIR/index.md, index.html      every family; every rejected record and why
  DIR/run.json                  the same, machine-readable
  DIR/<family>/README.md        the analyst's pack: summary, IOCs, queries,
                                tables and connectors, false positives
  DIR/<family>/report.html      the same as a self-contained web page
  DIR/<family>/pack.json        the machine-readable pack (IOCs, hunts)
  DIR/<family>/iocs.csv         every IOC of the pack
  DIR/<family>/queries/sentinel/*.kql   Sentinel queries (TimeGenerated)
  DIR/<family>/queries/defender/*.kql   Defender XDR advanced hunting
  DIR/<family>/sentinel/        analytics-rule and hunting YAML, and
                                azuredeploy.json (ARM template)
  DIR/<family>/stix/bundle.json STIX 2.1 bundle
  DIR/<family>/watchlists/*.csv IOC lists of hunts too long to inline:
                                Sentinel watchlists; Defender reads them with
                                externaldata from where you host them
                                (--list-url)

Invalid records are skipped and reported (file, line or record, reason); the
rest still builds. The same input always gives byte-identical files. Output is
written to a temporary folder and renamed into place when the build succeeds.
Big feeds build their families in parallel worker threads (--jobs).`,
    )
    .argument('[feeds...]', 'feed files; none = the bundled sample feed')
    .option('-o, --out <dir>', 'output folder (replaced if it holds an earlier build)', 'huntpacks')
    .addOption(new Option('-p, --platform <list>', 'platforms to write queries for: sentinel, defender, or both').default(['sentinel', 'defender'], 'sentinel,defender').argParser(parsePlatforms))
    .addOption(new Option('--lookback <days>', 'how far back each query searches').default(30).argParser(parseDays))
    .addOption(
      new Option('--tables <list>', 'which tables to hunt: "default" (the common set), "all", or a comma list of table or ASIM parser names')
        .default('default')
        .argParser(parseTables),
    )
    .option('--asim', 'also hunt through the ASIM parsers (_Im_Dns, _Im_WebSession, _Im_NetworkSession, _Im_FileEvent, _Im_ProcessCreate)', false)
    .option('--family <name>', 'family for IOCs that carry none (free text, generic CSV, unattributed records)')
    .addOption(
      new Option('--map <pairs>', 'generic CSV columns: value=COL,type=COL,family=COL,first_seen=COL,confidence=COL,tags=COL').argParser((v: string) => {
        try {
          return parseColumnMap(v);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      }),
    )
    .addOption(new Option('--first-seen <date>', 'first seen for IOCs of undated inputs such as free text (default: the file modification time)').argParser(parseNow))
    .option('--allowlist <file>', 'drop IOCs you know are benign: one "VALUE  REASON" per line (IP, CIDR, domain, URL, e-mail or hash); repeatable', collect, [])
    .addOption(new Option('--min-confidence <n>', 'drop IOCs whose feed confidence is below n (0-100)').argParser(parseConfidence))
    .addOption(new Option('--ttl <list>', 'time-to-live in days per IOC class, counted from last seen (else first seen): ip=30,domain=90,url=90,hash=365,email=90').argParser(parseTtlOption))
    .addOption(new Option('--as-of <date>', 'evaluate expiry at this date (default: the newest date in the feeds, so builds stay reproducible)').argParser(parseNow))
    .option('--no-warninglists', 'do not drop or flag IOCs with the bundled warninglists')
    .addOption(
      new Option('--max-parts <n>', 'split a hunt too long for one 10,000-character rule into at most n numbered parts; past that it comes only as a list variant (Sentinel watchlist, Defender externaldata); 0 = never split')
        .default(DEFAULT_MAX_PARTS)
        .argParser(parseMaxParts),
    )
    .addOption(new Option('--list-url <url>', 'https base URL where you host the output folder, for the externaldata queries (<url>/<family>/watchlists/<file>.csv); default: a placeholder to replace').argParser(parseListUrl))
    .addOption(
      new Option('--jobs <n>', 'families built in parallel by up to n worker threads (never more than the CPU cores); 1 = all in one thread; the files are the same either way')
        .default(undefined, 'the CPU cores, at most 4, for 150,000 records or more; else 1')
        .argParser(parseJobs),
    )
    .option('--strict', 'fail (exit 1, nothing written) if any record is rejected', false)
    .option('--no-validate', 'skip parsing every query with the Kusto parser before writing')
    .addOption(new Option('--now <date>', 'timestamp to record in the packs (default: none, so output stays reproducible)').argParser(parseNow))
    .option('-q, --quiet', 'print no summary on success (rejected records still go to stderr)', false)
    .action(async (feeds: string[], opts: { out: string; platform: Platform[]; lookback: number; tables: 'default' | 'all' | string[]; asim: boolean; family?: string; map?: Record<string, string>; firstSeen?: string; allowlist: string[]; minConfidence?: number; ttl?: Record<TtlClass, number>; asOf?: string; warninglists: boolean; maxParts: number; listUrl?: string; jobs?: number; strict: boolean; validate: boolean; now?: string; quiet: boolean }) => {
      checkOutputTarget(opts.out);
      const result = await build({
        inputs: feeds,
        outDir: opts.out,
        platforms: opts.platform,
        lookbackDays: opts.lookback,
        tables: opts.tables,
        asim: opts.asim,
        allowlists: opts.allowlist,
        ...(opts.family ? { family: opts.family } : {}),
        ...(opts.map ? { map: opts.map } : {}),
        ...(opts.firstSeen ? { firstSeen: opts.firstSeen } : {}),
        ...(opts.minConfidence !== undefined ? { minConfidence: opts.minConfidence } : {}),
        ...(opts.ttl ? { ttlDays: opts.ttl } : {}),
        ...(opts.asOf ? { asOf: opts.asOf } : {}),
        warninglists: opts.warninglists,
        maxParts: opts.maxParts,
        ...(opts.listUrl ? { listUrl: opts.listUrl } : {}),
        ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}),
        strict: opts.strict,
        validate: opts.validate,
        ...(opts.now ? { now: opts.now } : {}),
        onProgress: progressBar(!opts.quiet && process.stderr.isTTY === true && !process.env.CI),
      });
      if (!opts.quiet) printSummary(result, opts.out);
      printRejected(result, shownPath(opts.out));
    });
  registerFetchCommand(program, EXIT);
  registerHuntCommand(program);

  program
    .command('validate')
    .summary('parse and bind .kql files with the official Kusto parser')
    .description(
      `Parse and bind every query in the given .kql files and folders (default:
./huntpacks) with Microsoft's Kusto parser against the vendored Sentinel table
schemas, or the Defender XDR advanced-hunting schema for files under a
"defender" folder. A file may hold several queries separated by blank lines.
Prints file:line:col: code message for each problem and exits 1 if any query
has an error.`,
    )
    .argument('[paths...]', '.kql files or folders to search for them', ['huntpacks'])
    .addOption(new Option('-p, --platform <name>', 'force one schema instead of choosing by folder').choices(['sentinel', 'defender']))
    .option('--warnings', 'also print warnings', false)
    .action((paths: string[], opts: { platform?: Platform; warnings: boolean }) => {
      let report;
      try {
        report = validateFiles(paths, opts.platform);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (report.files === 0) throw new UsageError(`no .kql files in ${paths.join(', ')}`);
      for (const e of report.errors) process.stdout.write(e + '\n');
      if (opts.warnings) for (const w of report.warnings) process.stdout.write(w + '\n');
      const summary = `${report.queries} quer${report.queries === 1 ? 'y' : 'ies'} in ${report.files} file${report.files === 1 ? '' : 's'}: ${report.errors.length ? `${report.errors.length} error${report.errors.length === 1 ? '' : 's'}` : 'all valid'}`;
      process.stderr.write(summary + '\n');
      if (report.errors.length) throw new ValidationFailed();
    });
  program
    .command('diff')
    .summary('what changed between two builds (exit 0: none, 1: changes)')
    .description(
      `Compare two build folders (or two family folders): IOCs added, removed and
expired, queries added, removed and changed. Prints a Markdown summary (or JSON
with --json); --md FILE and --json-file FILE also write them.
Exit codes: 0 nothing changed, 1 something changed, 2 a folder is not a
huntpack build.`,
    )
    .argument('<old>', 'the earlier build folder')
    .argument('<new>', 'the later build folder')
    .option('--json', 'print JSON instead of Markdown', false)
    .option('--md <file>', 'also write the Markdown summary to FILE')
    .option('--json-file <file>', 'also write the JSON summary to FILE')
    .action((oldDir: string, newDir: string, opts: { json: boolean; md?: string; jsonFile?: string }) => {
      let d: DiffResult;
      try {
        d = diffBuilds(oldDir, newDir);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const md = renderDiffMarkdown(d);
      const json = JSON.stringify(d, null, 2) + '\n';
      if (opts.md) writeFileSync(opts.md, md);
      if (opts.jsonFile) writeFileSync(opts.jsonFile, json);
      process.stdout.write(opts.json ? json : md);
      if (d.changed) throw new DiffChanged();
    });
  return program;
}

/** `diff` found changes (exit 1, not an error). */
class DiffChanged extends Error {}

/** Bad paths or arguments found after parsing (exit 2). */
class UsageError extends Error {}
/** `validate` found errors (exit 1; already printed). */
class ValidationFailed extends Error {}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof HuntHitsFound) return err.exitCode;
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof ValidationFailed || err instanceof DiffChanged) return EXIT.input;
    if (err instanceof UsageError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof FeedError || err instanceof AllowlistError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      return EXIT.input;
    }
    if (err instanceof BuildError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      for (const d of err.details.slice(0, 20)) process.stderr.write(`  ${d}\n`);
      if (err.details.length > 20) process.stderr.write(`  … and ${err.details.length - 20} more\n`);
      return err.exitCode;
    }
    if (err instanceof OutputError) {
      process.stderr.write(`huntpack: error: ${err.message}\n`);
      return EXIT.output;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'ENOSPC' || code === 'EROFS' || code === 'EPERM') {
      process.stderr.write(`huntpack: error: cannot write output: ${(err as Error).message}\n`);
      return EXIT.output;
    }
    process.stderr.write(`huntpack: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}
