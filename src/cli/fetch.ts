/**
 * `huntpack fetch threatfox`: download ThreatFox data into a file `huntpack build` reads. Thin: parses options, calls
 * src/fetch/threatfox.ts, prints where the file went. Errors reach main() as BuildError with the exit code to use.
 */
import { wholeNumberIn } from './args.js';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { BuildError } from '../build.js';
import { defaultDeps, FetchError, fetchThreatFoxExport, fetchThreatFoxIocs, saveFetchResult, type FetchDeps, type FetchResult } from '../fetch/threatfox.js';

/** The exit codes main() uses (its `EXIT`). */
export interface FetchExitCodes {
  readonly input: number;
  readonly usage: number;
  readonly output: number;
}

const parseDays = wholeNumberIn(1, 7, 'whole days from 1 to 7 (the ThreatFox API limit)');

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError('expected seconds between 0 and 3600');
  return n;
}

const parseAttempts = wholeNumberIn(1, 10);

interface FetchOptions {
  days: number;
  authKey?: string;
  export?: 'recent' | 'full';
  output?: string;
  attempts: number;
  timeout?: number;
  retryDelay: number;
  quiet: boolean;
}

/**
 * Add `fetch` to the program. `deps` replaces network, clock and sleep (tests); `exit` maps failures to exit codes:
 * missing key → usage, every other fetch failure (rejected key, API error status, retries exhausted) → input,
 * the file could not be written → output.
 */
export function registerFetchCommand(program: Command, exit: FetchExitCodes, deps: Partial<FetchDeps> = {}): Command {
  const io: FetchDeps = { ...defaultDeps, ...deps };
  return program
    .command('fetch')
    .summary('download ThreatFox IOCs (API get_iocs, or the CSV exports) for a later build')
    .description(
      `Download ThreatFox data into a file "huntpack build" reads.

API mode (default): POST {"query": "get_iocs", "days": N} with your Auth-Key
(THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/). Saves the
API answer verbatim plus a first key "huntpack_fetch" with the fetch metadata,
by default to feeds/threatfox-get_iocs-<N>d-<UTC time>.json.

Export mode (--export recent|full): downloads the CSV export (recent: the last
48 hours; full: a ZIP of every IOC) as-is, to
feeds/threatfox-export-<kind>-<UTC time>.csv or .zip (by content), with the
metadata in <file>.meta.json.

Server errors (5xx, HTML pages), timeouts and network errors are retried with
exponential backoff; a rejected key or an API error status (illegal_days,
no_result, …) is reported at once. Environment: THREATFOX_API_URL and
THREATFOX_EXPORT_URL override the endpoints.`,
    )
    .addArgument(new Argument('<source>', 'the feed to fetch').choices(['threatfox']))
    .addOption(new Option('--days <n>', 'API: IOCs first seen in the last n days (1-7)').default(3).argParser(parseDays))
    .option('--auth-key <key>', 'ThreatFox Auth-Key (default: env THREATFOX_AUTH_KEY)')
    .addOption(new Option('--export <kind>', 'download the CSV export instead of calling the API').choices(['recent', 'full']))
    .option('-o, --output <file>', 'where to save (default: a timestamped file under feeds/)')
    .addOption(new Option('--attempts <n>', 'attempts for retryable failures').default(3).argParser(parseAttempts))
    .addOption(new Option('--retry-delay <seconds>', 'first backoff delay; doubles on each retry').default(2).argParser(parseSeconds))
    .addOption(new Option('--timeout <seconds>', 'per-attempt timeout (default: 60 for the API, 600 for exports)').argParser(parseSeconds))
    .option('-q, --quiet', 'print nothing on success', false)
    .action(async (_source: string, opts: FetchOptions) => {
      const authKey = opts.authKey ?? process.env['THREATFOX_AUTH_KEY'];
      const retry = {
        attempts: opts.attempts,
        baseDelayMs: Math.round(opts.retryDelay * 1000),
        ...(opts.timeout !== undefined ? { timeoutMs: Math.round(opts.timeout * 1000) } : {}),
      };
      let result: FetchResult;
      try {
        result = opts.export
          ? await fetchThreatFoxExport({ kind: opts.export, authKey, ...retry }, io)
          : await fetchThreatFoxIocs({ days: opts.days, authKey, ...retry }, io);
      } catch (error) {
        if (!(error instanceof FetchError)) throw error;
        const missingKey = error.kind === 'usage' || (error.kind === 'auth' && error.message.startsWith('no ThreatFox Auth-Key'));
        throw new BuildError(error.message, missingKey ? exit.usage : exit.input);
      }
      let saved;
      try {
        saved = await saveFetchResult(result, opts.output);
      } catch (error) {
        throw new BuildError(`cannot write ${opts.output ?? 'the feed file'}: ${(error as Error).message}`, exit.output);
      }
      if (!opts.quiet) {
        const what = result.metadata.mode === 'api' ? `${result.metadata.records ?? 0} IOC records (get_iocs, ${opts.days} day${opts.days === 1 ? '' : 's'})` : `the ${opts.export} export (${result.metadata.bytes} bytes, ${result.extension})`;
        process.stdout.write(`Saved ${what} to ${saved.feed}${saved.metadata ? ` (metadata: ${saved.metadata})` : ''}\nBuild with: huntpack build ${saved.feed}\n`);
      }
    });
}
