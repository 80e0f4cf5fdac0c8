/**
 * The meaning of every hunt kind, as labelled rows (test/semantics/vectors.yaml) run through the local evaluator of
 * the same hunts whose KQL is golden-tested. Exactly the rows marked `hit` match, with the IOC named by `hit`.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadKnowledge } from '../src/knowledge/load.js';
import { planHunts } from '../src/hunt/plan.js';
import { compileHunt } from '../src/hunt/evaluate.js';
import type { Ioc } from '../src/model/ioc.js';

const ioc = (type: Ioc['type'], value: string, port?: number): Ioc => ({
  type, value, ...(port !== undefined ? { port } : {}), threatType: 'botnet_cc', firstSeen: '2026-05-01T00:00:00Z', lastSeen: null,
  confidence: 100, tags: [], sourceIds: [], references: [], reporters: [], isCompromised: false, flags: [],
});

export const SEMANTICS_IOCS: Ioc[] = [
  ioc('domain', 'evil.com'),
  ioc('url', 'https://evil.com/dl/a.zip?x=1'),
  ioc('url', 'https://drop.example-cdn.net/p/x.bin'),
  ioc('url', 'https://147.45.78.119/jquery-3.3.1.min.js'),
  ioc('url', 'http://[2a0e:1c80:9:41::b7]:8080/cx'),
  ioc('ipv4', '81.2.69.142', 443),
  ioc('ipv6', '2a02:cf40:1::5', 40669),
  ioc('md5', '7b6a3f0c9d2e41a58f6e2c1b0a9d8e7f'),
  ioc('sha1', '0f1e2d3c4b5a69788796a5b4c3d2e1f001122334'),
  ioc('sha256', '6316e735a026e0421e4ee274e36594bb510afbf8798e767f6a082d827b5082a0'),
  ioc('email', 'billing@evil-mail.test'),
];

interface Vector { hunt: string; rows: { row: Record<string, unknown>; hit?: string }[] }
const vectors = parse(readFileSync(new URL('./semantics/vectors.yaml', import.meta.url), 'utf8')) as Vector[];
const NOW = Date.parse('2026-05-10T12:00:00Z');

describe('hunt semantics (evaluator)', () => {
  const hunts = planHunts(loadKnowledge(), SEMANTICS_IOCS, { platforms: ['sentinel'], lookbackDays: 30, tables: 'all', asim: true });

  it('covers every hunt of the matrix', () => {
    expect(vectors.map((v) => v.hunt).sort()).toStrictEqual(hunts.map((h) => h.id).sort());
  });

  for (const v of vectors) {
    it(v.hunt, () => {
      const hunt = hunts.find((h) => h.id === v.hunt)!;
      const compiled = compileHunt(hunt);
      const got = v.rows.map(({ row }) => compiled.match({ [hunt.timeColumn]: '2026-05-10T12:00:00Z', ...row }, NOW)?.ioc ?? null);
      expect(got).toStrictEqual(v.rows.map((r) => r.hit ?? null));
    });
  }
});
