/**
 * Download ThreatFox data for a later `huntpack build`: the v1 API `get_iocs` query, or the CSV exports.
 *
 * Pure logic with injected `fetch`, `sleep` and clock (tests replay real shapes from a local server).
 *
 * - API: `POST {"query": "get_iocs", "days": N}` with header `Auth-Key` to `THREATFOX_API_URL` (default
 *   https://threatfox-api.abuse.ch/api/v1/). No key → one configuration error before any request. HTTP 401/403,
 *   `unknown_auth_key` and `unauthorized` → the same error, never retried (docs/threatfox.md §1 design rule).
 *   Every other `query_status` but `ok` is an error naming the status (`no_result` included: nothing to save).
 *   HTTP 5xx, 429, non-JSON bodies (the 502 HTML page), network errors, timeouts and `rate_limited` are retried with
 *   exponential backoff (`attempts`, default 3; delays base, 2×base, …), then reported with the last reason.
 * - Exports: GET `<THREATFOX_EXPORT_URL or https://threatfox.abuse.ch/export/>csv/recent/` (plain CSV) or `csv/full/`
 *   (a ZIP); the kind of body is told by content (`PK\x03\x04`), never by URL. The Auth-Key is sent when configured.
 *
 * Saved files stay valid `huntpack build` inputs:
 * - API: the response body verbatim, with one extra first key `"huntpack_fetch": {...}` holding the fetch metadata
 *   (the ThreatFox parser reads only `query_status` and `data`).
 * - Exports: the body as downloaded (`.csv` or `.zip`), and the metadata in a sidecar `<file>.meta.json` (which
 *   `build` refuses with a clear message if it is passed by mistake).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DEFAULT_API_URL = 'https://threatfox-api.abuse.ch/api/v1/';
export const DEFAULT_EXPORT_URL = 'https://threatfox.abuse.ch/export/';
export const AUTH_HELP = 'set your Auth-Key (THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/)';

/** Why a fetch failed: `auth` (no or rejected key), `status` (an API error status), `http`, `network` (retries exhausted). */
export type FetchErrorKind = 'auth' | 'status' | 'http' | 'network' | 'usage';

export class FetchError extends Error {
  constructor(
    message: string,
    readonly kind: FetchErrorKind,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** What the fetch logic needs from the outside world. */
export interface FetchDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

export const defaultDeps: FetchDeps = {
  fetch: (input, init) => globalThis.fetch(input, init),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => new Date(),
};

/** Retry and timeout settings. */
export interface RetryOptions {
  /** Total attempts (default 3). */
  readonly attempts?: number;
  /** First backoff delay in ms (default 2000); doubles each retry. */
  readonly baseDelayMs?: number;
  /** Per-attempt timeout in ms (default 60 s for the API, 600 s for exports). */
  readonly timeoutMs?: number;
}

export interface ApiFetchOptions extends RetryOptions {
  readonly days: number;
  readonly authKey?: string | undefined;
  /** Default: env THREATFOX_API_URL, else {@link DEFAULT_API_URL}. */
  readonly apiUrl?: string | undefined;
}

export interface ExportFetchOptions extends RetryOptions {
  readonly kind: 'recent' | 'full';
  readonly authKey?: string | undefined;
  /** Default: env THREATFOX_EXPORT_URL, else {@link DEFAULT_EXPORT_URL}. */
  readonly exportUrl?: string | undefined;
}

/** Metadata saved with a download. */
export interface FetchMetadata {
  readonly source: 'threatfox';
  readonly mode: 'api' | 'export';
  readonly query?: 'get_iocs';
  readonly days?: number;
  readonly export?: 'recent' | 'full';
  readonly url: string;
  readonly fetchedAt: string;
  readonly httpStatus: number;
  readonly contentType: string | null;
  readonly bytes: number;
  readonly attempts: number;
  /** API: number of records in `data`. */
  readonly records?: number;
  readonly generator: 'huntpack fetch';
}

export interface FetchResult {
  readonly body: Uint8Array;
  /** File extension for the body: `json`, `csv` or `zip`. */
  readonly extension: 'json' | 'csv' | 'zip';
  readonly metadata: FetchMetadata;
}

/** One attempt's verdict on a 2xx body. */
type Verdict = { readonly ok: true; readonly records?: number } | { readonly retry: string } | { readonly fail: FetchError };

interface Attempted {
  readonly body: Uint8Array;
  readonly status: number;
  readonly contentType: string | null;
  readonly attempts: number;
  readonly records?: number;
}

const TITLE = /<title[^>]*>([\s\S]*?)<\/title\s*>/i;

function describeHtml(text: string): string {
  const m = TITLE.exec(text.slice(0, 65536));
  const title = m === null ? '' : (m[1] as string).replace(/\s+/g, ' ').trim().slice(0, 100);
  return title === '' ? 'an HTML page' : `an HTML page ("${title}")`;
}

function describeBody(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 65536)).trim();
  if (text === '') return 'an empty body';
  if (text.startsWith('<')) return describeHtml(text);
  return `non-JSON text starting "${text.slice(0, 40).replace(/\s+/g, ' ')}"`;
}

function errorReason(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 100) / 10} s (timeout)`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return `network error (${detail})`;
}

/** Run one request with bounded retries; `judge` decides on each 2xx body. */
async function withRetries(
  what: string,
  request: (signal: AbortSignal) => Promise<Response>,
  judge: (body: Uint8Array, contentType: string | null) => Verdict,
  retry: Required<RetryOptions>,
  deps: FetchDeps,
): Promise<Attempted> {
  let last = '';
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) await deps.sleep(retry.baseDelayMs * 2 ** (attempt - 2));
    let response: Response;
    let body: Uint8Array;
    const signal = AbortSignal.timeout(retry.timeoutMs);
    try {
      response = await request(signal);
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      last = errorReason(error, retry.timeoutMs);
      continue;
    }
    const contentType = response.headers.get('content-type');
    if (response.status === 401 || response.status === 403) {
      throw new FetchError(`${what}: HTTP ${response.status}: ThreatFox refused the Auth-Key; ${AUTH_HELP}`, 'auth');
    }
    if (response.status === 429 || response.status >= 500) {
      last = `HTTP ${response.status} with ${describeBody(body)}`;
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      throw new FetchError(`${what}: HTTP ${response.status} with ${describeBody(body)}`, 'http');
    }
    const verdict = judge(body, contentType);
    if ('fail' in verdict) throw verdict.fail;
    if ('retry' in verdict) {
      last = verdict.retry;
      continue;
    }
    return { body, status: response.status, contentType, attempts: attempt, ...(verdict.records !== undefined ? { records: verdict.records } : {}) };
  }
  throw new FetchError(`${what}: failed after ${retry.attempts} attempt${retry.attempts === 1 ? '' : 's'}; last: ${last}`, 'network');
}

function retrySettings(options: RetryOptions, defaultTimeoutMs: number): Required<RetryOptions> {
  const attempts = options.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 10) throw new FetchError('attempts must be a whole number from 1 to 10', 'usage');
  return { attempts, baseDelayMs: options.baseDelayMs ?? 2000, timeoutMs: options.timeoutMs ?? defaultTimeoutMs };
}

function authKeyOf(key: string | undefined): string | null {
  const trimmed = key?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
}

const NO_RESULT = new Set(['no_result', 'no_results']);
const AUTH_STATUSES = new Set(['unknown_auth_key', 'unauthorized']);

/** Judge a `get_iocs` answer. */
function judgeApi(days: number): (body: Uint8Array, contentType: string | null) => Verdict {
  return (body) => {
    const text = new TextDecoder().decode(body);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { retry: `HTTP 200 with ${describeBody(body)}, not JSON` };
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.hasOwn(json, 'query_status')) {
      return { fail: new FetchError('ThreatFox API: the answer is JSON without query_status (not a ThreatFox API response)', 'status') };
    }
    const record = json as Record<string, unknown>;
    const status = record['query_status'];
    const data = record['data'];
    const statusText = typeof status === 'string' ? `"${status.slice(0, 60)}"` : JSON.stringify(status);
    const detail = typeof data === 'string' && data.trim() !== '' ? ` (${data.trim().replace(/\s+/g, ' ').slice(0, 160)})` : '';
    if (status === 'ok') {
      if (!Array.isArray(data)) return { fail: new FetchError('ThreatFox API returned query_status "ok" but "data" is not an array of IOC records', 'status') };
      return { ok: true, records: data.length };
    }
    if (typeof status === 'string' && AUTH_STATUSES.has(status)) {
      return { fail: new FetchError(`ThreatFox API returned query_status ${statusText}${detail}: ${AUTH_HELP}`, 'auth') };
    }
    if (status === 'rate_limited') return { retry: `query_status "rate_limited"${detail}` };
    if (typeof status === 'string' && NO_RESULT.has(status)) {
      return { fail: new FetchError(`ThreatFox API returned query_status ${statusText}${detail}: no IOCs first seen in the last ${days} day${days === 1 ? '' : 's'}; nothing saved`, 'status') };
    }
    return { fail: new FetchError(`ThreatFox API returned query_status ${statusText}${detail}`, 'status') };
  };
}

/** `get_iocs` for the last `days` days (1..7). */
export async function fetchThreatFoxIocs(options: ApiFetchOptions, deps: FetchDeps = defaultDeps): Promise<FetchResult> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 7) throw new FetchError(`--days must be a whole number from 1 to 7 (got ${options.days})`, 'usage');
  const key = authKeyOf(options.authKey);
  if (key === null) throw new FetchError(`no ThreatFox Auth-Key: ${AUTH_HELP}`, 'auth');
  const url = options.apiUrl ?? process.env['THREATFOX_API_URL'] ?? DEFAULT_API_URL;
  const retry = retrySettings(options, 60_000);
  const payload = JSON.stringify({ query: 'get_iocs', days: options.days });
  const result = await withRetries(
    'ThreatFox API',
    (signal) => deps.fetch(url, { method: 'POST', headers: { 'Auth-Key': key, 'Content-Type': 'application/json', Accept: 'application/json' }, body: payload, signal }),
    judgeApi(options.days),
    retry,
    deps,
  );
  return {
    body: result.body,
    extension: 'json',
    metadata: {
      source: 'threatfox',
      mode: 'api',
      query: 'get_iocs',
      days: options.days,
      url,
      fetchedAt: isoSeconds(deps.now()),
      httpStatus: result.status,
      contentType: result.contentType,
      bytes: result.body.length,
      attempts: result.attempts,
      ...(result.records !== undefined ? { records: result.records } : {}),
      generator: 'huntpack fetch',
    },
  };
}

function isZipBody(body: Uint8Array): boolean {
  return body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
}

function judgeExport(body: Uint8Array): Verdict {
  if (body.length === 0) return { retry: 'HTTP 200 with an empty body' };
  if (isZipBody(body)) return { ok: true };
  const start = new TextDecoder().decode(body.subarray(0, 4096)).replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return { retry: `HTTP 200 with ${describeHtml(start)}` };
  if (start.startsWith('{')) return { fail: new FetchError(`ThreatFox export: expected CSV or ZIP, got JSON starting "${start.slice(0, 80).replace(/\s+/g, ' ')}"`, 'http') };
  return { ok: true };
}

/** Download a CSV export: `recent` (plain CSV, 48 h) or `full` (a ZIP holding full.csv). */
export async function fetchThreatFoxExport(options: ExportFetchOptions, deps: FetchDeps = defaultDeps): Promise<FetchResult> {
  const base = options.exportUrl ?? process.env['THREATFOX_EXPORT_URL'] ?? DEFAULT_EXPORT_URL;
  const url = `${base.endsWith('/') ? base : `${base}/`}csv/${options.kind}/`;
  const key = authKeyOf(options.authKey);
  const retry = retrySettings(options, 600_000);
  const headers: Record<string, string> = key === null ? {} : { 'Auth-Key': key };
  const result = await withRetries(`ThreatFox export ${options.kind}`, (signal) => deps.fetch(url, { method: 'GET', headers, signal }), judgeExport, retry, deps);
  return {
    body: result.body,
    extension: isZipBody(result.body) ? 'zip' : 'csv',
    metadata: {
      source: 'threatfox',
      mode: 'export',
      export: options.kind,
      url,
      fetchedAt: isoSeconds(deps.now()),
      httpStatus: result.status,
      contentType: result.contentType,
      bytes: result.body.length,
      attempts: result.attempts,
      generator: 'huntpack fetch',
    },
  };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `20261203T101500Z` for a file name. */
export function compactTimestamp(date: Date): string {
  return isoSeconds(date).replace(/[-:]/g, '');
}

/** The default output path: `feeds/threatfox-get_iocs-3d-<ts>.json`, `feeds/threatfox-export-full-<ts>.zip`. */
export function defaultOutputPath(result: FetchResult, feedsDir = 'feeds'): string {
  const stamp = compactTimestamp(new Date(result.metadata.fetchedAt));
  const name =
    result.metadata.mode === 'api'
      ? `threatfox-get_iocs-${result.metadata.days}d-${stamp}.${result.extension}`
      : `threatfox-export-${result.metadata.export}-${stamp}.${result.extension}`;
  return join(feedsDir, name);
}

/**
 * The API body with the fetch metadata as a first top-level key `huntpack_fetch`; every byte of the body after its
 * opening `{` is kept as received.
 */
export function embedMetadata(body: Uint8Array, metadata: FetchMetadata): Uint8Array {
  const text = new TextDecoder().decode(body);
  const open = text.search(/\S/);
  if (open < 0 || text[open] !== '{') throw new FetchError('cannot add fetch metadata: the body is not a JSON object', 'status');
  const rest = text.slice(open + 1);
  const separator = /^\s*}/.test(rest) ? '' : ', ';
  return new TextEncoder().encode(`${text.slice(0, open)}{"huntpack_fetch": ${JSON.stringify(metadata)}${separator}${rest}`);
}

async function writeAtomic(path: string, content: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path) === '' ? '.' : dirname(path), { recursive: true });
  const temp = `${path}.part-${process.pid}`;
  await writeFile(temp, content);
  await rename(temp, path);
}

/** What {@link saveFetchResult} wrote. */
export interface SavedFiles {
  readonly feed: string;
  readonly metadata: string | null;
}

/**
 * Save a download: API JSON with embedded metadata, exports as-is plus `<file>.meta.json`. `output` overrides the
 * default path ({@link defaultOutputPath}).
 */
export async function saveFetchResult(result: FetchResult, output?: string, feedsDir = 'feeds'): Promise<SavedFiles> {
  const path = output ?? defaultOutputPath(result, feedsDir);
  if (result.metadata.mode === 'api') {
    await writeAtomic(path, embedMetadata(result.body, result.metadata));
    return { feed: path, metadata: null };
  }
  await writeAtomic(path, result.body);
  const metadataPath = `${path}.meta.json`;
  await writeAtomic(metadataPath, `${JSON.stringify({ huntpack_fetch: { ...result.metadata, file: path } }, null, 2)}\n`);
  return { feed: path, metadata: metadataPath };
}
