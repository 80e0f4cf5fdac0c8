/**
 * Email sender addresses (ThreatFox `envelope_from`, `body_from`).
 */
import { normalizeDomain } from './domain.js';
import { fail, ok, type Result } from './text.js';

// RFC 5322 dot-atom local part; quoted local parts are not accepted (they never appear in ThreatFox data).
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Normalise an email address: trim, lower-case, validate `local@domain` (the domain as in {@link normalizeDomain}). */
export function normalizeEmail(input: string): Result<string> {
  const text = input.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0) return fail(`invalid email address "${input.trim()}"`);
  const local = text.slice(0, at);
  if (local.length > 64 || !LOCAL.test(local)) return fail(`invalid email local part "${input.trim()}"`);
  const domain = normalizeDomain(text.slice(at + 1));
  if (!domain.ok) return fail(`invalid email domain "${input.trim()}"`);
  return ok(`${local}@${domain.value}`);
}
