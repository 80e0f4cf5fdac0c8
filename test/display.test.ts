/**
 * Output shapes for large packs: one-object-per-line JSON (pack.json, stix/bundle.json), the "most recent N" tables of
 * the README and report, and iocs.csv.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { jsonLines, mostRecent } from '../src/render/display.js';
import { iocsCsv } from '../src/render/csv/iocs.js';
import type { PackIoc } from '../src/pack/pack.js';
import { prng, randomString } from './helpers/prng.js';

describe('jsonLines', () => {
  it('is JSON.stringify of the same value, with each element of the named arrays on one line (property)', () => {
    const rand = prng(71);
    for (let n = 0; n < 300; n++) {
      const str = () => randomString(rand, 30);
      const doc = {
        name: str(),
        // Strings that look like the placeholder, with and without the NUL, cannot forge one.
        note: rand() < 0.5 ? '\u0000huntpack-line:0' : `\u0000${str()}:0`,
        iocs: Array.from({ length: Math.floor(rand() * 6) }, () => ({ value: str(), tags: [str(), str()], n: Math.floor(rand() * 1000), nested: { a: [str()] } })),
        excluded: [],
        tail: { list: [str()] },
      };
      const text = jsonLines(doc, ['iocs', 'excluded']);
      expect(JSON.parse(text)).toStrictEqual(doc);
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.split('\n');
      for (const ioc of doc.iocs) expect(lines.some((l) => l.trim().replace(/,$/, '') === JSON.stringify(ioc))).toBe(true);
    }
  });

  it('leaves other arrays indented and nested arrays with the same key alone', () => {
    const doc = { a: [1, 2], inner: { iocs: [{ x: 1 }] }, iocs: [{ x: 2 }] };
    expect(jsonLines(doc, ['iocs'])).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "inner": {\n    "iocs": [\n      {\n        "x": 1\n      }\n    ]\n  },\n  "iocs": [\n    {"x":2}\n  ]\n}\n');
  });
});

describe('mostRecent', () => {
  const item = (firstSeen: string, lastSeen: string | null, id: number) => ({ firstSeen, lastSeen, id });
  it('keeps the N most recently seen (last seen, else first seen), in input order; ties by input order', () => {
    const items = [item('2026-01-01', null, 1), item('2026-01-01', '2026-03-01', 2), item('2026-02-01', null, 3), item('2026-02-01', null, 4), item('2025-01-01', null, 5)];
    expect(mostRecent(items, 2).map((i) => i.id)).toStrictEqual([2, 3]);
    expect(mostRecent(items, 3).map((i) => i.id)).toStrictEqual([2, 3, 4]);
    expect(mostRecent(items, 10)).toBe(items);
  });
});

describe('iocs.csv', () => {
  it('round-trips every value through a CSV parser and guards formulas', () => {
    const rand = prng(5);
    const iocs: PackIoc[] = Array.from({ length: 200 }, (_, i) => ({
      type: 'url',
      value: i % 7 === 0 ? `=HYPERLINK("x")${randomString(rand, 10)}` : randomString(rand, 30),
      ...(i % 3 === 0 ? { port: 443 } : {}),
      threatType: i % 2 ? 'botnet_cc' : null,
      firstSeen: '2026-05-01T00:00:00Z',
      lastSeen: null,
      confidence: i % 5 ? 75 : null,
      tags: [randomString(rand, 8)].filter((t) => !t.includes(';')),
      sourceIds: [String(i)],
      references: [],
      reporters: [],
      isCompromised: false,
      flags: [],
      flagDetails: [],
    }));
    const rows = parse(iocsCsv({ iocs }), { columns: true, relax_column_count: false }) as Record<string, string>[];
    expect(rows).toHaveLength(iocs.length);
    rows.forEach((row, i) => {
      const ioc = iocs[i]!;
      const value = row.value!;
      expect(value.startsWith("'") && /^[=+\-@\t\r']/.test(ioc.value) ? value.slice(1) : value).toBe(ioc.value);
      expect(/^[=+\-@\t\r]/.test(value)).toBe(false);
      expect(row.port).toBe(ioc.port === undefined ? '' : String(ioc.port));
      expect(row.source_ids).toBe(String(i));
    });
  });
});
