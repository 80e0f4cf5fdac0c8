/**
 * Feed values reach KQL only as string literals. The official parser must read back exactly the original value,
 * and a hostile value must not add statements, operators or columns to a query.
 */
import { describe, expect, it } from 'vitest';
import { kqlCommentText, kqlString } from '../src/render/kql/escape.js';
import { analyzerFor, kqlErrors } from './helpers/kusto.js';
import { prng, randomString } from './helpers/prng.js';

const HOSTILE = ['"', "'", '\\', '"]);', '\\"', 'a"b\'c\\d]);e', '"); DeviceProcessEvents | take 1 //', '\n| take 1', '@"x"', 'h"secret"', '{{StartTimeISO}}', '\u2028', ''];

describe('kqlString', () => {
  it('round-trips hostile values through the Kusto parser', () => {
    const a = analyzerFor('sentinel');
    for (const value of HOSTILE) {
      const q = `print v = ${kqlString(value)}`;
      expect(kqlErrors('sentinel', q), JSON.stringify(value)).toStrictEqual([]);
      expect(a.stringLiterals(q)).toStrictEqual([value]);
    }
  });

  it('round-trips 3,000 random strings (seeded) inside a dynamic list', () => {
    const rand = prng(20261203);
    const a = analyzerFor('sentinel');
    const values = Array.from({ length: 3000 }, () => randomString(rand));
    // 100 per query keeps each analysis fast while still exercising list context.
    for (let i = 0; i < values.length; i += 100) {
      const chunk = values.slice(i, i + 100);
      const q = `let L = dynamic([${chunk.map(kqlString).join(', ')}]);\nprint n = array_length(L)`;
      expect(kqlErrors('sentinel', q)).toStrictEqual([]);
      expect(a.stringLiterals(q)).toStrictEqual(chunk);
    }
  });
});

describe('kqlCommentText', () => {
  it('never lets text leave a // comment', () => {
    const rand = prng(7);
    for (let i = 0; i < 500; i++) {
      const s = randomString(rand);
      const q = `// ${kqlCommentText(s)}\nprint x = 1`;
      expect(kqlErrors('sentinel', q), JSON.stringify(s)).toStrictEqual([]);
      expect(kqlCommentText(s)).not.toMatch(/[\n\r\u2028\u2029]/);
    }
  });
});
