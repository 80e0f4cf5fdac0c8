/**
 * The HTML report in a real browser: Debian's Chromium driven by playwright-core. Builds the bundled sample and the
 * hostile fixture, opens index.html and report.html over file://, and checks that nothing from the feed runs, that the
 * CSP lets our one script run (filters work), that the copy buttons put exactly the pack's kql on the clipboard, and
 * that the pages load nothing from the network. Screenshots go to test-artifacts/.
 *
 * Skipped when /usr/bin/chromium is missing (CI installs it in .ci/run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from '../../src/build.js';
import type { PackDocument } from '../../src/pack/pack.js';
import type { RunDocument } from '../../src/build.js';
import { FIXTURE_DIR } from '../helpers/golden.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Opened {
  readonly page: Page;
  /** Console errors, page errors, dialogs, CSP violations and non-local requests. */
  readonly problems: string[];
}

describe.skipIf(!existsSync(CHROMIUM))('HTML report in Chromium', () => {
  let root: string;
  let context: BrowserContext;
  const out = { sample: '', hostile: '' };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'huntpack-browser-'));
    out.sample = join(root, 'sample');
    out.hostile = join(root, 'hostile');
    const common = { platforms: ['sentinel', 'defender'] as const, lookbackDays: 30, strict: false, validate: false };
    await build({ ...common, platforms: [...common.platforms], inputs: [], outDir: out.sample });
    await build({ ...common, platforms: [...common.platforms], inputs: [join(FIXTURE_DIR, 'golden/hostile.ndjson')], outDir: out.hostile });
    mkdirSync(ARTIFACTS, { recursive: true });
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1366, height: 900 },
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  });

  afterAll(async () => {
    await context?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog ${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!/^(file|data):/.test(r.url())) problems.push(`request: ${r.url()}`);
    });
    // Sentinels: anything the feed managed to run would call these or trip the CSP.
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__hpCalls = [] as string[];
      w.__hpViolations = [] as string[];
      for (const f of ['alert', 'confirm', 'prompt', 'print']) {
        w[f] = (...args: unknown[]) => (w.__hpCalls as string[]).push(`${f}(${args.join(',')})`);
      }
      document.addEventListener('securitypolicyviolation', (e) => (w.__hpViolations as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems };
  }

  async function expectClean({ page, problems }: Opened): Promise<void> {
    const state = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return {
        calls: w.__hpCalls as string[],
        violations: w.__hpViolations as string[],
        scripts: document.scripts.length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${el.tagName} ${a.name}`)),
        imgs: document.images.length,
        badLinks: [...document.querySelectorAll('a[href]')]
          .map((a) => (a as HTMLAnchorElement).href)
          .filter((h) => !/^(file:|https?:)/.test(h)),
        injected: ['__pwned', 'pwned'].filter((k) => k in window),
      };
    });
    expect(problems).toStrictEqual([]);
    expect(state.calls).toStrictEqual([]);
    expect(state.violations).toStrictEqual([]);
    expect(state.scripts).toBe(1);
    expect(state.handlers).toStrictEqual([]);
    expect(state.imgs).toBe(0);
    expect(state.badLinks).toStrictEqual([]);
    expect(state.injected).toStrictEqual([]);
  }

  function readPack(dir: string, slug: string): PackDocument {
    return JSON.parse(readFileSync(join(dir, slug, 'pack.json'), 'utf8')) as PackDocument;
  }

  function readRun(dir: string): RunDocument {
    return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunDocument;
  }

  /** Rows of the IOC table that are shown. */
  async function visibleRows(page: Page, table: string): Promise<string[]> {
    return page.locator(`#${table} tbody tr:visible`).allTextContents();
  }

  /** A full-page screenshot from the top, with nothing focused. */
  async function screenshot(page: Page, name: string): Promise<void> {
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  }

  async function copyAndRead(page: Page, index: number): Promise<string> {
    await page.evaluate(() => navigator.clipboard.writeText('(clipboard reset)'));
    const button = page.locator(`button[data-copy="kql-${index}"]`);
    await button.scrollIntoViewIfNeeded();
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    return page.evaluate(() => navigator.clipboard.readText());
  }

  it('sample index.html lists every family with a working link to its report', async () => {
    const opened = await open(join(out.sample, 'index.html'));
    const { page } = opened;
    const run = readRun(out.sample);
    const links = await page.locator('#families tbody a').evaluateAll((as) => as.map((a) => [a.textContent, (a as HTMLAnchorElement).href]));
    expect(links.map(([t]) => t)).toStrictEqual(run.families.map((f) => f.name));
    for (const [, href] of links) expect(existsSync(fileURLToPath(href!))).toBe(true);
    await expect.poll(() => page.locator('#policy').textContent()).toContain('newest date in the feeds');
    await screenshot(page, 'sample-index.png');
    await expectClean(opened);
    // Following a link opens the report, which links back.
    await page.locator('#families tbody a', { hasText: 'Remcos' }).click();
    await page.waitForURL(/win-remcos\/report\.html$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Remcos');
    await page.close();
  });

  it('sample report.html: the filter shows matching rows and hides the rest', async () => {
    const opened = await open(join(out.sample, 'win-remcos', 'report.html'));
    const { page } = opened;
    const pack = readPack(out.sample, 'win-remcos');
    const input = page.locator('[data-filter="ioc-table"] input');
    await expect.poll(() => input.isVisible()).toBe(true);
    expect(await visibleRows(page, 'ioc-table')).toHaveLength(pack.iocs.length);

    // A plain (fanged) value finds its defanged row, and only it.
    const target = pack.iocs.find((i) => i.type === 'domain')!;
    await input.fill(target.value);
    let rows = await visibleRows(page, 'ioc-table');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(target.value.replace(/\./g, '[.]'));
    await expect.poll(() => page.locator('[data-filter="ioc-table"] output').textContent()).toBe(`1 of ${pack.iocs.length} rows`);

    // A tag matches every row carrying it.
    await input.fill('malspam');
    rows = await visibleRows(page, 'ioc-table');
    expect(rows).toHaveLength(pack.iocs.filter((i) => i.tags.some((t) => t.toLowerCase().includes('malspam'))).length);

    // Nothing matches: no row, the empty note is shown.
    await input.fill('no-such-ioc-anywhere');
    expect(await visibleRows(page, 'ioc-table')).toHaveLength(0);
    expect(await page.locator('#ioc-table-empty').isVisible()).toBe(true);

    // The type filter.
    await input.fill('');
    await page.locator('[data-filter="ioc-table"] select').selectOption('ipv4');
    const types = await page.locator('#ioc-table tbody tr:visible').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-type')));
    expect(types).toStrictEqual(pack.iocs.filter((i) => i.type === 'ipv4').map(() => 'ipv4'));
    await page.locator('[data-filter="ioc-table"] select').selectOption('');
    expect(await visibleRows(page, 'ioc-table')).toHaveLength(pack.iocs.length);

    await screenshot(page, 'sample-report.png');
    await expectClean(opened);
    await page.close();
  });

  it('sample report.html: copy buttons put exactly the query text on the clipboard', async () => {
    const opened = await open(join(out.sample, 'win-remcos', 'report.html'));
    const { page } = opened;
    const pack = readPack(out.sample, 'win-remcos');
    for (const i of [0, Math.floor(pack.queries.length / 2), pack.queries.length - 1]) {
      expect(await copyAndRead(page, i), pack.queries[i]!.id).toBe(pack.queries[i]!.kql);
    }
    await expectClean(opened);
    await page.close();
  });

  it('hostile report.html: nothing from the feed runs, links or loads; queries copy byte for byte', async () => {
    const run = readRun(out.hostile);
    const evil = run.families.find((f) => f.id === '../../etc/evil')!;
    const opened = await open(join(out.hostile, evil.dir, 'report.html'));
    const { page } = opened;
    const pack = readPack(out.hostile, evil.dir);
    expect(await page.locator('h1').textContent()).toBe('<script>alert(1)</script> | Pipe');
    expect(await page.title()).toBe('<script>alert(1)</script> | Pipe: hunt pack');
    const body = await page.locator('main').textContent();
    expect(body).toContain('<img src=x onerror=alert(1)>');
    expect(body).toContain('javascript:alert(1)');
    expect(await page.locator('a[href*="javascript" i], a[href*="example.org"], a[href*="x.test"]').count()).toBe(0);
    expect(await page.locator('main b, main img, main iframe, main object, main embed').count()).toBe(0);

    // The filter works on hostile values too.
    const input = page.locator('[data-filter="ioc-table"] input');
    await input.fill('<script>');
    expect(await visibleRows(page, 'ioc-table')).toHaveLength(pack.iocs.filter((i) => i.value.includes('<script>') || i.tags.some((t) => t.includes('<script>'))).length);
    await input.fill('');

    for (let i = 0; i < pack.queries.length; i++) expect(await copyAndRead(page, i), pack.queries[i]!.id).toBe(pack.queries[i]!.kql);

    await screenshot(page, 'hostile-report.png');
    await expectClean(opened);
    await page.close();
  });

  it('hostile index.html: rejected values and family names are text', async () => {
    const opened = await open(join(out.hostile, 'index.html'));
    const { page } = opened;
    const run = readRun(out.hostile);
    const rejected = await page.locator('#rejected-table tbody tr').allTextContents();
    expect(rejected).toHaveLength(run.rejected.length);
    expect(rejected[0]).toContain(run.rejected[0]!.value);
    const names = await page.locator('#families tbody a').allTextContents();
    expect(names).toContain('<script>alert(1)</script> | Pipe');
    await page.locator('[data-filter="rejected-table"] input').fill('DeviceProcessEvents');
    expect(await visibleRows(page, 'rejected-table')).toHaveLength(1);
    await page.locator('[data-filter="rejected-table"] input').fill('zzz-nothing');
    expect(await visibleRows(page, 'rejected-table')).toHaveLength(0);
    await page.locator('[data-filter="rejected-table"] input').fill('');
    await screenshot(page, 'hostile-index.png');
    await expectClean(opened);
    await page.close();
  });
});
