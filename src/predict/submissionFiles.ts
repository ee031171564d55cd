/**
 * The seed's submission files (seed-spec §2.3, §12): per fold k and threshold kind, `fold_<k>_<key>.csv` and
 * `fold_<k>_<key>_fill<N>.csv`; with more than one fold, the fold ensemble `ensemble_<key>.csv` (+ fill) from
 * the mean of the fold logits and the mean of the fold thresholds. Probabilities go beside them
 * (`fold_<k>_probs.csv`, `ensemble_probs.csv`, see probabilityFile.ts).
 */
import { DataError, UsageError } from '../errors.js';
import { checkSafeName, safeJoin } from '../io/fs/safeName.js';
import { removeStaleTemporaries } from '../io/text/writeChunksAtomic.js';
import { NUM_CLASSES } from '../data/tables/labels.js';
import { fillEmpty as fillEmptyRows, writeSubmission } from '../data/tables/csv.js';
import { binarize, sigmoid32, type SigmoidFn, type Thresholds } from './binarize.js';
import { writeProbabilityFile } from '../run/probabilityFile.js';
import { argmaxToOne } from './labelRatioThresholds.js';

/** One threshold kind of one fold, e.g. `{ key: 'lb', threshold: 0.3 }`. */
export interface KeyedThreshold {
  key: string;
  threshold: Thresholds;
  /** Predict every row's argmax class whatever its threshold (bestfitting's rule; threshold.json `argmax_on`). */
  argmaxOn?: boolean;
}

export interface WriteSubmissionsOptions {
  /** Test ids in submission order (sample_submission.csv). */
  ids: readonly string[];
  /** Per fold (index 0 = fold_1): the final (TTA-combined) row-major N×28 float32 logits. */
  foldLogits: readonly Float32Array[];
  /** Per fold: the threshold kinds in threshold.json order (see `foldThresholdList`). */
  thresholds: ReadonlyArray<readonly KeyedThreshold[]>;
  /** Output folder (`<checkpoint>/submission`); created if missing. */
  outDir: string;
  /** Class written into rows without predictions (default 25); null writes no `_fill` files. */
  fillEmpty?: number | null;
  /** Also write the probability files. Default true. */
  probabilities?: boolean;
  /** Receives one line per file written (default: nothing). */
  log?: (line: string) => void;
  /** The sigmoid giving float32 probabilities (default {@link sigmoid32}). */
  sigmoid?: SigmoidFn;
}

/** `fold_<k>_<key>.csv`, `fold_<k>_<key>_fill<N>.csv`, `ensemble_<key>.csv`, … */
export function submissionFileName(prefix: string, key: string, fill?: number | null): string {
  return fill === undefined || fill === null ? `${prefix}_${key}.csv` : `${prefix}_${key}_fill${fill}.csv`;
}

/**
 * Element-wise mean of the fold logits, as float32 (summed in fold order, then divided by the fold count).
 * The seed ensembles folds on logits, before the sigmoid (seed-spec §12, §16).
 */
export function meanLogits(foldLogits: readonly Float32Array[]): Float32Array {
  if (foldLogits.length === 0) throw new DataError('meanLogits: no fold logits');
  const n = foldLogits[0].length;
  for (const [i, l] of foldLogits.entries()) {
    if (l.length !== n) throw new DataError(`meanLogits: fold ${i + 1} has ${l.length / NUM_CLASSES} rows but fold 1 has ${n / NUM_CLASSES}`);
  }
  const out = new Float32Array(n);
  for (const l of foldLogits) for (let i = 0; i < n; i++) out[i] = out[i] + l[i];
  const k = foldLogits.length;
  for (let i = 0; i < n; i++) out[i] = out[i] / k;
  return out;
}

/** Mean of fold thresholds (numpy.mean: element-wise for per-class lists; a scalar is broadcast if mixed). */
export function meanThresholds(list: readonly Thresholds[]): Thresholds {
  if (list.length === 0) throw new DataError('meanThresholds: no thresholds');
  if (list.every((t) => typeof t === 'number')) return (list as number[]).reduce((s, t) => s + t, 0) / list.length;
  const out = new Array<number>(NUM_CLASSES).fill(0);
  for (const t of list) for (let c = 0; c < NUM_CLASSES; c++) out[c] += typeof t === 'number' ? t : t[c];
  return out.map((s) => s / list.length);
}

/**
 * Write every submission file the seed's make_submission writes, plus the probabilities, from per-fold logits.
 * Returns the paths written, in order.
 * @throws DataError when fold logits and ids disagree in length, or the thresholds are missing for a fold
 * @example
 * writeSubmissions({ ids, foldLogits: [l1, l2], thresholds: foldThresholdList(readThresholdFile(p)), outDir });
 */
export function writeSubmissions(opts: WriteSubmissionsOptions): string[] {
  const { ids, foldLogits, thresholds, outDir } = opts;
  const fill = opts.fillEmpty === undefined ? 25 : opts.fillEmpty;
  if (fill !== null && (!Number.isInteger(fill) || fill < 0 || fill >= NUM_CLASSES)) {
    throw new UsageError(`--fill-empty expects a class index 0-${NUM_CLASSES - 1} or "none" but received ${fill}`);
  }
  const log = opts.log ?? (() => {});
  if (foldLogits.length === 0) throw new DataError('writeSubmissions: no fold logits');
  if (thresholds.length < foldLogits.length) {
    throw new DataError(`writeSubmissions: ${foldLogits.length} fold models but thresholds for only ${thresholds.length} folds (threshold.json needs fold_1..fold_${foldLogits.length})`);
  }
  foldLogits.forEach((l, i) => {
    if (l.length !== ids.length * NUM_CLASSES) {
      throw new DataError(`writeSubmissions: fold ${i + 1} has ${l.length / NUM_CLASSES} rows of logits but there are ${ids.length} test ids`);
    }
  });
  const sigmoid = opts.sigmoid ?? ((l: ArrayLike<number>) => sigmoid32(l));
  // A killed submit leaves .<name>.<pid>.tmp files; they would otherwise stay beside the finished files.
  removeStaleTemporaries(outDir);
  const written: string[] = [];
  // Names are built from threshold kinds (data): each must stay a plain file name inside outDir.
  const write = (name: string, pred: Uint8Array): void => {
    const path = safeJoin(outDir, name, `${outDir}: submission file`);
    writeSubmission(path, ids, pred);
    written.push(path);
    log(`Saved submission in: ${path}`);
  };
  const writeAll = (prefix: string, key: string, probs: Float32Array, t: Thresholds, withArgmax = false): void => {
    const pred = binarize(withArgmax ? argmaxToOne(probs) : probs, t);
    write(submissionFileName(prefix, key), pred);
    if (fill !== null) write(submissionFileName(prefix, key, fill), fillEmptyRows(pred, fill));
  };
  const writeProbs = (name: string, probs: Float32Array): void => {
    if (opts.probabilities === false) return;
    const path = safeJoin(outDir, name, `${outDir}: probability file`);
    writeProbabilityFile(path, ids, probs);
    written.push(path);
    log(`Saved probabilities in: ${path}`);
  };

  for (const fold of thresholds) for (const { key } of fold) checkSafeName(key, `${outDir}: submission files`, 'threshold kind');
  // Per fold, every kind in file order; remember (fold logits, threshold) per kind for the ensemble.
  const byKey = new Map<string, { logits: Float32Array[]; thresholds: Thresholds[]; argmaxOn: boolean }>();
  foldLogits.forEach((logits, f) => {
    const probs = sigmoid(logits);
    for (const { key, threshold, argmaxOn: withArgmax = false } of thresholds[f]) {
      writeAll(`fold_${f + 1}`, key, probs, threshold, withArgmax);
      const e = byKey.get(key) ?? { logits: [], thresholds: [], argmaxOn: true };
      e.logits.push(logits);
      e.thresholds.push(threshold);
      e.argmaxOn &&= withArgmax;
      byKey.set(key, e);
    }
    writeProbs(`fold_${f + 1}_probs.csv`, probs);
  });
  if (foldLogits.length > 1) {
    const probsAll = sigmoid(meanLogits(foldLogits));
    for (const [key, e] of byKey) {
      // A kind present in every fold reuses the all-fold mean; otherwise average the folds that have it.
      const probs = e.logits.length === foldLogits.length ? probsAll : sigmoid(meanLogits(e.logits));
      writeAll('ensemble', key, probs, meanThresholds(e.thresholds), e.argmaxOn);
    }
    writeProbs('ensemble_probs.csv', probsAll);
  }
  return written;
}

/**
 * Parse a `--fill-empty` value: a class index 0-27, or `none` (no fill files; the seed could not switch
 * filling off, seed-spec §17.6).
 * @throws UsageError for anything else
 */
export function parseFillEmpty(value: string | undefined, flag = '--fill-empty'): number | null {
  if (value === undefined || value === '') return 25;
  if (value.toLowerCase() === 'none') return null;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n >= NUM_CLASSES) throw new UsageError(`${flag} expects a class index 0-${NUM_CLASSES - 1} or "none" but received "${value}"`);
  return n;
}
