/** A tiny seeded PRNG (mulberry32) so property and fuzz tests are reproducible without extra dependencies. */
export interface Rng {
  /** Float in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** String of `length` characters drawn from `alphabet`. */
  string(alphabet: string, length: number): string;
  chance(probability: number): boolean;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const rng: Rng = {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
    string: (alphabet, length) => {
      const chars = [...alphabet];
      let out = '';
      for (let i = 0; i < length; i++) out += chars[int(0, chars.length - 1)];
      return out;
    },
    chance: (probability) => next() < probability,
  };
  return rng;
}
