/**
 * Free text (a report, an e-mail, a pasted list): extract IOCs from every line after refanging it.
 *
 * (`src/ingest/text.ts` already holds byte decoding and line splitting, so extraction lives here.)
 *
 * Per line: refang ({@link refang}), then, in priority order, with each match claiming its characters so later kinds
 * never re-read them:
 * 1. URLs `scheme://…` for http, https, ftp, ftps, sftp, tftp, ws, wss (other schemes are left alone and never
 *    rewritten to http; a host inside them may still be found as a domain). Trailing punctuation and unbalanced
 *    closing brackets are trimmed. The URL's host is not extracted again as a domain or IP.
 * 2. `[IPv6]` and `[IPv6]:port`.
 * 3. E-mail addresses (around an `@`; bare ` at ` is never refanged).
 * 4. Tokens of `[A-Za-z0-9._:-]`: IPv4, `IPv4:port`, the netstat form `a.b.c.d.port` (→ IP + port), IPv6, md5/sha1/
 *    sha256 by hex length, and bare domains. A token with colons that is neither is split at them.
 *
 * Rejected as IOCs: version strings and out-of-range octets (`5.24.12.1335`, `143.404.146.87`), an IPv4 followed by
 * a CIDR `/n`, an IPv4 after the word version/build/release, domains without an ICANN public suffix (tldts), file
 * names: a domain in a path (after `\` or a single `/`: `C:\Windows\win.com`), with `_` in its registrable label
 * (`cba_file_pdf.zip`), with a document/executable extension right before the suffix after another label (`invoice.pdf.zip`), or ending in a
 * suffix that is mostly a file extension (`.zip`, `.mov`, `.sh`, `.py`, `.md`, `.rs`, `.ps`, `.pm`, `.ai`, `.so`)
 * unless the author defanged it (`evil[.]zip`).
 *
 * A candidate that was defanged but does not validate (`1.2.3[.]999`) is a rejected record with its line: the author
 * meant it as an IOC. Undefanged text that does not validate is just text.
 */
import { FeedError } from '../model/issue.js';
import { hostInfo, normalizeIndicator, UNKNOWN_FAMILY, type IndicatorKind } from '../normalize/indicator.js';
import { isStrictIPv4, normalizeIp } from '../normalize/ip.js';
import { refang } from '../normalize/refang.js';
import { oneLine } from '../normalize/text.js';
import { splitUrl } from '../normalize/url.js';
import { locationOf, type FeedItem } from './items.js';
import { dateFallback, type ParseOptions } from './options.js';
import type { Line } from './text.js';

/** One IOC candidate found in a line. */
export interface TextCandidate {
  readonly kind: IndicatorKind;
  /** The refanged text of the candidate (validated later by `normalizeIndicator`). */
  readonly value: string;
  readonly port?: number;
  /** True when a defang rule produced part of it. */
  readonly defanged: boolean;
  /** Why it cannot be an IOC although it looks like one (only reported for defanged candidates). */
  readonly problem?: string;
  /** 0-based offset in the refanged line. */
  readonly offset: number;
}

const URL_SCHEMES = new Set(['http', 'https', 'ftp', 'ftps', 'sftp', 'tftp', 'ws', 'wss']);
const URL_START = /[A-Za-z][A-Za-z0-9+.-]{0,15}:\/\//g;
const BRACKETED_V6 = /\[([0-9A-Fa-f:.]{2,45})\](?::([0-9]{1,5}))?/g;
const AMBIGUOUS_SUFFIXES = new Set(['zip', 'mov', 'sh', 'py', 'md', 'rs', 'ps', 'pm', 'ai', 'so']);
// Extensions that mark a double-extension file name (`invoice.pdf.zip`, `scan.jpg.com`) when they sit right before the suffix.
const FILE_EXTENSIONS = new Set([
  'pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'rtf', 'odt', 'txt', 'exe', 'dll', 'scr', 'bat', 'cmd',
  'vbs', 'hta', 'ps1', 'lnk', 'iso', 'msi', 'zip', 'rar', '7z', 'gz', 'jpg', 'jpeg', 'png', 'gif',
]);
const VERSION_WORD = /(?:version|ver\.?|build|release|firmware|update|v)\s*[:#]?\s*$/i;
const TOKEN_CHAR = /[A-Za-z0-9._:-]/;
const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/;
const EMAIL_DOMAIN = /[A-Za-z0-9.-]/;
const DOTTED_NUMBER = /^[0-9]+(?:\.[0-9]+)+$/;
const HEX = /^[0-9A-Fa-f]+$/;
const HASH_KINDS: Readonly<Record<number, IndicatorKind>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

function trimUrl(url: string): string {
  let end = url.length;
  for (;;) {
    const c = url[end - 1];
    if (c === undefined) break;
    if ('.,;:!?\'"*>'.includes(c)) {
      end--;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const open = c === ')' ? '(' : c === ']' ? '[' : '{';
      const body = url.slice(0, end);
      if (body.split(open).length < body.split(c).length) {
        end--;
        continue;
      }
    }
    break;
  }
  return url.slice(0, end);
}

/** Extract the IOC candidates of one line (see the module comment). */
export function extractLine(line: string): TextCandidate[] {
  const { text, defanged } = refang(line);
  const taken = new Uint8Array(text.length);
  const out: TextCandidate[] = [];
  const isDefanged = (start: number, end: number): boolean => {
    for (let k = start; k < end; k++) if (defanged[k] === 1) return true;
    return false;
  };
  const claim = (start: number, end: number): void => {
    taken.fill(1, start, end);
  };
  const free = (start: number, end: number): boolean => {
    for (let k = start; k < end; k++) if (taken[k] === 1) return false;
    return true;
  };
  // `plainProblem` applies only when the author did not defang the candidate (`evil.zip` vs `evil[.]zip`).
  const push: Push = (candidate, end, plainProblem) => {
    const wasDefanged = isDefanged(candidate.offset, end);
    const problem = candidate.problem ?? (wasDefanged ? undefined : plainProblem);
    const { problem: _, ...rest } = candidate;
    out.push({ ...rest, defanged: wasDefanged, ...(problem !== undefined ? { problem } : {}) });
  };

  // 1. URLs.
  if (text.includes('://')) {
    URL_START.lastIndex = 0;
    for (let m = URL_START.exec(text); m !== null; m = URL_START.exec(text)) {
      const start = m.index;
      if (start > 0 && /[A-Za-z0-9+.-]/.test(text[start - 1] as string)) continue;
      const scheme = m[0].slice(0, -3).toLowerCase();
      let end = start + m[0].length;
      while (end < text.length && !/[\s<>"'`{}|\\^]/.test(text[end] as string)) end++;
      const url = trimUrl(text.slice(start, end));
      URL_START.lastIndex = Math.max(start + m[0].length, start + url.length);
      if (!URL_SCHEMES.has(scheme) || url.length <= m[0].length) continue;
      const split = splitUrl(url);
      let problem: string | undefined;
      if (split.ok) {
        const host = split.value.host.replace(/\.+$/, '');
        if (!host.startsWith('[') && !isStrictIPv4(host)) {
          const info = hostInfo(host.toLowerCase());
          if (!info.icann || info.registrable === null) problem = `URL host "${oneLine(host, 80)}" has no ICANN public suffix`;
        }
      }
      push({ kind: 'url', value: url, offset: start, ...(problem !== undefined ? { problem } : {}) }, start + url.length);
      claim(start, start + url.length);
    }
  }

  // 2. Bracketed IPv6, with an optional port.
  if (text.includes('[')) {
    BRACKETED_V6.lastIndex = 0;
    for (let m = BRACKETED_V6.exec(text); m !== null; m = BRACKETED_V6.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (!free(start, end) || !(m[1] as string).includes(':')) continue;
      const ip = normalizeIp(m[1] as string);
      if (!ip.ok || ip.value.type !== 'ipv6') continue;
      if (m[2] !== undefined) push({ kind: 'ip:port', value: m[0], offset: start }, end);
      else push({ kind: 'ip', value: m[1] as string, offset: start }, end);
      claim(start, end);
    }
  }

  // 3. E-mail addresses.
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    if (taken[at] === 1) continue;
    let left = at;
    while (left > 0 && at - left < 64 && EMAIL_LOCAL.test(text[left - 1] as string) && taken[left - 1] !== 1) left--;
    let right = at + 1;
    while (right < text.length && right - at <= 253 && EMAIL_DOMAIN.test(text[right] as string) && taken[right] !== 1) right++;
    while (left < at && text[left] === '.') left++;
    while (right > at + 1 && (text[right - 1] === '.' || text[right - 1] === '-')) right--;
    if (left === at || right === at + 1) continue;
    const domain = text.slice(at + 1, right).toLowerCase();
    const info = hostInfo(domain);
    const problem = info.icann && info.registrable !== null ? undefined : `e-mail domain "${oneLine(domain, 80)}" has no ICANN public suffix`;
    push({ kind: 'email', value: text.slice(left, right), offset: left, ...(problem !== undefined ? { problem } : {}) }, right);
    claim(left, right);
  }

  // 4. Tokens.
  let k = 0;
  while (k < text.length) {
    if (taken[k] === 1 || !TOKEN_CHAR.test(text[k] as string)) {
      k++;
      continue;
    }
    const start = k;
    while (k < text.length && taken[k] !== 1 && TOKEN_CHAR.test(text[k] as string)) k++;
    analyzeToken(text, start, k, push);
  }
  return out.sort((a, b) => a.offset - b.offset);
}

type Push = (candidate: Omit<TextCandidate, 'defanged'>, end: number, plainProblem?: string) => void;

function analyzeToken(text: string, rawStart: number, rawEnd: number, push: Push): void {
  let start = rawStart;
  let end = rawEnd;
  while (start < end && '.:-_'.includes(text[start] as string)) start++;
  while (end > start && '.:-_'.includes(text[end - 1] as string)) end--;
  if (start >= end) return;
  const token = text.slice(start, end);
  if (token.includes(':')) {
    const v4port = /^([0-9]{1,3}(?:\.[0-9]{1,3}){3}):([0-9]{1,5})$/.exec(token);
    if (v4port !== null) {
      if (isStrictIPv4(v4port[1] as string)) push({ kind: 'ip:port', value: token, offset: start }, end);
      else push({ kind: 'ip:port', value: token, offset: start, problem: `invalid IPv4 address "${v4port[1]}"` }, end);
      return;
    }
    if (token.split(':').length >= 3 && HEX.test(token.replace(/[:.]/g, '')) && token !== '::') {
      const ip = normalizeIp(token);
      if (ip.ok && ip.value.type === 'ipv6' && /[0-9a-fA-F]/.test(token)) {
        push({ kind: 'ip', value: token, offset: start }, end);
        return;
      }
    }
    // `C2:evil.com`, `sha256:…`, `evil.com:8080`: read the parts on their own.
    let from = start;
    for (let i = start; i <= end; i++) {
      if (i === end || text[i] === ':') {
        if (i > from) analyzeToken(text, from, i, push);
        from = i + 1;
      }
    }
    return;
  }
  const before = text[start - 1];
  if (DOTTED_NUMBER.test(token)) {
    const parts = token.split('.');
    if (parts.length === 4) {
      if (text[end] === '/' && /[0-9]/.test(text[end + 1] ?? '')) return; // a CIDR range
      if (VERSION_WORD.test(text.slice(Math.max(0, start - 12), start))) return;
      if (isStrictIPv4(token)) push({ kind: 'ip', value: token, offset: start }, end);
      else push({ kind: 'ip', value: token, offset: start, problem: `invalid IPv4 address "${token}" (octet out of range or version string)` }, end);
    } else if (parts.length === 5) {
      // netstat on BSD/macOS/Windows-style logs: 10.1.1.117.4222 = 10.1.1.117 port 4222.
      const ip = parts.slice(0, 4).join('.');
      const port = Number(parts[4]);
      if (isStrictIPv4(ip) && /^[0-9]{1,5}$/.test(parts[4] as string) && port >= 1 && port <= 65535 && !VERSION_WORD.test(text.slice(Math.max(0, start - 12), start))) {
        push({ kind: 'ip:port', value: `${ip}:${port}`, offset: start }, end);
      }
    }
    return;
  }
  if (!token.includes('.')) {
    const kind = HEX.test(token) ? HASH_KINDS[token.length] : undefined;
    if (kind !== undefined) push({ kind, value: token, offset: start }, end);
    return;
  }
  if (!/[A-Za-z]/.test(token)) return;
  // A domain candidate.
  if (before === '\\' || (before === '/' && text[start - 2] !== '/') || before === '@' || before === '%') return;
  const name = token.replace(/^[-_]+|[-_]+$/g, '').toLowerCase();
  const info = hostInfo(name);
  const labels = name.split('.');
  const suffixLabels = info.publicSuffix === null ? 1 : info.publicSuffix.split('.').length;
  const ownLabels = labels.slice(0, labels.length - suffixLabels);
  const registrableLabel = ownLabels[ownLabels.length - 1];
  let problem: string | undefined;
  if (!info.icann || info.registrable === null || registrableLabel === undefined) problem = `"${oneLine(name, 80)}" has no ICANN public suffix`;
  else if (registrableLabel.includes('_')) problem = `"${oneLine(name, 80)}" looks like a file name (underscore in the registrable label)`;
  else if (ownLabels.length >= 2 && FILE_EXTENSIONS.has(registrableLabel)) problem = `"${oneLine(name, 80)}" looks like a file name (file extension before the suffix)`;
  const plainProblem =
    suffixLabels === 1 && AMBIGUOUS_SUFFIXES.has(labels[labels.length - 1] as string)
      ? `"${oneLine(name, 80)}" looks like a file name (.${labels[labels.length - 1]} is mostly a file extension); defang it (evil[.]zip) to mark a domain`
      : undefined;
  push({ kind: 'domain', value: name, offset: start, ...(problem !== undefined ? { problem } : {}) }, end, plainProblem);
}

/** Every IOC candidate of a text with its 1-based line number (exported for tests and tools). */
export function extractIocs(text: string): (TextCandidate & { readonly line: number })[] {
  const out: (TextCandidate & { readonly line: number })[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    for (const c of extractLine(line)) out.push({ ...c, line: i + 1 });
  });
  return out;
}

/**
 * Parse free text. IOCs go to `unknown` (or `--family`); first seen is the `--first-seen` date, else the file's
 * modification time (warned). Each IOC is reported once, at its first line. Throws FeedError when the text holds no
 * IOC candidate at all: such a file is not a feed.
 */
export function* parseFreeText(lines: Iterable<Line>, file: string, options: ParseOptions): Generator<FeedItem> {
  const fallback = dateFallback(options);
  const seen = new Set<string>();
  let found = 0;
  let firstText: string | null = null;
  for (const line of lines) {
    if (firstText === null && line.text.trim() !== '') firstText = line.text.trim();
    for (const candidate of extractLine(line.text)) {
      const location = locationOf(file, { line: line.number });
      if (candidate.problem !== undefined) {
        if (!candidate.defanged) continue;
        const key = `rejected\u0000${candidate.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found++;
        yield { kind: 'rejected', location, value: candidate.value, reason: candidate.problem };
        continue;
      }
      const outcome = normalizeIndicator({
        kind: candidate.kind,
        value: candidate.value,
        ...(candidate.port !== undefined ? { port: candidate.port } : {}),
        family: UNKNOWN_FAMILY,
        firstSeen: fallback.date,
      });
      if (!outcome.ok) {
        if (!candidate.defanged) continue;
        const key = `rejected\u0000${candidate.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found++;
        yield { kind: 'rejected', location, value: candidate.value, reason: outcome.rejection.reason };
        continue;
      }
      const { ioc } = outcome.record;
      const key = `${ioc.type}\u0000${ioc.value}\u0000${ioc.port ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found++;
      yield { kind: 'ioc', record: outcome.record, location };
    }
  }
  if (found === 0) {
    throw new FeedError(
      file,
      `not a ThreatFox feed, STIX bundle, MISP event or CSV with a header, and no IOC found in it as text (starts "${oneLine(firstText ?? '', 60)}")`,
    );
  }
  yield { kind: 'warning', location: locationOf(file, {}), message: `free text: ${found} IOC${found === 1 ? '' : 's'} extracted; first seen set to ${fallback.date} (${fallback.source})` };
}
