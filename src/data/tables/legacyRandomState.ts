import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../errors.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * numpy's legacy `RandomState` (MT19937), bit for bit, for the calls iterative-stratification and the seed
 * make: integer seeding (`init_genrand`), raw 32-bit outputs, `choice(n)` and `randint` by masked rejection,
 * `shuffle` (Fisher–Yates from the end) and `random()` (53-bit doubles, numpy's `random_sample`).
 * Reproducing it exactly is what makes hpaic's folds identical to the seed's for the same `random_state`.
 */
export class LegacyRandomState {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /**
   * @param seed an integer in 0..2^32−1 (numpy's rule), or null/undefined for a nondeterministic seed
   * (numpy then seeds from OS entropy; here: 32 random bits from the OS).
   */
  constructor(seed?: number | null) {
    this.seed(seed ?? randomBytes(4).readUInt32LE(0));
  }

  /** Re-seed like `RandomState.seed(seed)` with an integer seed. */
  seed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new ConfigError(`random seed must be an integer between 0 and 2**32 - 1 but received ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  /** The next raw 32-bit output (numpy's `next_uint32`), as an unsigned number. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /**
   * A uniform integer in [0, max] by masked rejection (numpy's `random_interval` / legacy bounded draw):
   * AND 32-bit outputs with the smallest all-ones mask ≥ max until the value is ≤ max. `max = 0` draws nothing.
   */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) throw new RangeError(`interval: max must be an integer in 0..2**32-1, got ${max}`);
    if (max === 0xffffffff) return this.nextUint32();
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `RandomState.choice(n)` for an integer n ≥ 1: a uniform index in [0, n−1] (no draw when n = 1). */
  choice(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`choice: n must be a positive integer, got ${n}`);
    return this.interval(n - 1);
  }

  /** `RandomState.randint(low, high)`: a uniform integer in [low, high). */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new RangeError(`randint: low >= high (${low}, ${high})`);
    return low + this.interval(high - low - 1);
  }

  /** `RandomState.shuffle(a)` in place: for i = n−1 down to 1, swap a[i] with a[interval(i)]. */
  shuffle<T>(a: { length: number; [i: number]: T }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** `RandomState.permutation(n)`: a shuffled 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** `RandomState.random_sample()`: a double in [0, 1) from two outputs, (a >> 5)·2^26 + (b >> 6) over 2^53. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
