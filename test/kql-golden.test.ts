/**
 * Every .kql file of the golden packs parses and binds with Microsoft's Kusto parser against the vendored schemas of
 * its platform (the folder name says which), with its false-positive exclusions both commented and enabled.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, listFiles } from './helpers/golden.js';
import { kqlErrors } from './helpers/kusto.js';
import type { Platform } from '../src/hunt/ir.js';

const kqlFiles = listFiles(GOLDEN_DIR).filter((f) => f.endsWith('.kql'));

describe('golden KQL validates', () => {
  it('the golden packs hold queries for both platforms', () => {
    expect(kqlFiles.some((f) => f.includes('/queries/sentinel/'))).toBe(true);
    expect(kqlFiles.some((f) => f.includes('/queries/defender/'))).toBe(true);
  });

  for (const file of kqlFiles) {
    const platform: Platform = file.includes('/queries/defender/') ? 'defender' : 'sentinel';
    it(`${file} (${platform})`, () => {
      const text = readFileSync(join(GOLDEN_DIR, file), 'utf8');
      expect(kqlErrors(platform, text)).toStrictEqual([]);
      // Enabling every exclusion line keeps the query valid.
      const enabled = text.replace(/^\/\/ (\| where not\()/gm, '$1');
      expect(kqlErrors(platform, enabled)).toStrictEqual([]);
    });
  }
});
