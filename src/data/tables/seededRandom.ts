/**
 * Small seeded random number generators for augmentation and loading.
 *
 * The generator is **mulberry32** (Tommy Ettinger, public domain): 32 bits of state, one multiply-xorshift
 * round per draw, period 2^32. That is plenty for drawing a handful of augmentation parameters per sample,
 * and its state is a single number, so a per-sample generator costs nothing to create. Seeds for
 * independent streams are derived with `hashSeed`, a murmur3-style mix of several integers, so that
 * (seed, epoch, position) gives the same draws whichever worker thread handles the sample.
 */

/** A random source: each call returns a float uniformly distributed in [0, 1). */
export type Rng = () => number;

/** mulberry32 seeded with the low 32 bits of `seed`. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes integers (each taken modulo 2^32) into one well-spread 32-bit seed (murmur3 finaliser per step). */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Split doubles beyond 32 bits so large seeds (e.g. Date.now()) do not collide on their low bits.
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      let k = Math.imul(w, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A generator for an independent stream identified by `parts`, e.g. `seededRandom(seed, epoch, position)`. */
export function seededRandom(...parts: number[]): Rng {
  return mulberry32(hashSeed(...parts));
}

/** Uniform float in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** Uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle in place; returns `a`. */
export function shuffleInPlace<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
