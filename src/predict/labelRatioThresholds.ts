/**
 * Label-ratio thresholds (bestfitting, 1st place, `kaggle_metric.py` `fit_test_th` and `prob_to_result`):
 * per class c, of the thresholds p in numpy's `linspace(0, 1, 10000)` the one at which the share of rows with
 * probability > p is nearest the target share r_c; among equally near ones (exact float ties, scanned upwards)
 * the one strictly nearer 0.5 replaces the earlier. At prediction each row's argmax probability is set to 1
 * first, so that class is on (unless its threshold is 1).
 * The search compares the float32 probabilities with each grid point rounded to float32, as numpy 1.x (bestfitting's,
 * and the reference's) does for `float32_array > float64_scalar` (value-based casting); predictions compare with
 * the float64 thresholds (array against array: float64).
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { NUM_CLASSES } from '../data/tables/labels.js';

/** numpy's `linspace(0, 1, n)`: i · (1 / (n − 1)), the last value exactly 1. */
export function linspace01(n: number): Float64Array {
  const step = 1 / (n - 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i * step;
  out[n - 1] = 1;
  return out;
}

/**
 * The threshold of each class (float64, a value of the 10000-point grid) for row-major N × C probabilities.
 * @throws DataError when `ratios` has not one value in [0, 1] per class
 */
export function labelRatioThresholds(probs: ArrayLike<number>, ratios: ArrayLike<number>, numClasses = NUM_CLASSES, gridSize = 10000): number[] {
  if (ratios.length !== numClasses) throw new DataError(`label-ratio thresholds: expected ${numClasses} target ratios but received ${ratios.length}`);
  const n = probs.length / numClasses;
  if (!Number.isInteger(n) || n === 0) throw new DataError(`label-ratio thresholds: expected N × ${numClasses} probabilities but received ${probs.length} values`);
  const grid = linspace01(gridSize);
  const out: number[] = [];
  const col = new Float64Array(n);
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < n; i++) col[i] = probs[i * numClasses + c];
    col.sort();
    const target = ratios[c];
    let minError = Infinity;
    let minP = 0;
    let atOrBelow = 0; // rows with probability ≤ p; the grid rises, so this pointer only moves forward
    for (const p of grid) {
      const p32 = Math.fround(p);
      while (atOrBelow < n && col[atOrBelow] <= p32) atOrBelow++;
      const error = Math.abs((n - atOrBelow) / n - target);
      if (error < minError || (error === minError && Math.abs(p - 0.5) < Math.abs(minP - 0.5))) {
        minError = error;
        minP = p;
      }
    }
    out.push(minP);
  }
  return out;
}

/**
 * The largest float32 ≤ t. Stored instead of t, it gives `p > t` for every float32 probability p even though
 * predictions cast thresholds to float32 (binarize.ts, the seed's rule).
 */
export function float32AtOrBelow(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  bits[0] += f > 0 ? -1 : 1;
  return buf[0];
}

/**
 * A copy of the probabilities with each row's argmax class (first maximum, as numpy's argmax) set to 1, as
 * `prob_to_result` does before thresholding: that class is then on for every threshold below 1.
 */
export function argmaxToOne(probs: ArrayLike<number>, numClasses = NUM_CLASSES): Float32Array {
  const out = Float32Array.from(probs);
  for (let r = 0; r * numClasses < out.length; r++) {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (out[r * numClasses + c] > out[r * numClasses + best]) best = c;
    out[r * numClasses + best] = 1;
  }
  return out;
}

/** The share of positives per class of the rows `rows` of row-major N × C multi-hot labels. */
export function labelRatios(labels: ArrayLike<number>, rows: ArrayLike<number>, numClasses = NUM_CLASSES): number[] {
  const sums = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < rows.length; i++) for (let c = 0; c < numClasses; c++) sums[c] += labels[rows[i] * numClasses + c];
  return sums.map((s) => s / rows.length);
}

/**
 * A ratios file: JSON, a list of one share in [0, 1] per class (class 0 first).
 * @throws DataError naming the file and the first bad entry
 */
export function readRatiosFile(path: string, numClasses = NUM_CLASSES): number[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new DataError(`${path}: cannot read the label ratios (${(err as Error).message}); expected a JSON list of ${numClasses} numbers in [0, 1]`, { cause: err });
  }
  if (!Array.isArray(raw) || raw.length !== numClasses) throw new DataError(`${path}: expected a JSON list of ${numClasses} label ratios (one per class) but found ${Array.isArray(raw) ? `${raw.length} entries` : typeof raw}`);
  const bad = raw.findIndex((v) => typeof v !== 'number' || !(v >= 0 && v <= 1));
  if (bad >= 0) throw new DataError(`${path}: entry ${bad} (class ${bad}) is ${JSON.stringify(raw[bad])}; expected a share in [0, 1]`);
  return raw as number[];
}
