import { DataError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';

/**
 * The seed's `sigmoid_threshold` (seed-spec §8, §11): probabilities are float32 (torch computes the sigmoid in
 * the logits' dtype), the threshold is cast to float32 (`torch.tensor(th, dtype=logits.dtype)`), and a class is
 * predicted when probability > threshold, strictly.
 */

/**
 * σ(x) = 1 / (1 + e^(−x)) of every logit, rounded to float32 like torch's float32 sigmoid.
 * (Computed in double, then rounded; torch's vectorised float32 kernel can differ by one float32 ulp, which only
 * matters for a probability within an ulp of a threshold.)
 * @throws DataError when a logit is NaN (a broken model; the message names the row and class).
 */
export function sigmoid32(logits: ArrayLike<number>, numClasses = NUM_CLASSES): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    if (Number.isNaN(x)) {
      throw new DataError(`logit is NaN at row ${Math.floor(i / numClasses)}, class ${i % numClasses}; the model produced invalid outputs`);
    }
    out[i] = 1 / (1 + Math.exp(-x));
  }
  return out;
}

/**
 * A sigmoid over N×C logits giving float32 probabilities. The default is {@link sigmoid32}; an engine may pass
 * its own (e.g. libtorch's float32 `sigmoid`) so that predictions match PyTorch on the same machine to the ulp.
 */
export type SigmoidFn = (logits: ArrayLike<number>) => Float32Array;

/** A decision threshold: one value for every class, or one value per class. */
export type Thresholds = number | readonly number[];

/** The thresholds as a per-class float32 vector (the seed casts them to the logits' dtype). */
export function thresholdVector(t: Thresholds, numClasses = NUM_CLASSES): Float32Array {
  if (typeof t === 'number') return new Float32Array(numClasses).fill(t);
  if (t.length !== numClasses) throw new DataError(`expected ${numClasses} per-class thresholds but received ${t.length}`);
  return Float32Array.from(t);
}

/**
 * Binary predictions (row-major N×C, 1 = predicted) from float32 probabilities: `p > threshold` strictly, with the
 * threshold rounded to float32 as the seed does.
 */
export function binarize(probs: Float32Array, thresholds: Thresholds, numClasses = NUM_CLASSES): Uint8Array {
  if (probs.length % numClasses !== 0) {
    throw new DataError(`expected N×${numClasses} probabilities but the length ${probs.length} is not a multiple of ${numClasses}`);
  }
  const t = thresholdVector(thresholds, numClasses);
  const out = new Uint8Array(probs.length);
  for (let i = 0, c = 0; i < probs.length; i++) {
    out[i] = probs[i] > t[c] ? 1 : 0;
    if (++c === numClasses) c = 0;
  }
  return out;
}

/** `binarize(sigmoid32(logits), thresholds)`: the seed's prediction rule applied to raw logits. */
export function predictFromLogits(logits: ArrayLike<number>, thresholds: Thresholds, numClasses = NUM_CLASSES): Uint8Array {
  return binarize(sigmoid32(logits, numClasses), thresholds, numClasses);
}
