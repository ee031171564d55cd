import { ConfigError, DataError } from '../../errors.js';

/** How class frequencies become weights (seed-spec §5.1). `null` is the same as `'none'` (1/freq). */
export type FrequencyScaling = 'none' | 'median' | 'majority' | 'minority' | 'log' | null;

export const FREQUENCY_SCALINGS: readonly Exclude<FrequencyScaling, null>[] = ['none', 'median', 'majority', 'minority', 'log'];

export interface ClassWeightOptions {
  scaling?: FrequencyScaling;
  /** r in ln(r / freq) for `log` scaling. Default 1. */
  dampingR?: number;
  /** Lower clip bound; null/undefined = no lower limit. */
  minClip?: number | null;
  /** Upper clip bound; null/undefined = no upper limit. */
  maxClip?: number | null;
  /** Optional per-sample weights s (length N): frequencies are then those seen under a sampler using s. */
  sampleWeights?: ArrayLike<number>;
}

/**
 * Class frequencies of a row-major N×C 0/1 matrix: count_c / Σ counts, or with sample weights s,
 * mean_n(L[n,c]·s_n) normalised to sum 1 (seed-spec §5.1).
 */
export function classFrequencies(labels: ArrayLike<number>, numClasses: number, sampleWeights?: ArrayLike<number>): Float64Array {
  const C = numClasses;
  if (labels.length % C !== 0) throw new DataError(`labels must be an N×${C} matrix but have ${labels.length} values`);
  const n = labels.length / C;
  if (sampleWeights && sampleWeights.length !== n) {
    throw new DataError(`sample weights have ${sampleWeights.length} entries but the labels have ${n} rows`);
  }
  const w = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const s = sampleWeights ? sampleWeights[i] : 1;
    for (let c = 0; c < C; c++) if (labels[i * C + c]) w[c] += s;
  }
  if (sampleWeights) for (let c = 0; c < C; c++) w[c] /= n;
  let sum = 0;
  for (const v of w) sum += v;
  for (let c = 0; c < C; c++) w[c] /= sum;
  return w;
}

/** numpy's median: the middle value, or the mean of the two middle values for an even count. */
export function numpyMedian(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Class weights by frequency balancing, the seed's `frequency_balancing` (seed-spec §5.1):
 * none → 1/freq, median → median(freq)/freq, majority → max(freq)/freq, minority → min(freq)/freq,
 * log → ln(dampingR/freq) (negative when freq > dampingR); then clipped to [minClip, maxClip] when either is set.
 */
export function classWeights(labels: ArrayLike<number>, numClasses: number, opts: ClassWeightOptions = {}): Float64Array {
  const freq = classFrequencies(labels, numClasses, opts.sampleWeights);
  const scaling = opts.scaling ?? 'none';
  const w = new Float64Array(freq.length);
  let num = 1;
  switch (scaling) {
    case 'none':
      break;
    case 'median':
      num = numpyMedian(freq);
      break;
    case 'majority':
      num = Math.max(...freq);
      break;
    case 'minority':
      num = Math.min(...freq);
      break;
    case 'log': {
      const r = opts.dampingR ?? 1;
      if (!(r > 0)) throw new ConfigError(`damping_r must be > 0 but received ${r}`);
      for (let c = 0; c < w.length; c++) w[c] = Math.log(r / freq[c]);
      return clip(w, opts.minClip, opts.maxClip);
    }
    default:
      throw new ConfigError(`scaling must be one of ${FREQUENCY_SCALINGS.join(', ')} or null but received "${String(scaling)}"`);
  }
  for (let c = 0; c < w.length; c++) w[c] = num / freq[c];
  return clip(w, opts.minClip, opts.maxClip);
}

function clip(w: Float64Array, lo?: number | null, hi?: number | null): Float64Array {
  if (lo == null && hi == null) return w;
  if (lo != null && hi != null && lo > hi) throw new ConfigError(`min_clip ${lo} is greater than max_clip ${hi}`);
  for (let c = 0; c < w.length; c++) {
    if (lo != null && w[c] < lo) w[c] = lo;
    if (hi != null && w[c] > hi) w[c] = hi;
  }
  return w;
}
