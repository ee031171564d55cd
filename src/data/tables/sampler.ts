import { ConfigError, DataError } from '../../errors.js';
import { LegacyRandomState } from './legacyRandomState.js';

/** How a sample's label weights are reduced to one sampling weight (seed-spec §5.2). */
export type SampleWeightMode = 'mean' | 'median' | 'max' | 'meanmax';

export const SAMPLE_WEIGHT_MODES: readonly SampleWeightMode[] = ['mean', 'median', 'max', 'meanmax'];

/**
 * Per-sample weights (seed-spec §5.2): M = L·w per class; zero entries are ignored (also a label whose class
 * weight is exactly 0, as in the seed); each row is reduced over its remaining entries by `mode`
 * (mean, median, max, or (mean + max)/2). A sample with no labels gets NaN.
 */
export function sampleWeights(labels: ArrayLike<number>, numClasses: number, classWeights: ArrayLike<number>, mode: SampleWeightMode): Float64Array {
  const C = numClasses;
  if (classWeights.length !== C) throw new DataError(`expected ${C} class weights but received ${classWeights.length}`);
  if (labels.length % C !== 0) throw new DataError(`labels must be an N×${C} matrix but have ${labels.length} values`);
  if (!SAMPLE_WEIGHT_MODES.includes(mode)) throw new ConfigError(`sampler mode must be one of ${SAMPLE_WEIGHT_MODES.join(', ')} but received "${String(mode)}"`);
  const n = labels.length / C;
  const out = new Float64Array(n);
  const row = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let c = 0; c < C; c++) {
      // Only the sample's own labels count: a class absent from the data has weight ±Infinity or NaN, and
      // 0 × Infinity would otherwise poison every row (numpy's nan-reductions skip it the same way).
      if (!labels[i * C + c]) continue;
      const v = labels[i * C + c] * classWeights[c];
      if (v !== 0) row[k++] = v;
    }
    if (k === 0) {
      out[i] = NaN;
      continue;
    }
    let sum = 0;
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      sum += row[j];
      if (row[j] > max) max = row[j];
    }
    const mean = sum / k;
    if (mode === 'mean') out[i] = mean;
    else if (mode === 'max') out[i] = max;
    else if (mode === 'meanmax') out[i] = (mean + max) / 2;
    else {
      const s = row.subarray(0, k).sort();
      const m = k >> 1;
      out[i] = k % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
  }
  return out;
}

export interface WeightedSamplerOptions {
  /** Indices drawn per epoch. Default: the number of weights (the seed's choice). */
  numSamples?: number;
  /** Seed (0..2^32−1) of the generator, or a generator; null/undefined = nondeterministic. */
  seed?: number | null | LegacyRandomState;
}

/**
 * Draws `numSamples` indices with replacement, each with probability weight_i / Σ weights (the seed's
 * `WeightedRandomSampler`). The generator is numpy's legacy MT19937 (`random()` doubles, inverse CDF by
 * binary search), so draws are reproducible from the seed; they are not torch's multinomial stream.
 */
export class WeightedSampler {
  readonly numSamples: number;
  private readonly cdf: Float64Array;
  private readonly rng: LegacyRandomState;

  constructor(weights: ArrayLike<number>, opts: WeightedSamplerOptions = {}) {
    if (weights.length === 0) throw new DataError('the weighted sampler needs at least one weight');
    this.cdf = new Float64Array(weights.length);
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new DataError(`sample weight ${i} is ${w}; weights must be finite and >= 0 (a sample without labels has no weight)`);
      }
      acc += w;
      this.cdf[i] = acc;
    }
    if (!(acc > 0)) throw new DataError('the sample weights sum to 0; nothing can be drawn');
    this.numSamples = opts.numSamples ?? weights.length;
    if (!Number.isInteger(this.numSamples) || this.numSamples < 0) throw new ConfigError(`numSamples must be a non-negative integer but received ${this.numSamples}`);
    this.rng = opts.seed instanceof LegacyRandomState ? opts.seed : new LegacyRandomState(opts.seed);
  }

  /** One draw: an index in 0..len−1. */
  next(): number {
    const cdf = this.cdf;
    const u = this.rng.random() * cdf[cdf.length - 1];
    // First index whose cumulative weight exceeds u (zero-weight entries are never picked).
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** One epoch: `numSamples` indices drawn with replacement. */
  sample(): Int32Array {
    const out = new Int32Array(this.numSamples);
    for (let i = 0; i < out.length; i++) out[i] = this.next();
    return out;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.numSamples; i++) yield this.next();
  }
}
