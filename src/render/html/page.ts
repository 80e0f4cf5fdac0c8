/**
 * The shell every HTML page shares: a strict Content-Security-Policy, the inline stylesheet and script, a sticky table
 * of contents and the footer. Self-contained: nothing is fetched from the network.
 */
import { CSS, SCRIPT, contentSecurityPolicy } from './assets.js';
import { esc, escLine } from './html.js';

export interface TocEntry {
  readonly id: string;
  readonly label: string;
  /** Shown after the label, e.g. a count. */
  readonly count?: number;
  readonly children?: readonly TocEntry[];
}

export interface PageInput {
  readonly title: string;
  /** Link back, e.g. to ../index.html (our own file). */
  readonly home?: { readonly href: string; readonly label: string };
  readonly toc: readonly TocEntry[];
  readonly body: string;
  readonly footer: string;
}

function tocList(entries: readonly TocEntry[]): string {
  return (
    '<ol>' +
    entries
      .map(
        (e) =>
          `<li><a href="#${esc(e.id)}">${escLine(e.label)}${e.count !== undefined ? ` <span class="count">${e.count}</span>` : ''}</a>` +
          (e.children?.length ? tocList(e.children) : '') +
          '</li>',
      )
      .join('') +
    '</ol>'
  );
}

/** A complete HTML document. */
export function renderPage(p: PageInput): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy())}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="huntpack">
<title>${escLine(p.title)}</title>
<link rel="icon" href="data:,">
<style>
${CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div class="layout">
<nav class="toc" aria-label="Contents"><div>
${p.home ? `<a class="home" href="${esc(p.home.href)}">← ${escLine(p.home.label)}</a>\n` : ''}<p class="toc-title">On this page</p>
${tocList(p.toc)}
</div></nav>
<main id="main">
${p.body}
<footer>${p.footer}</footer>
</main>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
