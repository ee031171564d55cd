/**
 * Decision-threshold search, reproducing the seed's `utils/threshold.py` (seed-spec §11) bit for bit:
 * 1000 candidates from numpy.linspace(0.2, 0.8), scored by the seed's macro F1 (float64 per-class
 * F_c = 2tp / (2tp + fn + fp + 1e-8), averaged with numpy's pairwise summation), ties resolved by numpy.median
 * of the tied candidates.
 *
 * Instead of re-thresholding N×28 probabilities for every candidate (28 000 passes for the per-class search), the
 * search histograms each class's probabilities once against the sorted candidates, which yields tp and the
 * predicted count at every candidate. The macro mean is still evaluated over the full 28-vector for every
 * candidate, in the seed's order, so scores and ties are exactly the seed's.
 */
import { DataError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { SEED_F1_EPS } from '../metrics/f1.js';
import { sigmoid32, type SigmoidFn } from './binarize.js';

export interface ThresholdSearchOptions {
  /** Lowest candidate. Default 0.2. */
  min?: number;
  /** Highest candidate (included). Default 0.8. */
  max?: number;
  /** Number of candidates. Default 1000 (what threshold_finder passes; the seed function's own default is 100). */
  num?: number;
  /** Number of classes C of the N×C matrices. Default 28. */
  numClasses?: number;
  /** The sigmoid giving float32 probabilities (default {@link sigmoid32}). */
  sigmoid?: SigmoidFn;
}

export interface ThresholdSearchResult {
  /** The best single threshold (median of the tied best candidates; may lie between candidates). */
  single: number;
  /** The seed's macro F1 at the best single candidate. */
  singleScore: number;
  /** The best threshold per class, searched class by class as the seed does. */
  perClass: number[];
  /** The seed's macro F1 with the per-class thresholds. */
  perClassScore: number;
}

/**
 * `numpy.linspace(start, stop, num)`: start + i·step with step = (stop − start)/(num − 1), the last value = stop.
 */
export function thresholdCandidates(start = 0.2, stop = 0.8, num = 1000): Float64Array {
  if (!Number.isInteger(num) || num < 1) throw new DataError(`expected a positive integer number of thresholds but received ${num}`);
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  else out[0] = start;
  return out;
}

/** `numpy.median` of a non-empty list: the middle value, or the mean of the two middle values. */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) throw new DataError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** numpy's pairwise summation of float64 values (`np.add.reduce` on a contiguous array), in its exact order. */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    // prettier-ignore
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `numpy.mean` of float64 values: pairwise sum divided by the count. */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}

/**
 * The seed's per-class F1 from counts: 2tp / (2tp + fn + fp + 1e-8) in float64, where 2tp + fn + fp =
 * positives + predicted (an exact integer).
 */
export function seedClassF1(tp: number, positives: number, predicted: number): number {
  return (2 * tp) / (positives + predicted + SEED_F1_EPS);
}

/**
 * Search the best single and per-class decision thresholds on validation logits (seed-spec §11).
 * @param logits row-major N×C float32 logits of one model on its validation split
 * @param targets row-major N×C multi-hot truth
 * @throws DataError when the shapes differ or a logit is NaN
 * @example
 * const { single, perClass } = searchThresholds(valLogits, valTargets);
 */
export function searchThresholds(logits: ArrayLike<number>, targets: ArrayLike<number>, opts: ThresholdSearchOptions = {}): ThresholdSearchResult {
  const C = opts.numClasses ?? NUM_CLASSES;
  if (logits.length !== targets.length || targets.length % C !== 0) {
    throw new DataError(`searchThresholds: logits (${logits.length} values) and targets (${targets.length} values) must both be N×${C}`);
  }
  const N = targets.length / C;
  if (N === 0) throw new DataError('searchThresholds: no validation samples');
  const probs = opts.sigmoid ? opts.sigmoid(logits) : sigmoid32(logits, C);
  if (probs.length !== logits.length) throw new DataError(`searchThresholds: the sigmoid returned ${probs.length} values for ${logits.length} logits`);
  const cand = thresholdCandidates(opts.min ?? 0.2, opts.max ?? 0.8, opts.num ?? 1000);
  const K = cand.length;
  // The seed compares float32 probabilities with float32-cast thresholds.
  const cand32 = Float32Array.from(cand);
  for (let i = 1; i < K; i++) {
    if (!(cand32[i] >= cand32[i - 1])) throw new DataError('searchThresholds: the candidate thresholds must be ascending (min <= max)');
  }

  const positives = new Float64Array(C);
  for (let i = 0; i < targets.length; i++) if (targets[i]) positives[i % C]++;

  // f[c*K + i] = F1 of class c at candidate i.
  const f = new Float64Array(C * K);
  const hist = new Int32Array(K + 1);
  const histPos = new Int32Array(K + 1);
  for (let c = 0; c < C; c++) {
    hist.fill(0);
    histPos.fill(0);
    for (let r = 0; r < N; r++) {
      const p = probs[r * C + c];
      // b = number of candidates < p, so p > cand32[i] exactly when i < b.
      let lo = 0;
      let hi = K;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cand32[mid] < p) lo = mid + 1;
        else hi = mid;
      }
      hist[lo]++;
      if (targets[r * C + c]) histPos[lo]++;
    }
    let pred = 0;
    let tp = 0;
    for (let i = K - 1; i >= 0; i--) {
      pred += hist[i + 1];
      tp += histPos[i + 1];
      f[c * K + i] = seedClassF1(tp, positives[c], pred);
    }
  }

  const classF1At = (c: number, threshold: number): number => {
    const t = Math.fround(threshold);
    let pred = 0;
    let tp = 0;
    for (let r = 0; r < N; r++) {
      if (probs[r * C + c] > t) {
        pred++;
        if (targets[r * C + c]) tp++;
      }
    }
    return seedClassF1(tp, positives[c], pred);
  };

  // Single threshold: every class at the same candidate.
  const vec = new Float64Array(C);
  const single = bestCandidate(cand, (i) => {
    for (let c = 0; c < C; c++) vec[c] = f[c * K + i];
    return numpyMean(vec);
  });

  // Per class: start from all-zero thresholds (every sample predicted positive), fix classes in order.
  const current = new Float64Array(C);
  for (let c = 0; c < C; c++) current[c] = classF1At(c, 0);
  const perClass = new Array<number>(C).fill(0);
  for (let c = 0; c < C; c++) {
    vec.set(current);
    const best = bestCandidate(cand, (i) => {
      vec[c] = f[c * K + i];
      return numpyMean(vec);
    });
    perClass[c] = best.threshold;
    current[c] = classF1At(c, best.threshold);
  }
  return { single: single.threshold, singleScore: single.score, perClass, perClassScore: numpyMean(current) };
}

/** The seed's scan: a strictly better score restarts the tie list, an equal one joins it; result = median. */
function bestCandidate(cand: Float64Array, score: (i: number) => number): { threshold: number; score: number } {
  let best = -Infinity;
  let ties: number[] = [];
  for (let i = 0; i < cand.length; i++) {
    const s = score(i);
    if (i === 0 || s > best) {
      best = s;
      ties = [cand[i]];
    } else if (s === best) {
      ties.push(cand[i]);
    }
  }
  return { threshold: medianOf(ties), score: best };
}
