/**
 * HTML escaping and small markup helpers for the HTML report. Every feed string (family names, aliases, tags, IOC
 * values, references, rejected values and reasons) goes through `esc` and never becomes markup, script or a link.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // The HTML parser turns a literal CR into LF; a character reference keeps it, so textContent is the exact string.
  '\r': '&#13;',
};

/**
 * Text for an HTML text node or a quoted attribute value: `& < > " '` (and CR) as character references; direction
 * overrides and isolates (which would show a family name or a summary reversed) and control characters other than tab
 * and line breaks as U+FFFD, visibly.
 */
export function esc(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"'\r]/g, (c) => ENTITIES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

/** One-line escaped text: line breaks and other control characters become one space. */
export function escLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return esc(s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim());
}

/**
 * Text from huntpack's own knowledge files (data/), which marks code with backticks: escaped, then `x` shown as code.
 * Never pass feed strings here.
 */
export function escTrusted(s: string): string {
  return escLine(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** An inline code element holding the escaped text. */
export function code(s: string, cls?: string): string {
  return `<code${cls ? ` class="${esc(cls)}"` : ''}>${escLine(s)}</code>`;
}

/**
 * An href for a trusted reference (data/families): only absolute http(s) URLs, serialised by the URL parser.
 * Anything else returns null and is shown as text.
 */
export function safeHttpUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (parsed.username || parsed.password) return null;
  return parsed.href;
}

/** A relative link to a file huntpack wrote (the path is ours, never feed text), each segment percent-encoded. */
export function ownHref(path: string): string {
  return path.split('/').map((seg) => (seg === '..' || seg === '.' ? seg : encodeURIComponent(seg))).join('/');
}

/** `n thing` / `n things`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The date part of an ISO timestamp, or a dash. */
export function day(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 10) : '–';
}

/** An HTML table. Header cells are escaped here; body cells must already be markup (escaped by the caller). */
export function table(opts: {
  readonly head: readonly (string | { readonly text: string; readonly cls: string })[];
  readonly rows: readonly { readonly cells: readonly (string | { readonly html: string; readonly cls: string })[]; readonly attrs?: string }[];
  readonly id?: string;
  readonly cls?: string;
  readonly caption?: string;
  readonly scroll?: boolean;
}): string {
  const head = opts.head
    .map((h) => (typeof h === 'string' ? `<th scope="col">${esc(h)}</th>` : `<th scope="col" class="${esc(h.cls)}">${esc(h.text)}</th>`))
    .join('');
  const rows = opts.rows
    .map(
      (r) =>
        `<tr${r.attrs ? ' ' + r.attrs : ''}>${r.cells.map((c) => (typeof c === 'string' ? `<td>${c}</td>` : `<td class="${esc(c.cls)}">${c.html}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  const t =
    `<table${opts.id ? ` id="${esc(opts.id)}"` : ''}${opts.cls ? ` class="${esc(opts.cls)}"` : ''}>` +
    (opts.caption ? `<caption>${esc(opts.caption)}</caption>` : '') +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
  return `<div class="table-wrap${opts.scroll ? ' scroll' : ''}">${t}</div>`;
}

/** A numeric cell. */
export function num(n: number | string): { html: string; cls: string } {
  return { html: esc(String(n)), cls: 'num' };
}
