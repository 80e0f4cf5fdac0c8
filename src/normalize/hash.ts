/**
 * File hash validation: lower-case hex of the exact length for the algorithm.
 */
import { fail, ok, type Result } from './text.js';

/** Hash IOC types and their hex lengths. */
export const HASH_LENGTHS = { md5: 32, sha1: 40, sha256: 64, 'sha3-384': 96 } as const;
export type HashType = keyof typeof HASH_LENGTHS;

const HEX = /^[0-9a-f]+$/;

/** Normalise a hash to lower-case hex and check it has exactly the algorithm's length. */
export function normalizeHash(type: HashType, input: string): Result<string> {
  const value = input.trim().toLowerCase();
  if (!HEX.test(value)) return fail(`invalid ${type} hash (not hex) "${input.trim()}"`);
  if (value.length !== HASH_LENGTHS[type]) {
    return fail(`invalid ${type} hash (${value.length} hex digits, expected ${HASH_LENGTHS[type]}) "${input.trim()}"`);
  }
  return ok(value);
}
