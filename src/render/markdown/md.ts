/**
 * Markdown escaping. Feed strings (family names, tags, values, references) never become markup, HTML or links.
 */

/** Replace line breaks and other control characters by a space: one-line text. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ').trim();
}

/**
 * Plain text for Markdown prose and table cells: HTML and Markdown punctuation escaped, `|` escaped for tables,
 * and URL/e-mail shapes broken so GFM autolinking cannot turn them into links.
 */
export function mdText(s: string): string {
  return oneLine(s)
    // Only an `&` that starts an entity needs escaping; a plain `&` stays readable in the source.
    .replace(/&(?=#?[a-zA-Z0-9]+;)/g, '&amp;')
    .replace(/[\\`*_[\]<>|~#!]/g, (c) => '\\' + c)
    .replace(/:\/\//g, '\\:\\/\\/')
    .replace(/@/g, '\\@')
    .replace(/\bwww\./gi, (w) => w.slice(0, 3) + '\\.');
}

/**
 * Text from huntpack's own knowledge files (data/), which may use inline code and emphasis on purpose.
 * Never pass feed strings here.
 */
export function mdTrusted(s: string): string {
  return oneLine(s);
}

/** An inline code span holding `s` verbatim (safe inside a GFM table cell). */
export function mdCode(s: string): string {
  const text = oneLine(s).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced code block holding `body` verbatim. */
export function mdFence(body: string, lang = ''): string {
  const longest = Math.max(2, ...[...body.matchAll(/`{3,}/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body.replace(/\n$/, '')}\n${fence}`;
}

/** A GFM table. Cells must already be escaped (mdText / mdCode). */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A relative link to a file the pack itself wrote (paths are ours, never feed text). */
export function mdLink(label: string, path: string): string {
  return `[${mdText(label)}](${path.split('/').map(encodeURIComponent).join('/')})`;
}
