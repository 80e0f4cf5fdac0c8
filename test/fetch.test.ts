/**
 * `huntpack fetch threatfox`: a local HTTP server on 127.0.0.1 replays ThreatFox answers and failures. No test touches
 * the internet.
 */
import { Command } from 'commander';
import { zipSync, strToU8 } from 'fflate';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BuildError } from '../src/build.js';
import { registerFetchCommand } from '../src/cli/fetch.js';
import { defaultOutputPath, embedMetadata, FetchError, fetchThreatFoxExport, fetchThreatFoxIocs, saveFetchResult, type FetchDeps } from '../src/fetch/threatfox.js';
import { parseFeed, readFeed } from '../src/ingest/index.js';
import { FeedError } from '../src/model/issue.js';

type Reply = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const RECORD = (id: string, ioc: string) => ({
  id, ioc, threat_type: 'botnet_cc', ioc_type: 'domain', malware: 'win.asyncrat', malware_printable: 'AsyncRAT', malware_alias: null,
  confidence_level: 75, first_seen: '2026-03-01 10:00:00 UTC', last_seen: null, reference: null, reporter: 'abuse_ch', tags: ['AsyncRAT'],
});
const OK_BODY = JSON.stringify({ query_status: 'ok', data: [RECORD('1', 'a.example.com'), RECORD('2', 'b.example.com')] }, null, 2);
const HTML_502 = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';
const HTML_503 = '<html><head><title>503 Service Unavailable</title></head></html>';
const RECENT_CSV = [
  '################################################################',
  '# ThreatFox IOCs: recent additions - CSV format                #',
  '################################################################',
  '#',
  '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"',
  '"2026-03-01 10:00:00", "1693325", "143.244.152.37:8080", "ip:port", "botnet_cc", "win.bianlian", "None", "BianLian", "", "100", "False", "None", "BianLian,C2", "0", "DonPasci"',
  '# Number of entries: 1',
  '',
].join('\r\n');

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const html = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/html' });
  res.end(body);
};

let server: Server;
let base: string;
let replies: Reply[] = [];
let requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
let sleeps: number[] = [];
const deps: FetchDeps = {
  fetch: (input, init) => globalThis.fetch(input, init),
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  now: () => new Date('2026-12-03T10:15:00.123Z'),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = replies.shift();
      if (reply === undefined) json(res, 500, { error: 'no reply scripted' });
      else reply(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  replies = [];
  requests = [];
  sleeps = [];
});

const api = (extra: object = {}) => ({ days: 3, authKey: 'test-key', apiUrl: `${base}/api/v1/`, baseDelayMs: 10, timeoutMs: 15_000, ...extra });

async function fetchError(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FetchError) return error;
    throw error;
  }
  throw new Error('expected a FetchError');
}

describe('fetch threatfox (API)', () => {
  it('posts get_iocs with the Auth-Key and saves a file build reads', async () => {
    replies = [(_req, _body, res) => json(res, 200, OK_BODY)];
    const result = await fetchThreatFoxIocs(api(), deps);
    expect(requests).toHaveLength(1);
    expect([requests[0]?.method, requests[0]?.url, requests[0]?.headers['auth-key'], JSON.parse(requests[0]?.body ?? '')]).toStrictEqual([
      'POST', '/api/v1/', 'test-key', { query: 'get_iocs', days: 3 },
    ]);
    expect(result.metadata).toMatchObject({ mode: 'api', days: 3, records: 2, attempts: 1, httpStatus: 200, fetchedAt: '2026-12-03T10:15:00Z' });
    expect(defaultOutputPath(result)).toBe(join('feeds', 'threatfox-get_iocs-3d-20261203T101500Z.json'));

    const dir = mkdtempSync(join(tmpdir(), 'huntpack-fetch-'));
    const saved = await saveFetchResult(result, undefined, join(dir, 'feeds'));
    expect(saved).toStrictEqual({ feed: join(dir, 'feeds', 'threatfox-get_iocs-3d-20261203T101500Z.json'), metadata: null });
    const text = readFileSync(saved.feed, 'utf8');
    // The API body is kept byte for byte after the inserted metadata key.
    expect(text.endsWith(OK_BODY.slice(1))).toBe(true);
    expect(JSON.parse(text).huntpack_fetch).toMatchObject({ source: 'threatfox', query: 'get_iocs', days: 3, records: 2 });
    const feed = await readFeed(saved.feed, 'saved.json');
    expect([feed.format, feed.records.map((r) => r.ioc.value), feed.rejected, feed.warnings]).toStrictEqual(['threatfox-api', ['a.example.com', 'b.example.com'], [], []]);
  });

  it('without a key: one clear message, before any request', async () => {
    const error = await fetchError(fetchThreatFoxIocs(api({ authKey: undefined }), deps));
    expect([error.kind, error.message]).toStrictEqual(['auth', 'no ThreatFox Auth-Key: set your Auth-Key (THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/)']);
    expect(await fetchError(fetchThreatFoxIocs(api({ authKey: '  ' }), deps))).toMatchObject({ kind: 'auth' });
    expect(requests).toHaveLength(0);
  });

  it.each([401, 403])('HTTP %i: the Auth-Key message, never retried', async (status) => {
    replies = [(_req, _body, res) => json(res, status, { query_status: 'unknown_auth_key' })];
    const error = await fetchError(fetchThreatFoxIocs(api(), deps));
    expect([error.kind, error.message]).toStrictEqual(['auth', `ThreatFox API: HTTP ${status}: ThreatFox refused the Auth-Key; set your Auth-Key (THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/)`]);
    expect(requests).toHaveLength(1);
  });

  it.each(['unknown_auth_key', 'unauthorized'])('query_status %s with HTTP 200: the Auth-Key message, never retried', async (status) => {
    replies = [(_req, _body, res) => json(res, 200, { query_status: status })];
    const error = await fetchError(fetchThreatFoxIocs(api(), deps));
    expect([error.kind, error.message]).toStrictEqual(['auth', `ThreatFox API returned query_status "${status}": set your Auth-Key (THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/)`]);
    expect(requests).toHaveLength(1);
  });

  it.each<[object, string]>([
    [{ query_status: 'illegal_days', data: 'Parameter days must be between 1 and 7' }, 'ThreatFox API returned query_status "illegal_days" (Parameter days must be between 1 and 7)'],
    [{ query_status: 'no_result', data: 'Your search did not yield any results' }, 'ThreatFox API returned query_status "no_result" (Your search did not yield any results): no IOCs first seen in the last 3 days; nothing saved'],
    [{ query_status: 'illegal_search_term' }, 'ThreatFox API returned query_status "illegal_search_term"'],
    [{ query_status: 'ok', data: 'nothing' }, 'ThreatFox API returned query_status "ok" but "data" is not an array of IOC records'],
    [{ foo: 1 }, 'ThreatFox API: the answer is JSON without query_status (not a ThreatFox API response)'],
  ])('%j is an error naming the status, not retried', async (answer, message) => {
    replies = [(_req, _body, res) => json(res, 200, answer)];
    const error = await fetchError(fetchThreatFoxIocs(api(), deps));
    expect([error.kind, error.message]).toStrictEqual(['status', message]);
    expect(requests).toHaveLength(1);
  });

  it('a 502 HTML page, then success: retried after the base delay', async () => {
    replies = [(_req, _body, res) => html(res, 502, HTML_502), (_req, _body, res) => json(res, 200, OK_BODY)];
    const result = await fetchThreatFoxIocs(api(), deps);
    expect([result.metadata.attempts, requests.length, sleeps]).toStrictEqual([2, 2, [10]]);
  });

  it('an HTML page with HTTP 200, and rate_limited, are retried too', async () => {
    replies = [(_req, _body, res) => html(res, 200, HTML_502), (_req, _body, res) => json(res, 200, { query_status: 'rate_limited' }), (_req, _body, res) => json(res, 200, OK_BODY)];
    const result = await fetchThreatFoxIocs(api(), deps);
    expect([result.metadata.attempts, sleeps]).toStrictEqual([3, [10, 20]]);
  });

  it('retries exhausted: exponential backoff, then the last reason', async () => {
    replies = [0, 1, 2].map(() => (_req: IncomingMessage, _body: string, res: ServerResponse) => html(res, 503, HTML_503));
    const error = await fetchError(fetchThreatFoxIocs(api(), deps));
    expect([error.kind, error.message]).toStrictEqual(['network', 'ThreatFox API: failed after 3 attempts; last: HTTP 503 with an HTML page ("503 Service Unavailable")']);
    expect([requests.length, sleeps]).toStrictEqual([3, [10, 20]]);
  });

  it('a server that never answers: a timeout per attempt, then a clear error', async () => {
    replies = [() => undefined, () => undefined];
    const started = Date.now();
    const error = await fetchError(fetchThreatFoxIocs(api({ attempts: 2, timeoutMs: 200 }), deps));
    expect([error.kind, error.message]).toStrictEqual(['network', 'ThreatFox API: failed after 2 attempts; last: no answer within 0.2 s (timeout)']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(requests).toHaveLength(2);
  });

  it('a refused connection is a network error after the retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchError(fetchThreatFoxIocs(api({ apiUrl: `http://127.0.0.1:${port}/api/v1/`, attempts: 2 }), deps));
    expect(error.message).toMatch(/^ThreatFox API: failed after 2 attempts; last: network error \(ECONNREFUSED\)$/);
  });

  it('rejects --days outside 1..7 before any request', async () => {
    expect(await fetchError(fetchThreatFoxIocs(api({ days: 8 }), deps))).toMatchObject({ kind: 'usage' });
    expect(requests).toHaveLength(0);
  });

  it('THREATFOX_API_URL overrides the endpoint', async () => {
    replies = [(_req, _body, res) => json(res, 200, OK_BODY)];
    process.env['THREATFOX_API_URL'] = `${base}/custom/`;
    try {
      await fetchThreatFoxIocs({ days: 1, authKey: 'k' }, deps);
    } finally {
      delete process.env['THREATFOX_API_URL'];
    }
    expect(requests[0]?.url).toBe('/custom/');
  });

  it('embedMetadata keeps an empty object valid', () => {
    const meta = { source: 'threatfox', mode: 'api', url: 'u', fetchedAt: 't', httpStatus: 200, contentType: null, bytes: 2, attempts: 1, generator: 'huntpack fetch' } as const;
    expect(JSON.parse(new TextDecoder().decode(embedMetadata(new TextEncoder().encode(' {}'), meta)))).toStrictEqual({ huntpack_fetch: meta });
  });
});

describe('fetch threatfox --export', () => {
  const exp = (kind: 'recent' | 'full') => ({ kind, exportUrl: `${base}/export/`, baseDelayMs: 10, timeoutMs: 15_000 });

  it('recent: the CSV as-is, with a sidecar that build refuses clearly', async () => {
    replies = [(_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(RECENT_CSV);
    }];
    const result = await fetchThreatFoxExport({ ...exp('recent'), authKey: 'k' }, deps);
    expect([requests[0]?.method, requests[0]?.url, requests[0]?.headers['auth-key'], result.extension]).toStrictEqual(['GET', '/export/csv/recent/', 'k', 'csv']);
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-export-'));
    const saved = await saveFetchResult(result, undefined, dir);
    expect(saved.feed).toBe(join(dir, 'threatfox-export-recent-20261203T101500Z.csv'));
    expect(readFileSync(saved.feed, 'utf8')).toBe(RECENT_CSV);
    const feed = await readFeed(saved.feed, 'recent.csv');
    expect([feed.format, feed.records.map((r) => `${r.ioc.value}:${r.ioc.port}`)]).toStrictEqual(['threatfox-csv', ['143.244.152.37:8080']]);
    expect(saved.metadata).toBe(`${saved.feed}.meta.json`);
    expect(JSON.parse(readFileSync(saved.metadata!, 'utf8')).huntpack_fetch).toMatchObject({ mode: 'export', export: 'recent', bytes: RECENT_CSV.length });
    await expect(readFeed(saved.metadata!, 'x.meta.json')).rejects.toThrow(new FeedError('x.meta.json', 'huntpack fetch metadata (a .meta.json sidecar), not a feed: build the file it describes'));
  });

  it('full: a ZIP told by its content, saved as .zip; no Auth-Key header without a key', async () => {
    const zip = zipSync({ 'full.csv': strToU8(RECENT_CSV) });
    replies = [(_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(zip));
    }];
    const result = await fetchThreatFoxExport(exp('full'), deps);
    expect([requests[0]?.url, requests[0]?.headers['auth-key'], result.extension]).toStrictEqual(['/export/csv/full/', undefined, 'zip']);
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-export-'));
    const out = join(dir, 'my-dump.zip');
    await saveFetchResult(result, out);
    expect(parseFeed(readFileSync(out), 'my-dump.zip').format).toBe('threatfox-csv-zip');
  });

  it('an HTML page is retried; then an error', async () => {
    replies = [(_req, _body, res) => html(res, 200, HTML_502), (_req, _body, res) => html(res, 502, HTML_502)];
    const error = await fetchError(fetchThreatFoxExport({ ...exp('recent'), attempts: 2 }, deps));
    expect(error.message).toBe('ThreatFox export recent: failed after 2 attempts; last: HTTP 502 with an HTML page ("502 Bad Gateway")');
  });
});

describe('the fetch command', () => {
  const EXIT = { input: 1, usage: 2, output: 5 };

  function program(): Command {
    const p = new Command().exitOverride();
    registerFetchCommand(p, EXIT, deps);
    return p;
  }

  async function runError(args: string[]): Promise<BuildError> {
    try {
      await program().parseAsync(args, { from: 'user' });
    } catch (error) {
      if (error instanceof BuildError) return error;
      throw error;
    }
    throw new Error('expected a BuildError');
  }

  it('saves to --output and prints where', async () => {
    replies = [(_req, _body, res) => json(res, 200, OK_BODY)];
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-cli-fetch-'));
    const out = join(dir, 'tf.json');
    process.env['THREATFOX_API_URL'] = `${base}/api/v1/`;
    try {
      await program().parseAsync(['fetch', 'threatfox', '--days', '2', '--auth-key', 'k', '--output', out, '--retry-delay', '0.01', '-q'], { from: 'user' });
    } finally {
      delete process.env['THREATFOX_API_URL'];
    }
    expect(JSON.parse(requests[0]?.body ?? '')).toStrictEqual({ query: 'get_iocs', days: 2 });
    expect(existsSync(out)).toBe(true);
  });

  it('maps failures to exit codes: no key → usage, API status → input', async () => {
    const saved = process.env['THREATFOX_AUTH_KEY'];
    delete process.env['THREATFOX_AUTH_KEY'];
    try {
      expect(await runError(['fetch', 'threatfox'])).toMatchObject({ exitCode: 2, message: 'no ThreatFox Auth-Key: set your Auth-Key (THREATFOX_AUTH_KEY or --auth-key; free at https://auth.abuse.ch/)' });
      replies = [(_req, _body, res) => json(res, 200, { query_status: 'illegal_days', data: 'x' })];
      process.env['THREATFOX_API_URL'] = `${base}/api/v1/`;
      expect(await runError(['fetch', 'threatfox', '--auth-key', 'k'])).toMatchObject({ exitCode: 1, message: 'ThreatFox API returned query_status "illegal_days" (x)' });
    } finally {
      delete process.env['THREATFOX_API_URL'];
      if (saved !== undefined) process.env['THREATFOX_AUTH_KEY'] = saved;
    }
  });

  it('rejects --days 8 and an unknown source as usage errors', async () => {
    await expect(program().parseAsync(['fetch', 'threatfox', '--days', '8'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(program().parseAsync(['fetch', 'urlhaus'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });
});
