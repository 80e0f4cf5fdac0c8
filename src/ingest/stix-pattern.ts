/**
 * The STIX 2.1 patterning language, the subset indicators use in practice: a tokenizer and a recursive-descent parser
 * (no regular-expression matching of whole patterns), then an interpretation of the parsed pattern as IOCs.
 *
 * Grammar read here (STIX 2.1 §9):
 *
 *   pattern     := obsOr qualifier*
 *   obsOr       := obsAnd ('OR' obsAnd)*            obsAnd := obsSeq ('AND' obsSeq)*
 *   obsSeq      := obsPrimary ('FOLLOWEDBY' obsPrimary)*
 *   obsPrimary  := '[' cmpOr ']' qualifier* | '(' obsOr ')' qualifier*
 *   cmpOr       := cmpAnd ('OR' cmpAnd)*            cmpAnd := cmpPrimary ('AND' cmpPrimary)*
 *   cmpPrimary  := '(' cmpOr ')' | path ['NOT'] op value
 *   value       := literal | '(' literal (',' literal)* ')'
 *   literal     := 'string' (with \' \\ and '' escapes) | t'…' | h'…' | b'…' | number | true | false
 *   qualifier   := WITHIN n SECONDS | REPEATS n TIMES | START t'…' STOP t'…'
 *
 * Interpretation (what becomes an IOC, see {@link patternIndicators}): equality (or IN) on `domain-name:value`,
 * `url:value`, `ipv4-addr:value`, `ipv6-addr:value`, `email-addr:value`, `email-message:from_ref.value`,
 * `file:hashes.<MD5|SHA-1|SHA-256|SHA3-384>`, and `network-traffic:dst_ref.value` (+ `dst_ref.type`, `dst_port`).
 * OR yields every branch; AND must describe one object (an address and its port, the hashes of one file). Anything else
 * is reported as unsupported, never guessed.
 */

/** A literal value in a comparison. */
export type Literal =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'timestamp' | 'hex' | 'binary'; readonly value: string };

/** An object path: `file:hashes.'SHA-256'` → objectType `file`, path `['hashes', 'SHA-256']`. */
export interface ObjectPath {
  readonly objectType: string;
  readonly path: readonly string[];
}

export type Comparison =
  | { readonly kind: 'cmp'; readonly path: ObjectPath; readonly op: string; readonly negated: boolean; readonly values: readonly Literal[] }
  | { readonly kind: 'and' | 'or'; readonly of: readonly Comparison[] };

export type Observation =
  | { readonly kind: 'obs'; readonly expr: Comparison }
  | { readonly kind: 'obsOr' | 'obsAnd' | 'followedBy'; readonly of: readonly Observation[] };

export class PatternSyntaxError extends Error {}

type Token =
  | { readonly t: 'punct'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'path'; readonly v: ObjectPath; readonly at: number }
  | { readonly t: 'literal'; readonly v: Literal; readonly at: number };

const MAX_PATTERN = 100_000;
const MAX_DEPTH = 64;

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && (isIdentStart(c) || (c >= '0' && c <= '9') || c === '-');
}

/** Read a quoted string starting at the opening quote; returns the value and the index after the closing quote. */
function readString(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== "'" && next !== '\\') throw new PatternSyntaxError(`invalid escape \\${next ?? ''} in string at ${i}`);
      value += next;
      i += 2;
      continue;
    }
    if (c === "'") {
      // `''` inside a string is an escaped quote (SQL style, seen in hand-written patterns).
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
  throw new PatternSyntaxError(`unterminated string starting at ${start}`);
}

/** Read an object path (`type:prop.sub`, `file:hashes.'SHA-256'`, `x:refs[*].value`) starting at `start`. */
function readPath(text: string, start: number): { path: ObjectPath; end: number } {
  let i = start;
  while (isIdentChar(text[i])) i++;
  const objectType = text.slice(start, i);
  if (text[i] !== ':') throw new PatternSyntaxError(`expected ":" after object type "${objectType}" at ${i}`);
  i++;
  const path: string[] = [];
  for (;;) {
    if (text[i] === "'") {
      const s = readString(text, i);
      path.push(s.value);
      i = s.end;
    } else if (isIdentStart(text[i])) {
      const from = i;
      while (isIdentChar(text[i])) i++;
      path.push(text.slice(from, i));
    } else {
      throw new PatternSyntaxError(`expected a property name at ${i}`);
    }
    if (text[i] === '[') {
      const close = text.indexOf(']', i);
      const index = close < 0 ? '' : text.slice(i + 1, close);
      if (!/^(?:\*|[0-9]+)$/.test(index)) throw new PatternSyntaxError(`invalid list index at ${i}`);
      path.push(`[${index}]`);
      i = close + 1;
    }
    if (text[i] !== '.') break;
    i++;
  }
  return { path: { objectType, path }, end: i };
}

/** Split a pattern into tokens. */
export function tokenize(text: string): Token[] {
  if (text.length > MAX_PATTERN) throw new PatternSyntaxError(`pattern longer than ${MAX_PATTERN} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if ('[]()'.includes(c) || c === ',') {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
    } else if (c === '=' || c === '!' || c === '<' || c === '>') {
      const two = text.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=' || two === '==') {
        tokens.push({ t: 'op', v: two === '==' ? '=' : two, at: i });
        i += 2;
      } else if (c === '!') {
        throw new PatternSyntaxError(`unexpected "!" at ${i}`);
      } else {
        tokens.push({ t: 'op', v: c, at: i });
        i++;
      }
    } else if (c === "'") {
      const s = readString(text, i);
      tokens.push({ t: 'literal', v: { kind: 'string', value: s.value }, at: i });
      i = s.end;
    } else if ((c === 't' || c === 'h' || c === 'b') && text[i + 1] === "'") {
      const s = readString(text, i + 1);
      const kind = c === 't' ? 'timestamp' : c === 'h' ? 'hex' : 'binary';
      tokens.push({ t: 'literal', v: { kind, value: s.value }, at: i });
      i = s.end;
    } else if ((c >= '0' && c <= '9') || (c === '-' && text[i + 1] !== undefined && text[i + 1]! >= '0' && text[i + 1]! <= '9')) {
      const from = i;
      i++;
      while (i < text.length && /[0-9.eE+-]/.test(text[i] as string)) i++;
      const value = Number(text.slice(from, i));
      if (!Number.isFinite(value)) throw new PatternSyntaxError(`invalid number at ${from}`);
      tokens.push({ t: 'literal', v: { kind: 'number', value }, at: from });
    } else if (isIdentStart(c)) {
      let j = i;
      while (isIdentChar(text[j])) j++;
      if (text[j] === ':') {
        const p = readPath(text, i);
        tokens.push({ t: 'path', v: p.path, at: i });
        i = p.end;
      } else {
        const word = text.slice(i, j);
        if (word === 'true' || word === 'false') tokens.push({ t: 'literal', v: { kind: 'boolean', value: word === 'true' }, at: i });
        else tokens.push({ t: 'word', v: word.toUpperCase(), at: i });
        i = j;
      }
    } else {
      throw new PatternSyntaxError(`unexpected character "${c}" at ${i}`);
    }
  }
  return tokens;
}

const COMPARISON_OPS = new Set(['=', '!=', '<', '>', '<=', '>=']);
const WORD_OPS = new Set(['LIKE', 'MATCHES', 'IN', 'ISSUBSET', 'ISSUPERSET']);

/** Parse a STIX pattern into its observation tree; throws {@link PatternSyntaxError}. */
export function parsePattern(text: string): Observation {
  const tokens = tokenize(text);
  let pos = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (word: string): boolean => {
    const t = tokens[pos];
    return t !== undefined && t.t === 'word' && t.v === word;
  };
  const isPunct = (p: string): boolean => {
    const t = tokens[pos];
    return t !== undefined && t.t === 'punct' && t.v === p;
  };
  const where = (): string => {
    const t = peek();
    return t === undefined ? 'end of pattern' : `position ${t.at}`;
  };
  const expectPunct = (p: string): void => {
    if (!isPunct(p)) throw new PatternSyntaxError(`expected "${p}" at ${where()}`);
    pos++;
  };
  const enter = (): void => {
    if (++depth > MAX_DEPTH) throw new PatternSyntaxError(`pattern nested deeper than ${MAX_DEPTH} levels`);
  };

  function literal(): Literal {
    const t = peek();
    if (t === undefined || t.t !== 'literal') throw new PatternSyntaxError(`expected a value at ${where()}`);
    pos++;
    return t.v;
  }

  function comparison(): Comparison {
    const t = peek();
    if (t === undefined || t.t !== 'path') throw new PatternSyntaxError(`expected an object path at ${where()}`);
    pos++;
    let negated = false;
    if (isWord('NOT')) {
      negated = true;
      pos++;
    }
    const opToken = peek();
    let op: string;
    if (opToken !== undefined && opToken.t === 'op' && COMPARISON_OPS.has(opToken.v)) op = opToken.v;
    else if (opToken !== undefined && opToken.t === 'word' && WORD_OPS.has(opToken.v)) op = opToken.v;
    else throw new PatternSyntaxError(`expected a comparison operator at ${where()}`);
    pos++;
    const values: Literal[] = [];
    if (isPunct('(')) {
      pos++;
      values.push(literal());
      while (isPunct(',')) {
        pos++;
        values.push(literal());
      }
      expectPunct(')');
    } else {
      values.push(literal());
    }
    return { kind: 'cmp', path: t.v, op, negated, values };
  }

  function cmpPrimary(): Comparison {
    if (isPunct('(')) {
      enter();
      pos++;
      const inner = cmpOr();
      expectPunct(')');
      depth--;
      return inner;
    }
    return comparison();
  }

  function cmpAnd(): Comparison {
    const of = [cmpPrimary()];
    while (isWord('AND')) {
      pos++;
      of.push(cmpPrimary());
    }
    return of.length === 1 ? (of[0] as Comparison) : { kind: 'and', of };
  }

  function cmpOr(): Comparison {
    const of = [cmpAnd()];
    while (isWord('OR')) {
      pos++;
      of.push(cmpAnd());
    }
    return of.length === 1 ? (of[0] as Comparison) : { kind: 'or', of };
  }

  function qualifiers(): void {
    for (;;) {
      if (isWord('WITHIN')) {
        pos++;
        literal();
        if (!isWord('SECONDS')) throw new PatternSyntaxError(`expected SECONDS at ${where()}`);
        pos++;
      } else if (isWord('REPEATS')) {
        pos++;
        literal();
        if (!isWord('TIMES')) throw new PatternSyntaxError(`expected TIMES at ${where()}`);
        pos++;
      } else if (isWord('START')) {
        pos++;
        literal();
        if (!isWord('STOP')) throw new PatternSyntaxError(`expected STOP at ${where()}`);
        pos++;
        literal();
      } else {
        return;
      }
    }
  }

  function obsPrimary(): Observation {
    enter();
    let result: Observation;
    if (isPunct('[')) {
      pos++;
      result = { kind: 'obs', expr: cmpOr() };
      expectPunct(']');
    } else if (isPunct('(')) {
      pos++;
      result = obsOr();
      expectPunct(')');
    } else {
      throw new PatternSyntaxError(`expected "[" at ${where()}`);
    }
    qualifiers();
    depth--;
    return result;
  }

  function obsSeq(): Observation {
    const of = [obsPrimary()];
    while (isWord('FOLLOWEDBY')) {
      pos++;
      of.push(obsPrimary());
    }
    return of.length === 1 ? (of[0] as Observation) : { kind: 'followedBy', of };
  }

  function obsAnd(): Observation {
    const of = [obsSeq()];
    while (isWord('AND')) {
      pos++;
      of.push(obsSeq());
    }
    return of.length === 1 ? (of[0] as Observation) : { kind: 'obsAnd', of };
  }

  function obsOr(): Observation {
    const of = [obsAnd()];
    while (isWord('OR')) {
      pos++;
      of.push(obsAnd());
    }
    return of.length === 1 ? (of[0] as Observation) : { kind: 'obsOr', of };
  }

  if (tokens.length === 0) throw new PatternSyntaxError('empty pattern');
  const tree = obsOr();
  qualifiers();
  if (pos < tokens.length) throw new PatternSyntaxError(`unexpected input at ${where()}`);
  return tree;
}

// ---- interpretation ----------------------------------------------------------------------------------------------

/** An IOC a pattern names: a kind as in `normalizeIndicatorValue`, the value, and a port for addresses. */
export interface PatternIndicator {
  readonly kind: 'domain' | 'url' | 'ip' | 'email' | 'md5' | 'sha1' | 'sha256' | 'sha3-384';
  readonly value: string;
  readonly port?: number;
}

/** Every IOC of a pattern plus the parts that could not be used (each one reason). */
export interface PatternResult {
  readonly indicators: readonly PatternIndicator[];
  readonly unsupported: readonly string[];
}

const HASH_ALGORITHMS: ReadonlyMap<string, PatternIndicator['kind']> = new Map([
  ['md5', 'md5'],
  ['sha-1', 'sha1'],
  ['sha1', 'sha1'],
  ['sha-256', 'sha256'],
  ['sha256', 'sha256'],
  ['sha3-384', 'sha3-384'],
]);

function pathText(path: ObjectPath): string {
  return `${path.objectType}:${path.path.map((p) => (/^[A-Za-z_][A-Za-z0-9_-]*$|^\[/.test(p) ? p : `'${p}'`)).join('.').replace(/\.\[/g, '[')}`;
}

function describeComparison(c: Comparison): string {
  if (c.kind !== 'cmp') return c.of.map(describeComparison).join(` ${c.kind.toUpperCase()} `);
  return `${pathText(c.path)} ${c.negated ? 'NOT ' : ''}${c.op} …`;
}

type LeafRole =
  | { readonly role: 'value'; readonly kind: PatternIndicator['kind'] | 'address' }
  | { readonly role: 'port' }
  | { readonly role: 'ref-type' }
  | { readonly role: 'narrowing' };

/** What a comparison path means for IOC extraction, or null when it is outside the supported set. */
function roleOf(path: ObjectPath): LeafRole | null {
  const key = `${path.objectType.toLowerCase()}:${path.path.join('.')}`;
  switch (key) {
    case 'domain-name:value':
      return { role: 'value', kind: 'domain' };
    case 'url:value':
      return { role: 'value', kind: 'url' };
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
      return { role: 'value', kind: 'ip' };
    case 'email-addr:value':
    case 'email-message:from_ref.value':
    case 'email-message:sender_ref.value':
      return { role: 'value', kind: 'email' };
    case 'network-traffic:dst_ref.value':
      return { role: 'value', kind: 'address' };
    case 'network-traffic:dst_port':
      return { role: 'port' };
    case 'network-traffic:dst_ref.type':
      return { role: 'ref-type' };
    case 'file:name':
    case 'file:size':
      // Names and sizes only narrow a file that a hash already identifies.
      return { role: 'narrowing' };
  }
  if (path.objectType.toLowerCase() === 'file' && path.path.length === 2 && path.path[0] === 'hashes') {
    const kind = HASH_ALGORITHMS.get((path.path[1] as string).toLowerCase());
    if (kind !== undefined) return { role: 'value', kind };
  }
  return null;
}

function stringValues(c: Extract<Comparison, { kind: 'cmp' }>): string[] | string {
  if (c.negated) return `negated comparison ${describeComparison(c)}`;
  if (c.op !== '=' && c.op !== 'IN') return `operator ${c.op} in ${describeComparison(c)} (only = and IN name IOCs)`;
  const out: string[] = [];
  for (const v of c.values) {
    if (v.kind !== 'string') return `non-string value in ${describeComparison(c)}`;
    out.push(v.value);
  }
  if (c.op === '=' && out.length !== 1) return `= with a list in ${describeComparison(c)}`;
  return out;
}

/** `address` kind → ip or domain by shape (network-traffic refs point at either). */
function addressKind(value: string, refType: string | null): PatternIndicator['kind'] {
  if (refType === 'domain-name') return 'domain';
  if (refType === 'ipv4-addr' || refType === 'ipv6-addr') return 'ip';
  return /^[0-9.]+(?:\/\d+)?$/.test(value) || value.includes(':') ? 'ip' : 'domain';
}

/** One comparison, or an AND of comparisons describing one object → IOCs, or the reason it is unsupported. */
function conjunction(leaves: readonly Comparison[]): PatternIndicator[] | string {
  const values: { kind: PatternIndicator['kind'] | 'address'; value: string }[] = [];
  let port: number | undefined;
  let refType: string | null = null;
  const objectTypes = new Set<string>();
  let narrowing = false;
  for (const leaf of leaves) {
    if (leaf.kind !== 'cmp') return `unsupported STIX pattern: OR inside AND (${describeComparison(leaf)})`;
    const role = roleOf(leaf.path);
    if (role === null) return `unsupported STIX pattern: ${describeComparison(leaf)}`;
    const strings = role.role === 'port' ? null : stringValues(leaf);
    if (typeof strings === 'string') return `unsupported STIX pattern: ${strings}`;
    objectTypes.add(leaf.path.objectType.toLowerCase());
    switch (role.role) {
      case 'value':
        if (leaves.length > 1 && (strings as string[]).length > 1) return `unsupported STIX pattern: IN inside AND (${describeComparison(leaf)})`;
        for (const value of strings as string[]) values.push({ kind: role.kind, value });
        break;
      case 'port': {
        const v = leaf.values[0];
        if (leaf.negated || leaf.op !== '=' || leaf.values.length !== 1 || v === undefined) return `unsupported STIX pattern: ${describeComparison(leaf)}`;
        const n = v.kind === 'number' ? v.value : v.kind === 'string' ? Number(v.value) : NaN;
        if (!Number.isInteger(n) || n < 1 || n > 65535) return `unsupported STIX pattern: invalid dst_port in ${describeComparison(leaf)}`;
        if (port !== undefined && port !== n) return 'unsupported STIX pattern: two different dst_port values';
        port = n;
        break;
      }
      case 'ref-type':
        refType = (strings as string[])[0] ?? null;
        break;
      case 'narrowing':
        narrowing = true;
        break;
    }
  }
  if (values.length === 0) return `unsupported STIX pattern: no IOC value in ${leaves.map(describeComparison).join(' AND ')}`;
  const kinds = new Set(values.map((v) => (v.kind === 'address' ? addressKind(v.value, refType) : v.kind)));
  const hashesOnly = [...kinds].every((k) => k === 'md5' || k === 'sha1' || k === 'sha256' || k === 'sha3-384');
  // Hashes of one file may be ANDed (issue 6: SHA-256 AND SHA-1 AND MD5 → all three hunted); anything else must be one value.
  if (values.length > 1 && !(hashesOnly && leaves.length > 1) && leaves.length > 1) {
    return `unsupported STIX pattern: AND of several values (${leaves.map(describeComparison).join(' AND ')})`;
  }
  if (narrowing && !hashesOnly) return `unsupported STIX pattern: file name or size without a hash (${leaves.map(describeComparison).join(' AND ')})`;
  objectTypes.delete('network-traffic');
  if (objectTypes.size > 1) return `unsupported STIX pattern: AND across object types (${leaves.map(describeComparison).join(' AND ')})`;
  const out: PatternIndicator[] = [];
  for (const v of values) {
    const kind = v.kind === 'address' ? addressKind(v.value, refType) : v.kind;
    if (port !== undefined && kind === 'ip') out.push({ kind, value: v.value, port });
    else if (port !== undefined && kind !== 'domain') return `unsupported STIX pattern: dst_port with ${kind}`;
    else out.push({ kind, value: v.value });
  }
  return out;
}

function comparisonIndicators(c: Comparison, into: { indicators: PatternIndicator[]; unsupported: string[] }): void {
  if (c.kind === 'or') {
    for (const branch of c.of) comparisonIndicators(branch, into);
    return;
  }
  const result = conjunction(c.kind === 'and' ? c.of : [c]);
  if (typeof result === 'string') into.unsupported.push(result);
  else into.indicators.push(...result);
}

function observationIndicators(o: Observation, into: { indicators: PatternIndicator[]; unsupported: string[] }): void {
  if (o.kind === 'obs') comparisonIndicators(o.expr, into);
  else if (o.kind === 'obsOr') for (const branch of o.of) observationIndicators(branch, into);
  else into.unsupported.push(`unsupported STIX pattern: observations joined by ${o.kind === 'obsAnd' ? 'AND' : 'FOLLOWEDBY'} (all must be seen together)`);
}

/** The IOCs a STIX pattern names, plus a reason for each part outside the supported subset. */
export function patternIndicators(pattern: string): PatternResult {
  let tree: Observation;
  try {
    tree = parsePattern(pattern);
  } catch (error) {
    if (error instanceof PatternSyntaxError) return { indicators: [], unsupported: [`unsupported STIX pattern (syntax): ${error.message}`] };
    throw error;
  }
  const into = { indicators: [] as PatternIndicator[], unsupported: [] as string[] };
  observationIndicators(tree, into);
  return into;
}
