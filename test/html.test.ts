/**
 * The HTML report (src/render/html): feed strings never become markup, script or live links; every query sits in its
 * copy block exactly once, escaped, so the block's textContent is the pack's kql; the CSP hash matches the one script.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildPacks, type BuildOptions, type BuildResult } from '../src/build.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import { esc, escLine, safeHttpUrl } from '../src/render/html/html.js';
import { SCRIPT, scriptHash } from '../src/render/html/assets.js';
import { FIXTURE_DIR } from './helpers/golden.js';
import { prng, randomString } from './helpers/prng.js';

/** The golden cases (test/golden.test.ts), built the same way. */
const CASES: Record<string, { inputs: string[]; options?: Partial<BuildOptions> }> = {
  'sample': { inputs: [] },
  'reference-kongtuke': { inputs: [join(FIXTURE_DIR, 'golden/reference-kongtuke.json')] },
  'hostile': { inputs: [join(FIXTURE_DIR, 'golden/hostile.ndjson')] },
  'mixed-recent-csv': { inputs: [join(FIXTURE_DIR, 'golden/mixed-recent.csv')] },
  'policy': { inputs: [join(FIXTURE_DIR, 'golden/policy.json')], options: { allowlists: [join(FIXTURE_DIR, 'golden/policy-allowlist.txt')] } },
  'full-matrix': { inputs: [join(FIXTURE_DIR, 'golden/mixed-recent.csv'), join(FIXTURE_DIR, 'golden/reference-kongtuke.json')], options: { tables: 'all', asim: true } },
};

async function build(name: string): Promise<BuildResult> {
  const c = CASES[name]!;
  return buildPacks({ inputs: c.inputs, outDir: '/unused', platforms: ['sentinel', 'defender'], lookbackDays: 30, strict: false, validate: false, ...c.options });
}

/** Decode the character references esc() writes (what a browser's textContent gives back). */
function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#13);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#13': '\r' })[e]!);
}

/** Every tag name the renderer writes; any other `<x` would be markup from the feed. */
const OUR_TAGS = new Set([
  'html', 'head', 'meta', 'title', 'link', 'style', 'body', 'a', 'div', 'nav', 'p', 'ol', 'ul', 'li', 'span', 'main', 'footer', 'header', 'section',
  'h1', 'h2', 'h3', 'h4', 'dl', 'dt', 'dd', 'code', 'pre', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td', 'button', 'input', 'select',
  'option', 'output', 'figure', 'figcaption', 'svg', 'line', 'text', 'rect', 'strong', 'br', 'article', 'script',
]);

const results = new Map<string, BuildResult>();
beforeAll(async () => {
  for (const name of Object.keys(CASES)) results.set(name, await build(name));
});

function htmlFiles(r: BuildResult): [string, string][] {
  return [...r.files].filter(([p]) => p.endsWith('.html'));
}

describe('HTML escaping helpers', () => {
  it('escapes & < > " \' and keeps CR as a reference', () => {
    expect(esc(`<a href="x" onclick='y'>&amp;\r\n`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&#13;\n');
    expect(escLine('a\nb\u2028c')).toBe('a b c');
  });

  it('round-trips random strings and never leaves markup characters (seeded)', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const s = randomString(rand);
      const e = esc(s);
      expect(e).not.toMatch(/[<>"'\r]/);
      expect(e.replace(/&(amp|lt|gt|quot|#39|#13);/g, '')).not.toContain('&');
      // Controls and direction overrides show as U+FFFD; everything else comes back exactly.
      // eslint-disable-next-line no-control-regex
      expect(unescape(e)).toBe(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd'));
    }
  });

  it('shows direction overrides and control characters visibly, so a name cannot display reversed', () => {
    expect(esc('Ctl\u001b[2J\u0008\u007f\u202eevil')).toBe('Ctl\ufffd[2J\ufffd\ufffd\ufffdevil');
    expect(esc('a\tb\nc')).toBe('a\tb\nc');
  });

  it('links only to http(s) URLs', () => {
    expect(safeHttpUrl('https://attack.mitre.org/software/S0332/')).toBe('https://attack.mitre.org/software/S0332/');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>', 'vbscript:x', 'file:///etc/passwd', '//evil.test/x', 'evil.test', 'https://u:p@evil.test/']) {
      expect(safeHttpUrl(bad), bad).toBeNull();
    }
  });
});

describe('HTML report of the golden cases', () => {
  it('renders report.html for every pack and index.html for the run', () => {
    for (const [name, r] of results) {
      expect(r.files.has('index.html'), name).toBe(true);
      for (const p of r.packs) expect(r.files.has(`${p.family.slug}/report.html`), `${name} ${p.family.slug}`).toBe(true);
    }
  });

  it('holds exactly one script, ours, and the CSP allows exactly its hash', () => {
    for (const [name, r] of results) {
      for (const [path, html] of htmlFiles(r)) {
        const where = `${name}/${path}`;
        expect(html.match(/<script/gi)?.length, where).toBe(1);
        expect(html.match(/<\/script/gi)?.length, where).toBe(1);
        const m = /<script>([\s\S]*?)<\/script>/.exec(html);
        expect(m?.[1], where).toBe(SCRIPT);
        const hash = `sha256-${createHash('sha256').update(m![1]!, 'utf8').digest('base64')}`;
        expect(hash).toBe(scriptHash());
        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
        expect(csp, where).toBeDefined();
        const policy = unescape(csp!);
        expect(policy).toContain("default-src 'none'");
        expect(policy).toContain(`script-src '${hash}'`);
        expect(policy).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
        // The CSP comes before anything that could load or run.
        expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
      }
    }
  });

  it('writes only its own tags and no event-handler attributes', () => {
    for (const [name, r] of results) {
      for (const [path, html] of htmlFiles(r)) {
        const body = html.replace(/<script>[\s\S]*?<\/script>/, '').replace(/<style>[\s\S]*?<\/style>/, '');
        for (const m of body.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)) expect(OUR_TAGS.has(m[1]!.toLowerCase()), `${name}/${path}: <${m[1]}`).toBe(true);
        for (const tag of body.matchAll(/<[a-zA-Z][^>]*>/g)) {
          for (const a of tag[0].matchAll(/\s([^\s="'<>/]+)=/g)) expect(a[1]!.toLowerCase().startsWith('on'), `${name}/${path}: ${tag[0]}`).toBe(false);
          expect(tag[0], `${name}/${path}`).not.toMatch(/\sstyle="[^"]*(url\(|expression|@import)/i);
        }
      }
    }
  });

  it('links only to its own files, in-page anchors and the http(s) references of data/families', () => {
    const k = loadKnowledge();
    const trusted = new Set([...k.families.values()].flatMap((f) => f.references.map((x) => safeHttpUrl(x.url))));
    for (const [name, r] of results) {
      const slugs = new Set(r.packs.map((p) => p.family.slug));
      for (const [path, html] of htmlFiles(r)) {
        for (const m of html.matchAll(/\shref="([^"]*)"/g)) {
          const href = unescape(m[1]!);
          const where = `${name}/${path}: ${href}`;
          expect(href.toLowerCase(), where).not.toMatch(/^\s*(javascript|data:text|vbscript)/);
          expect(href.toLowerCase().includes('javascript:'), where).toBe(false);
          if (href.startsWith('#') || href === 'data:,' || href === '../index.html') continue;
          const own = /^([^/]+)\/report\.html(#[a-z-]+)?$/.exec(href);
          if (own) {
            expect(slugs.has(decodeURIComponent(own[1]!)), where).toBe(true);
            continue;
          }
          expect(trusted.has(href), where).toBe(true);
        }
      }
    }
  });

  it('puts every query, escaped, exactly once into its copy block', () => {
    for (const [name, r] of results) {
      for (const pack of r.packs) {
        const html = r.files.get(`${pack.family.slug}/report.html`)!;
        const blocks = new Map([...html.matchAll(/<code id="(kql-\d+)">([^<]*)<\/code>/g)].map((m) => [m[1]!, m[2]!]));
        expect(blocks.size, `${name}/${pack.family.slug}`).toBe(pack.queries.length);
        pack.queries.forEach((q, i) => {
          const where = `${name}/${pack.family.slug} ${q.id}`;
          const escaped = esc(q.kql);
          expect(blocks.get(`kql-${i}`), where).toBe(escaped);
          expect(unescape(blocks.get(`kql-${i}`)!), where).toBe(q.kql);
          expect(html.split(escaped).length - 1, where).toBe(1);
          expect(html.split(`data-copy="kql-${i}"`).length - 1, where).toBe(1);
        });
      }
    }
  });

  it('shows hostile feed strings as text only', () => {
    const r = results.get('hostile')!;
    const all = htmlFiles(r).map(([, h]) => h).join('\n');
    for (const raw of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<b>bold</b>', '"b\'c']) expect(all).not.toContain(raw);
    expect(all).toContain('&lt;script&gt;alert(1)&lt;/script&gt; | Pipe');
    expect(all).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // The feed reference is shown as code text, never as a link.
    expect(all).toContain('<code>javascript:alert(1)</code>');
    expect(all).not.toMatch(/href="[^"]*javascript/i);
    expect(all).not.toMatch(/href="[^"#.][^"]*example\.org/);
    // The rejected record's value and reason are text on the index.
    const index = r.files.get('index.html')!;
    expect(index).toContain(esc('https://evil-test.net/")); DeviceProcessEvents | take 1 //'));
  });

  it('is deterministic and holds no wall-clock time without --now', async () => {
    const again = await build('sample');
    const first = results.get('sample')!;
    for (const [path, html] of htmlFiles(first)) {
      expect(again.files.get(path), path).toBe(html);
      expect(html, path).not.toMatch(/generated (at )?\d{4}-/);
    }
  });
});
