import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/index.js';
import { FeedError } from '../../src/model/issue.js';
import { fixtureBytes, utf8 } from './fixtures.js';

/** The FeedError thrown by parseFeed (fails the test if it returns or throws anything else). */
function feedError(bytes: Uint8Array, file: string): FeedError {
  try {
    parseFeed(bytes, file);
  } catch (error) {
    if (error instanceof FeedError) return error;
    throw error;
  }
  throw new Error(`expected a FeedError for ${file}`);
}

describe('fatal problems are one-line FeedErrors', () => {
  it.each([
    ['error-illegal-days.json', 'ThreatFox API returned query_status "illegal_days" (Parameter days must be between 1 and 7)'],
    ['error-unknown-auth-key.json', 'ThreatFox API returned query_status "unknown_auth_key"; check the ThreatFox Auth-Key'],
    ['error-no-result.json', 'ThreatFox API returned query_status "no_result" (Your search did not yield any results): no IOCs'],
    ['error-502.html', 'looks like an HTML page ("502 Bad Gateway"), not a ThreatFox feed'],
    ['truncated.json', 'truncated or invalid JSON: Unexpected end of JSON input at line 5 column 5'],
    ['not-a-feed.json', 'not a ThreatFox feed: JSON object without query_status, IOC record fields or IOC-id keys (keys: foo)'],
    ['submit-ioc-response.json', 'not a ThreatFox feed: API response "data" is an object without IOC record fields (keys: ok, ignored, duplicated, reward)'],
    ['empty.txt', 'not a ThreatFox feed: the file is empty'],
    // Text is now a format (free-text extraction): text without any IOC is still no feed.
    ['plain.txt', 'not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "hello,")'],
    ['missing-column.csv', 'CSV header lacks required column(s): ioc_value'],
  ])('%s', (name, problem) => {
    const error = feedError(fixtureBytes(name), name);
    expect([error.name, error.file, error.problem, error.message]).toStrictEqual(['FeedError', name, problem, `${name}: ${problem}`]);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it.each<[string, string]>([
    ['{"query_status": "no_results"}', 'ThreatFox API returned query_status "no_results": no IOCs'],
    ['{"query_status": "illegal_search_term", "data": "bad\\nterm\\r\\n"}', 'ThreatFox API returned query_status "illegal_search_term" (bad term)'],
    ['{"query_status": 5}', 'ThreatFox API returned query_status 5'],
    ['{"query_status": "ok", "data": "nothing"}', 'not a ThreatFox feed: API response "data" is a string'],
    ['{"query_status": "ok"}', 'not a ThreatFox feed: API response "data" is a undefined'],
    ['{"query_status": "ok", "data": [1, 2]}', 'not a ThreatFox feed: API response "data" array holds no IOC records'],
    ['{"query_status": "ok", "data": {"apk.doublelocker": {"malware_printable": "DoubleLocker", "malware_alias": null}}}', 'not a ThreatFox feed: API response "data" is an object without IOC record fields (keys: apk.doublelocker)'],
    ['{}', 'not a ThreatFox feed: empty JSON object'],
    ['[1, "a"]', 'not a ThreatFox feed: JSON array holds no ThreatFox IOC records'],
    ['42', 'not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "42")'],
    ['"just a string"', 'not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "\"just a string\"")'],
    ['   \n\t ', 'not a ThreatFox feed: the file holds only whitespace'],
    ['<?xml version="1.0"?><error/>', 'looks like an HTML page, not a ThreatFox feed'],
    ['# just a comment\nplain text', 'not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "# just a comment")'],
    ['# only comments\n#\n', 'not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "# only comments")'],
    // A `#` banner that names ThreatFox is still a ThreatFox CSV export and needs its header.
    ['# ThreatFox IOCs: additions\n#\n', 'not a ThreatFox feed: no CSV column header (# "first_seen_utc","ioc_id",...) found'],
    ['{"huntpack_fetch": {"source": "threatfox"}}', 'huntpack fetch metadata (a .meta.json sidecar), not a feed: build the file it describes'],
  ])('%j', (text, problem) => {
    expect(feedError(utf8(text), 'in.txt').problem).toBe(problem);
  });

  // V8's wording differs between Node versions; the position is ours and must be exact.
  it.each<[string, string]>([
    ['{"a": [1, 2', 'line 1 column 12'],
    ['{"a": [1, 2]', 'line 1 column 13'],
    ['[\n  {"id": 1},\n  {"id": 2,}\n]', 'line 3 column 12'],
    ['[\n  1,\n  ]', 'line 3 column 3'],
    ['{"a": "b\u0001"}', 'line 1 column 9'],
    ['{"a": tru}', 'line 1 column 7'],
    ['{"a": 1} {"b": 2}', 'line 1 column 10'],
  ])('invalid JSON %j is located at %s', (text, position) => {
    const { problem } = feedError(utf8(text), 'in.json');
    expect(problem).toMatch(new RegExp(`^truncated or invalid JSON: [^\\n]+ at ${position}$`));
    expect(problem).not.toMatch(/position|is not valid JSON/);
  });

  it('recognises ZIP, gzip and binary inputs by content', () => {
    expect(feedError(zipSync({ 'a.txt': strToU8('x') }), 'a.zip').problem).toBe('not a ThreatFox feed: ZIP archive holds no .csv or .json file (entries: a.txt)');
    expect(feedError(zipSync({}), 'empty.zip').problem).toBe('not a ThreatFox feed: ZIP archive holds no .csv or .json file (it is empty)');
    expect(feedError(zipSync({ 'full.csv': zipSync({ 'full.csv': strToU8('x') }) }), 'nested.zip').problem).toBe(
      'not a ThreatFox feed: ZIP entry "full.csv" is itself a ZIP archive',
    );
    expect(feedError(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'cut.zip').problem).toMatch(/^corrupt or unsupported ZIP archive: /);
    expect(feedError(new Uint8Array([0x1f, 0x8b, 8, 0]), 'feed.gz').problem).toBe('not a ThreatFox feed: gzip-compressed data (decompress it first)');
    expect(feedError(new Uint8Array([0x7b, 0, 0, 0x7d]), 'bin').problem).toBe('not a ThreatFox feed: binary data');
    expect(feedError(zipSync({ 'full.csv': fixtureBytes('error-502.html') }), 'html.zip').problem).toBe(
      'looks like an HTML page ("502 Bad Gateway"), not a ThreatFox feed',
    );
  });

  it('HTML without a title, and a title with entities and line breaks', () => {
    expect(feedError(utf8('  <html><body>oops</body></html>'), 'x').problem).toBe('looks like an HTML page, not a ThreatFox feed');
    expect(feedError(utf8('<html><title>Error &amp;\n 502</title>'), 'x').problem).toBe('looks like an HTML page ("Error & 502"), not a ThreatFox feed');
  });
});
