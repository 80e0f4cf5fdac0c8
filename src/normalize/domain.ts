/**
 * Domain name validation and canonical form: lower-case, no trailing dot, IDN as punycode (A-labels).
 */
import { domainToASCII } from 'node:url';
import { fail, ok, type Result } from './text.js';

// Letters, digits, hyphen, plus underscore: real IOCs use `_` in subdomains (`_dmarc`, DDNS hosts) and DNS allows it.
const LABEL = /^[a-z0-9_-]{1,63}$/;
// Top-level labels are letters/digits/hyphen only and cannot begin or end with a hyphen.
const TLD = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const ALL_DIGITS = /^[0-9]+$/;
const IPV4_LIKE = /^[0-9.]+$/;
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;

/**
 * Normalise and validate a domain name: trim, lower-case, strip trailing dots, convert IDN to punycode, then check
 * labels (1..63 chars of `[a-z0-9_-]`), total length (≤ 253), at least two labels and a non-numeric TLD.
 * Reserved names (`*.example`, `*.test`) are valid here; flagging them is a later step.
 */
export function normalizeDomain(input: string): Result<string> {
  let name = input.trim().replace(/\.+$/, '');
  if (name === '') return fail(`empty domain "${input}"`);
  if (IPV4_LIKE.test(name)) return fail(`domain looks like an IP address "${input}"`);
  if (ASCII_ONLY.test(name)) {
    name = name.toLowerCase();
  } else {
    // UTS-46 mapping (case folding, full-width dots) and punycode; an empty answer means the name is invalid.
    const ascii = domainToASCII(name);
    if (ascii === '') return fail(`invalid internationalised domain "${input}"`);
    name = ascii.replace(/\.+$/, '');
  }
  if (name.length > 253) return fail(`domain longer than 253 characters "${input}"`);
  const labels = name.split('.');
  if (labels.length < 2) return fail(`domain needs at least two labels "${input}"`);
  for (const label of labels) {
    if (!LABEL.test(label)) return fail(`invalid domain label "${label}" in "${input}"`);
  }
  const tld = labels[labels.length - 1] as string;
  if (ALL_DIGITS.test(tld) || !TLD.test(tld)) return fail(`invalid top-level label "${tld}" in "${input}"`);
  if (name.includes('xn--') && domainToASCII(name) === '') return fail(`invalid punycode in domain "${input}"`);
  return ok(name);
}
