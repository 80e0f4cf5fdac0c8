import { zipSync } from 'fflate';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/index.js';
import { jsonErrorOffset, jsonErrorPosition } from '../../src/ingest/json-error.js';
import { FeedError } from '../../src/model/issue.js';
import { createRng, type Rng } from '../normalize/prng.js';
import { FIXTURES, fixtureBytes, utf8 } from './fixtures.js';

/** parseFeed must return a consistent feed or throw a one-line FeedError; anything else fails the test. */
function checkNeverCrashes(bytes: Uint8Array, label: string): 'feed' | 'error' {
  try {
    const feed = parseFeed(bytes, 'fuzz');
    if (feed.recordsRead !== feed.records.length + feed.rejected.length) throw new Error(`inconsistent counts for ${label}`);
    for (const rejected of feed.rejected) {
      if (/[\r\n]/.test(rejected.reason) || /[\r\n]/.test(rejected.value)) throw new Error(`multi-line rejection for ${label}`);
    }
    return 'feed';
  } catch (error) {
    if (!(error instanceof FeedError)) throw new Error(`${label}: ${String(error)}`);
    if (/[\r\n]/.test(error.message)) throw new Error(`multi-line FeedError for ${label}: ${error.message}`);
    return 'error';
  }
}

function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  const edits = rng.int(1, 4);
  for (let i = 0; i < edits && out.length > 0; i++) {
    const at = rng.int(0, out.length - 1);
    switch (rng.int(0, 3)) {
      case 0:
        out.length = at; // truncate
        break;
      case 1:
        out[at] = rng.int(0, 255);
        break;
      case 2:
        out.splice(at, 0, ...utf8(rng.pick(['"', ',', '\n', '\r\n', '{', ']', '#', ':', '\\', '\u0000', 'None', '", "'])));
        break;
      default:
        out.splice(at, rng.int(1, 20));
    }
  }
  return new Uint8Array(out);
}

const CSV_HEADER = '# "first_seen_utc","ioc_id","ioc_value","ioc_type","fk_malware"';
const FIXTURE_NAMES = readdirSync(FIXTURES).filter((name) => !name.startsWith('.'));

describe('parseFeed never crashes (seeded fuzz)', () => {
  it('on random garbage strings and bytes', () => {
    const rng = createRng(42);
    const alphabets = ['{}[]",:0123456789 \n\tabc-null-true', '#"", \r\nabc:./-_0123456789None', '<>/!title abc', 'PK\u0003\u0004\u001f\u008b\u0000\u00ff\ufeffxyz'];
    const outcomes = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const garbage = rng.string(rng.pick(alphabets), rng.int(0, 120));
      // Some inputs start like a real feed so the garbage reaches the record parsers, not only detection.
      const bytes =
        i % 4 === 3
          ? new Uint8Array(Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255)))
          : i % 4 === 2
            ? utf8(`${CSV_HEADER}\n${garbage}`)
            : i % 4 === 1
              ? utf8(`{"id":"1","ioc":"a.example","ioc_type":"domain","first_seen":"2026-01-01 00:00:00"}\n${garbage}`)
              : utf8(garbage);
      outcomes.add(checkNeverCrashes(bytes, `garbage #${i}`));
    }
    expect([...outcomes].sort()).toStrictEqual(['error', 'feed']);
  });

  it('on random mutations and truncations of every fixture, plain and zipped', () => {
    const rng = createRng(7);
    const outcomes = new Set<string>();
    for (const name of FIXTURE_NAMES) {
      const original = fixtureBytes(name);
      for (let i = 0; i < 60; i++) {
        const mutated = mutate(rng, original);
        outcomes.add(checkNeverCrashes(mutated, `${name} mutation #${i}`));
        if (i % 10 === 0) outcomes.add(checkNeverCrashes(zipSync({ 'full.csv': mutated }), `${name} zipped #${i}`));
        if (i % 10 === 5) outcomes.add(checkNeverCrashes(mutate(rng, zipSync({ 'full.csv': original })), `${name} zip mutation #${i}`));
      }
    }
    expect([...outcomes].sort()).toStrictEqual(['error', 'feed']);
  });
});

describe('JSON error locator', () => {
  it('agrees with V8 wherever V8 reports a position (seeded corruptions)', () => {
    const rng = createRng(99);
    const valid = new TextDecoder().decode(fixtureBytes('api-get-iocs.json'));
    expect(jsonErrorOffset(valid)).toBe(-1);
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const text = new TextDecoder().decode(mutate(rng, utf8(valid)));
      let message: string | null = null;
      try {
        JSON.parse(text);
      } catch (error) {
        message = (error as Error).message;
      }
      if (message === null) {
        expect(jsonErrorOffset(text)).toBe(-1);
        continue;
      }
      const v8 = jsonErrorPosition(message);
      if (v8 === null) {
        expect(jsonErrorOffset(text)).toBeGreaterThanOrEqual(0);
        continue;
      }
      expect([i, jsonErrorOffset(text)]).toStrictEqual([i, v8]);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('points at the end of truncated input and at the offending character otherwise', () => {
    expect(jsonErrorOffset('{"a": [1, 2')).toBe(11);
    expect(jsonErrorOffset('[1,]')).toBe(3);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset('"\\x"')).toBe(2);
    expect(jsonErrorOffset('[01]')).toBe(2);
    expect(jsonErrorOffset(' {"a": [true, false, null, -1.5e3, "\\u00e9"]} ')).toBe(-1);
  });
});
