/**
 * Locate a JSON syntax error. `JSON.parse` messages in Node 20 only sometimes carry a position ("Unexpected token" and
 * "Unexpected end" do not), so on the error path a small scanner finds the offset of the first invalid character.
 */

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** End offset of the JSON string starting at `start` (a `"`), or -(errorOffset + 1). */
function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20) return -(i + 1);
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === undefined) return -(text.length + 1);
      if (next === 'u') {
        if (!HEX4.test(text.slice(i + 2, i + 6))) return -(Math.min(i + 2, text.length) + 1);
        i += 6;
        continue;
      }
      if (!'"\\/bfnrt'.includes(next)) return -(i + 2);
      i += 2;
      continue;
    }
    i++;
  }
  return -(text.length + 1);
}

/** End offset of the scalar starting at `start`, or -(errorOffset + 1). */
function scanScalar(text: string, start: number): number {
  const c = text[start];
  if (c === '"') return scanString(text, start);
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, start)) return start + literal.length;
  }
  NUMBER.lastIndex = start;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  return -(start + 1);
}

type Expect = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'after';

/**
 * Offset (UTF-16 index) of the first JSON syntax error in `text`; `text.length` when the input ends early; -1 when the
 * text is valid JSON.
 */
export function jsonErrorOffset(text: string): number {
  const stack: Array<'[' | '{'> = [];
  let expect: Expect = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i >= text.length) return expect === 'after' && stack.length === 0 ? -1 : text.length;
    const c = text[i];
    if (expect === 'valueOrClose' && c === ']') {
      stack.pop();
      i++;
      expect = 'after';
      continue;
    }
    if (expect === 'keyOrClose' && c === '}') {
      stack.pop();
      i++;
      expect = 'after';
      continue;
    }
    if (expect === 'value' || expect === 'valueOrClose') {
      if (c === '[' || c === '{') {
        stack.push(c);
        i++;
        expect = c === '[' ? 'valueOrClose' : 'keyOrClose';
        continue;
      }
      const end = scanScalar(text, i);
      if (end < 0) return -end - 1;
      i = end;
      expect = 'after';
      continue;
    }
    if (expect === 'key' || expect === 'keyOrClose') {
      if (c !== '"') return i;
      const end = scanString(text, i);
      if (end < 0) return -end - 1;
      i = end;
      expect = 'colon';
      continue;
    }
    if (expect === 'colon') {
      if (c !== ':') return i;
      i++;
      expect = 'value';
      continue;
    }
    // expect === 'after'
    const top = stack[stack.length - 1];
    if (top === undefined) return i;
    if (c === ',') expect = top === '[' ? 'value' : 'key';
    else if ((c === ']' && top === '[') || (c === '}' && top === '{')) {
      stack.pop();
      expect = 'after';
    } else return i;
    i++;
  }
}

/** 1-based line and column of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Offset reported by V8 in the message, if any. */
export function jsonErrorPosition(message: string): number | null {
  const m = / at position (\d+)/.exec(message);
  return m === null ? null : Number(m[1]);
}

function describeChar(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || char === '\ufffd'
    ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
    : `'${char}'`;
}

/**
 * Where and why `JSON.parse(text)` failed with `error`: the UTF-16 offset (V8's when it reports one, else the scanner's)
 * and V8's reason without its position or the echoed source excerpt. The excerpt can be the whole document, span lines
 * and contain control characters, so "Unexpected token" reasons are rebuilt from the character at the offset.
 */
export function explainJsonError(text: string, error: unknown): { offset: number; reason: string } {
  const message = error instanceof Error ? error.message : String(error);
  let offset = jsonErrorPosition(message);
  if (offset === null) {
    const scanned = jsonErrorOffset(text);
    offset = scanned < 0 ? text.length : scanned;
  }
  if (/is not valid JSON\s*$/.test(message)) {
    const char = String.fromCodePoint(text.codePointAt(offset) ?? 0);
    return { offset, reason: offset < text.length ? `Unexpected token ${describeChar(char)}` : 'Unexpected end of JSON input' };
  }
  const reason = message
    .replace(/(?: in JSON)? at position \d+.*$/s, '')
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .trim();
  return { offset, reason: reason === '' ? 'invalid JSON' : reason };
}

/** One-line description `<reason> at line L column C` of why `text` failed `JSON.parse` with `error`. */
export function describeJsonError(text: string, error: unknown): string {
  const { offset, reason } = explainJsonError(text, error);
  const { line, column } = lineColumn(text, offset);
  return `${reason} at line ${line} column ${column}`;
}
