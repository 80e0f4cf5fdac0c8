/**
 * KQL literal and comment escaping. Every feed value reaches KQL only through these functions.
 */

/**
 * A KQL double-quoted string literal whose value is exactly `value`: backslash and quote are escaped, line breaks and
 * other control characters become escapes, so no value can end the literal or the statement.
 */
export function kqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** Text safe inside a `//` comment: one line, control characters replaced by spaces. */
export function kqlCommentText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]+/g, ' ').trim();
}

/** A KQL identifier for a generated name (letters, digits, underscore). */
export function kqlIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a safe KQL identifier: ${name}`);
  return name;
}
