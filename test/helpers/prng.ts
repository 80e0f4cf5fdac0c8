/** A tiny seeded PRNG (mulberry32) so property tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random string mixing ASCII punctuation, KQL-significant characters, controls and non-ASCII. */
export function randomString(rand: () => number, maxLen = 40): string {
  const pool = ['"', "'", '\\', ']', ')', ';', '|', '/', '//', '\n', '\r', '\t', '\u0000', '\u001f', '\u2028', 'é', '😀', '<', '>', '`', '@', '{', '}', 'a', 'Z', '0', ' ', '.', '#', '$', '%', '&', '*', '[', '(', ',', ':'];
  const n = Math.floor(rand() * maxLen);
  let s = '';
  for (let i = 0; i < n; i++) s += pool[Math.floor(rand() * pool.length)]!;
  return s;
}
