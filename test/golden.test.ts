/**
 * Golden packs: each fixture feed is built in memory and every output file is compared byte for byte with the
 * reviewed copy under test/golden/<case>/. Run `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` to rewrite them,
 * then review the diff.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildPacks, SAMPLE_FEED, type BuildOptions } from '../src/build.js';
import { FIXTURE_DIR, UPDATE, readGolden, writeGolden } from './helpers/golden.js';
import { huntsFromPack, type PackDocument } from '../src/pack/pack.js';
import { renderKql } from '../src/render/kql/render.js';

export const GOLDEN_CASES: Record<string, { inputs: string[]; options?: Partial<BuildOptions> }> = {
  'sample': { inputs: [] },
  'reference-kongtuke': { inputs: [join(FIXTURE_DIR, 'golden/reference-kongtuke.json')] },
  'hostile': { inputs: [join(FIXTURE_DIR, 'golden/hostile.ndjson')] },
  'mixed-recent-csv': { inputs: [join(FIXTURE_DIR, 'golden/mixed-recent.csv')] },
  // Every ThreatFox shape in one build: bare array, JSON export, NDJSON, recent CSV (15 columns) and the full-dump zip.
  'feed-shapes': {
    inputs: [
      join(FIXTURE_DIR, 'threatfox/bare-array.json'),
      join(FIXTURE_DIR, 'threatfox/export.json'),
      join(FIXTURE_DIR, 'threatfox/get-iocs.ndjson'),
      join(FIXTURE_DIR, 'threatfox/recent-15col.csv'),
      join(FIXTURE_DIR, 'golden/full-dump.zip'),
    ],
  },
  'policy': { inputs: [join(FIXTURE_DIR, 'golden/policy.json')], options: { allowlists: [join(FIXTURE_DIR, 'golden/policy-allowlist.txt')] } },
  // Every table of the matrix and the ASIM parsers, over a feed with every IOC type.
  'full-matrix': { inputs: [join(FIXTURE_DIR, 'golden/mixed-recent.csv'), join(FIXTURE_DIR, 'golden/reference-kongtuke.json')], options: { tables: 'all', asim: true } },
};

/** Build a golden case with stable display names (paths relative to test/fixtures). */
export async function buildCase(name: string) {
  const c = GOLDEN_CASES[name]!;
  const result = await buildPacks({
    inputs: c.inputs,
    outDir: '/unused',
    platforms: ['sentinel', 'defender'],
    lookbackDays: 30,
    strict: false,
    validate: true,
    ...c.options,
  });
  // Display paths are given by the caller; make them independent of the checkout location.
  const files = new Map<string, string>();
  for (const [rel, content] of result.files) files.set(rel, content.split(FIXTURE_DIR + '/').join('test/fixtures/').split(SAMPLE_FEED).join('samples/threatfox-sample.json'));
  return { result, files };
}

describe('golden packs', () => {
  for (const name of Object.keys(GOLDEN_CASES)) {
    it(`${name}: every file matches test/golden/${name}/`, async () => {
      const { files } = await buildCase(name);
      if (UPDATE) writeGolden(name, files);
      const golden = readGolden(name);
      expect([...files.keys()].sort()).toStrictEqual([...golden.keys()].sort());
      for (const [rel, content] of files) expect(content, rel).toBe(golden.get(rel));
    });
  }

  it('pack.json keeps the hunt IR: restored hunts evaluate like the planned ones', async () => {
    const { result } = await buildCase('full-matrix');
    for (const pack of result.packs) {
      const restored = huntsFromPack(JSON.parse(JSON.stringify(pack)) as PackDocument);
      expect(restored.map((h) => `${h.platform}-${h.id}`)).toStrictEqual(pack.hunts.map((h) => `${h.platform}-${h.id}`));
      for (const h of restored) expect(new Set(h.sets.map((x) => x.name))).toStrictEqual(new Set(pack.hunts.find((x) => x.id === h.id && x.platform === h.platform)!.sets));
      // Every inline query is the rendering of its restored hunt.
      for (const q of pack.queries.filter((x) => x.variant === 'inline')) {
        const h = restored.find((x) => x.id === q.hunt && x.platform === q.platform)!;
        expect(q.kql.split('\n').slice(4).join('\n')).toBe(renderKql(h, { lines: [] }));
      }
    }
  });

  it('building twice gives byte-identical files', async () => {
    const a = await buildCase('sample');
    const b = await buildCase('sample');
    expect([...a.files]).toStrictEqual([...b.files]);
  });
});
