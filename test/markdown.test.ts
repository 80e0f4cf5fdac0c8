/**
 * Markdown escaping: feed strings never become markup, HTML, links or extra table cells.
 */
import { describe, expect, it } from 'vitest';
import { mdCode, mdTable, mdText } from '../src/render/markdown/md.js';
import { defang } from '../src/render/defang.js';
import { prng, randomString } from './helpers/prng.js';

/** Cells of a GFM table row, splitting on unescaped pipes outside code spans is what renderers do. */
function cellCount(row: string): number {
  return row.replace(/\\\|/g, '').split('|').length - 2;
}

describe('mdText', () => {
  it('escapes HTML, emphasis, links and pipes', () => {
    expect(mdText('<script>alert(1)</script> | *x* [a](http://b) `c`')).toBe(
      '\\<script\\>alert(1)\\</script\\> \\| \\*x\\* \\[a\\](http\\:\\/\\/b) \\`c\\`',
    );
    expect(mdText('mail me@evil.com or www.evil.com & &lt;')).toBe('mail me\\@evil.com or www\\.evil.com & &amp;lt;');
    expect(mdText('line\nbreak\r\u2028x')).toBe('line break x');
  });

  it('keeps a table row at its cell count for random strings (seeded)', () => {
    const rand = prng(42);
    for (let i = 0; i < 2000; i++) {
      const a = randomString(rand);
      const b = randomString(rand);
      const row = mdTable(['A', 'B'], [[mdText(a), mdCode(b)]]).split('\n')[2]!;
      expect(cellCount(row), JSON.stringify([a, b])).toBe(2);
      expect(row).not.toMatch(/\n/);
      expect(mdText(a)).not.toMatch(/(^|[^\\])[<>]/);
    }
  });
});

describe('mdCode', () => {
  it('holds backticks and pipes', () => {
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    expect(mdCode('a|b')).toBe('`a\\|b`');
  });
});

describe('defang', () => {
  it('defangs every network type and percent-encodes markup characters in URLs', () => {
    expect(defang({ type: 'domain', value: 'a.evil.com' })).toBe('a[.]evil[.]com');
    expect(defang({ type: 'url', value: 'https://evil.com/a<b>"c`' })).toBe('hxxps://evil[.]com/a%3Cb%3E%22c%60');
    expect(defang({ type: 'ipv4', value: '1.2.3.4', port: 443 })).toBe('1[.]2[.]3[.]4:443');
    expect(defang({ type: 'ipv6', value: '2a02:cf40:1::5', port: 40669 })).toBe('[2a02:cf40:1::5]:40669');
    expect(defang({ type: 'email', value: 'a@evil.com' })).toBe('a[@]evil[.]com');
    expect(defang({ type: 'sha256', value: 'ab' })).toBe('ab');
  });
});
