/**
 * Streaming input (src/ingest/stream.ts): a streamed file gives exactly what the whole-file reader gives, whatever the
 * chunk boundaries; broken documents stay one-line FeedErrors.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFeed } from '../../src/ingest/index.js';
import { chunkLines, jsonElements } from '../../src/ingest/stream.js';
import { splitLines } from '../../src/ingest/text.js';
import { FeedError } from '../../src/model/issue.js';
import { prng, randomString } from '../helpers/prng.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHARED = join(ROOT, '..', 'shared', 'samples', 'threatfox');

function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.endsWith('.md') && !f.endsWith('.yml')).map((f) => join(dir, f)) : [];
}

const FEEDS = [
  ...filesIn(join(ROOT, 'test/fixtures/threatfox')),
  ...filesIn(join(ROOT, 'test/fixtures/golden')),
  join(ROOT, 'samples/threatfox-sample.json'),
  ...filesIn(join(SHARED, 'api')),
  ...filesIn(join(SHARED, 'csv')),
];

async function outcome(file: string, streamFrom: number): Promise<unknown> {
  try {
    const feed = await readFeed(file, 'feed', { streamFrom, firstSeen: '2026-05-01T00:00:00Z' });
    return feed;
  } catch (error) {
    if (error instanceof FeedError) return { error: 'FeedError' };
    throw error;
  }
}

function chunked(bytes: Uint8Array, rand: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.3 ? 4 : 200));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('streamed feeds', () => {
  it.each(FEEDS.map((f) => [f.slice(ROOT.length - 1), f]))('%s: streamed = read whole', async (_name, file) => {
    const whole = await outcome(file, Number.POSITIVE_INFINITY);
    const streamed = await outcome(file, 0);
    expect(streamed).toStrictEqual(whole);
  });

  it('a truncated or broken streamed JSON feed is a one-line FeedError naming the file; an intact one gives every record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'huntpack-stream-'));
    const record = (i: number) => JSON.stringify({ id: String(i), ioc: `host${i}.example-bad.net`, threat_type: 'botnet_cc', ioc_type: 'domain', malware: 'win.x', malware_printable: 'X', confidence_level: 50, first_seen: '2026-05-01 00:00:00 UTC' });
    const doc = `{"query_status": "ok", "data": [\n${Array.from({ length: 300 }, (_, i) => record(i)).join(',\n')}\n]}`;
    for (const [name, text] of [
      ['cut.json', doc.slice(0, doc.length - 40)],
      ['garbage.json', doc.replace('"ioc_type":"domain"', '"ioc_type":domain')],
      ['status.json', doc.replace('"ok"', '"illegal_search_term"')],
      ['trailing.json', doc + ' x'],
    ] as const) {
      writeFileSync(join(dir, name), text);
      const error = await readFeed(join(dir, name), name, { streamFrom: 0 }).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(FeedError);
      expect(String((error as Error).message), name).toMatch(new RegExp(`^${name}: `));
      expect(String((error as Error).message), name).not.toContain('\n');
    }
    writeFileSync(join(dir, 'ok.json'), doc);
    expect((await readFeed(join(dir, 'ok.json'), 'ok.json', { streamFrom: 0 })).records).toHaveLength(300);
  });
});

describe('jsonElements', () => {
  it('finds every element of the data array and every other member, whatever the chunking and spacing (property)', () => {
    const rand = prng(404);
    for (let n = 0; n < 200; n++) {
      const str = () => randomString(rand, 20);
      const data = Array.from({ length: Math.floor(rand() * 8) }, () => ({ ioc: str(), tags: rand() < 0.5 ? null : [str(), '{[', ']}'], n: Math.floor(rand() * 100) - 50, f: rand() < 0.5, nested: { a: [{ b: str() }] } }));
      const doc = rand() < 0.5 ? { query_status: 'ok', data, note: str(), count: data.length } : { data, query_status: 'ok' };
      const text = JSON.stringify(doc, null, rand() < 0.5 ? 0 : Math.floor(rand() * 4) + 1);
      const bytes = new TextEncoder().encode(rand() < 0.2 ? `\ufeff${text}\n` : text);
      const slices = [...jsonElements(chunked(bytes, rand), 'data')];
      expect(slices.filter((s) => s.key === 'data').map((s) => JSON.parse(s.text))).toStrictEqual(data);
      expect(slices.filter((s) => s.key === 'data').map((s) => s.index)).toStrictEqual(data.map((_, i) => i));
      const others = Object.fromEntries(slices.filter((s) => s.key !== 'data').map((s) => [s.key, JSON.parse(s.text)]));
      const { data: _d, ...rest } = doc as Record<string, unknown>;
      expect(others).toStrictEqual(rest);
    }
  });

  it('splits a bare array; a scalar element ends at the end of the input', () => {
    const enc = (s: string) => [new TextEncoder().encode(s)];
    expect([...jsonElements(enc('[1, "a", {"x": [2]}, null]'), 'data')].map((s) => [s.index, s.text])).toStrictEqual([
      [0, '1'],
      [1, '"a"'],
      [2, '{"x": [2]}'],
      [3, 'null'],
    ]);
    expect([...jsonElements(enc('[]'), 'data')]).toStrictEqual([]);
    expect([...jsonElements(enc('{}'), 'data')]).toStrictEqual([]);
    expect(() => [...jsonElements(enc('[1, 2'), 'data')]).toThrow(/truncated/);
    expect(() => [...jsonElements(enc('{"a" 1}'), 'data')]).toThrow(/expected ":"/);
    expect(() => [...jsonElements(enc('x'), 'data')]).toThrow(/expected "\{" or "\["/);
  });
});

describe('chunkLines', () => {
  it('gives the lines splitLines gives, whatever the chunking, with multi-byte characters cut between chunks (property)', () => {
    const rand = prng(9);
    for (let n = 0; n < 200; n++) {
      const parts = Array.from({ length: Math.floor(rand() * 12) }, () => randomString(rand, 30).replace(/[\r\n]/g, '') + (rand() < 0.3 ? '\r\n' : '\n'));
      let text = parts.join('');
      if (rand() < 0.3) text += randomString(rand, 10).replace(/[\r\n]/g, '');
      const bytes = new TextEncoder().encode(text);
      expect([...chunkLines(chunked(bytes, rand))]).toStrictEqual([...splitLines(text)]);
    }
  });
});
