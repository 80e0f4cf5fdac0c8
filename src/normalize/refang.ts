/**
 * Refanging: undo the defang styles analysts use to make indicators unclickable (docs/peers-and-users.md §3).
 *
 * One left-to-right scanner, no chain of regex replacements, so each rule sees the original text and a rule never
 * re-reads another rule's output. Rules:
 *
 * - schemes: `hxxp`, `hXXp`, `h**p`, `hxxps`, `h**ps`, `fxp` at a word start and followed by `:`, `[:` or `[://` →
 *   `http`, `https`, `ftp`. `hxxps` always becomes `https`. Unknown schemes are never rewritten (ioc-fanger once turned
 *   any four-letter scheme into `http`).
 * - bracketed separators: `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` → `.`; `[at]` `(at)` `{at}` `[@]` `(@)` `{@}` → `@`;
 *   `[:]` → `:`, `[://]` → `://`, `[/]` → `/`, `[//]` → `//`. Spaces around a bracketed dot or at between two
 *   alphanumerics are dropped (`evil [.] com`).
 * - `\.` between two alphanumerics → `.`.
 * - ` dot ` (spaces, no brackets) only inside a chain `label dot label …` that forms a domain with an ICANN public
 *   suffix and does not start with a common English word ("connect the dot to" stays text).
 * - Bare ` at ` / `AT` is NOT refanged (msticpy#681: `news.ycombinator.com` must not turn into an e-mail).
 *
 * The result marks which output characters came from a defang rule, so an extractor can tell a deliberately defanged
 * indicator (`evil[.]zip`) from a file name (`evil.zip`).
 */
import { parse as parseHost } from 'tldts';

/** Refanged text and, per UTF-16 unit of `text`, 1 where the character was produced by a defang rule. */
export interface Refanged {
  readonly text: string;
  readonly defanged: Uint8Array;
}

const BRACKETS: Readonly<Record<string, string>> = { '[': ']', '(': ')', '{': '}' };
const BRACKET_WORDS: ReadonlyMap<string, string> = new Map([
  ['.', '.'],
  ['dot', '.'],
  ['at', '@'],
  ['@', '@'],
  [':', ':'],
  ['://', '://'],
  ['/', '/'],
  ['//', '//'],
]);
// Only these keep their meaning in round or curly brackets: `(:)` or `{/}` are not a known style.
const ANY_BRACKET_WORDS = new Set(['.', 'dot', 'at', '@']);
const SCHEME_WORDS: ReadonlyMap<string, string> = new Map([
  ['hxxp', 'http'],
  ['hxxps', 'https'],
  ['h**p', 'http'],
  ['h**ps', 'https'],
  ['hxtp', 'http'],
  ['hxtps', 'https'],
  ['htxp', 'http'],
  ['htxps', 'https'],
  ['fxp', 'ftp'],
]);

function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9_]$/.test(c);
}

/** Length of a defanged scheme word at `i` (before its `:`/`[:`), with its replacement, or null. */
function schemeAt(text: string, i: number): { length: number; scheme: string } | null {
  if (isWordChar(text[i - 1])) return null;
  for (const length of [5, 4, 3]) {
    const word = text.slice(i, i + length).toLowerCase();
    const scheme = SCHEME_WORDS.get(word);
    if (scheme === undefined) continue;
    const after = text.slice(i + length, i + length + 2);
    if (after.startsWith(':') || after === '[:') return { length, scheme };
  }
  return null;
}

/** A bracketed defang token at `i` (`[.]`, `(dot)`, `[://]`, …): its length and replacement, or null. */
function bracketAt(text: string, i: number): { length: number; value: string; word: string } | null {
  const close = BRACKETS[text[i] as string];
  if (close === undefined) return null;
  const end = text.indexOf(close, i + 1);
  if (end < 0 || end - i > 6) return null;
  const word = text.slice(i + 1, end).trim().toLowerCase();
  const value = BRACKET_WORDS.get(word);
  if (value === undefined) return null;
  if (text[i] !== '[' && !ANY_BRACKET_WORDS.has(word)) return null;
  return { length: end - i + 1, value, word };
}

// Words that start ordinary sentences: "the dot com era", "a dot on the map".
const DOT_STOP_WORDS = new Set([
  'a', 'an', 'the', 'this', 'that', 'one', 'each', 'every', 'no', 'red', 'blue', 'green', 'black', 'white', 'small', 'big',
  'single', 'final', 'last', 'first', 'and', 'or', 'to', 'of', 'on', 'in', 'at', 'is', 'it', 'its', 'his', 'her', 'our',
  'your', 'their', 'my', 'with', 'by', 'for', 'from', 'as', 'polka', 'connect', 'connecting', 'join', 'joining',
]);

// `label dot label (dot label)*`: a literal " dot " between label runs; linear (each repetition starts with " dot ").
const SPACED_DOT_CHAIN = /(?<![A-Za-z0-9-])[A-Za-z0-9-]{1,63}(?: (?:dot|DOT) [A-Za-z0-9-]{1,63})+(?![A-Za-z0-9-])/g;

/** Refang ` dot ` chains that form a real domain (see the module comment). */
function refangSpacedDots(input: Refanged): Refanged {
  if (!/ dot /i.test(input.text)) return input;
  let out = '';
  const flags: number[] = [];
  let last = 0;
  for (const m of input.text.matchAll(SPACED_DOT_CHAIN)) {
    const start = m.index;
    const chain = m[0];
    const labels = chain.split(/ (?:dot|DOT) /);
    const candidate = labels.join('.').toLowerCase();
    const host = parseHost(candidate, { allowPrivateDomains: false });
    if (DOT_STOP_WORDS.has((labels[0] as string).toLowerCase()) || host.isIcann !== true || host.domain === null) continue;
    for (let k = last; k < start; k++) {
      out += input.text[k];
      flags.push(input.defanged[k] as number);
    }
    for (let l = 0; l < labels.length; l++) {
      if (l > 0) {
        out += '.';
        flags.push(1);
      }
      for (const c of labels[l] as string) {
        out += c;
        flags.push(0);
      }
    }
    last = start + chain.length;
  }
  if (last === 0) return input;
  for (let k = last; k < input.text.length; k++) {
    out += input.text[k];
    flags.push(input.defanged[k] as number);
  }
  return { text: out, defanged: Uint8Array.from(flags) };
}

/** Refang a text (one line or a whole value). See the module comment for the rules. */
export function refang(text: string): Refanged {
  let out = '';
  const flags: number[] = [];
  const emit = (value: string, flag: number): void => {
    out += value;
    for (let k = 0; k < value.length; k++) flags.push(flag);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === 'h' || c === 'H' || c === 'f' || c === 'F') {
      const scheme = schemeAt(text, i);
      if (scheme !== null) {
        emit(scheme.scheme, 1);
        i += scheme.length;
        continue;
      }
    }
    if (c === '[' || c === '(' || c === '{') {
      const token = bracketAt(text, i);
      if (token !== null) {
        if (token.value === '.' || token.value === '@') {
          // `evil [.] com`: drop the spaces around a bracketed dot/at between two alphanumerics.
          let after = i + token.length;
          while (text[after] === ' ') after++;
          let trimmed = out.length;
          while (trimmed > 0 && out[trimmed - 1] === ' ') trimmed--;
          if (trimmed < out.length && isAlnum(out[trimmed - 1]) && isAlnum(text[after])) {
            out = out.slice(0, trimmed);
            flags.length = trimmed;
            emit(token.value, 1);
            i = after;
            continue;
          }
        }
        emit(token.value, 1);
        i += token.length;
        continue;
      }
    }
    if (c === '\\' && text[i + 1] === '.' && isAlnum(out[out.length - 1]) && isAlnum(text[i + 2])) {
      emit('.', 1);
      i += 2;
      continue;
    }
    emit(c, 0);
    i++;
  }
  return refangSpacedDots({ text: out, defanged: Uint8Array.from(flags) });
}

/** Refang one feed value (a CSV cell, a MISP value): the text only. */
export function refangValue(value: string): string {
  return refang(value).text;
}
