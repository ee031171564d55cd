import { DataError } from '../errors.js';
import { pyFloatRepr, pyRound, pyStrRepr } from '../io/text/pyRepr.js';
import { CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';

/** The seed's epsilon in F_c = 2tp / (2tp + fn + fp + eps) (seed-spec §8). */
export const SEED_F1_EPS = 1e-8;
/** The seed's epsilon in acc = correct / (total + eps). */
export const SEED_ACC_EPS = 1e-6;

/** One (name, value) pair of the seed's metric list. */
export type Metric = [name: string, value: number];

/** The names of the seed's metric list, in order: `f1_macro`, `f1_<class name>` × 28, `acc`. */
export const METRIC_NAMES: readonly string[] = Object.freeze(['f1_macro', ...CLASS_NAMES.map((n) => `f1_${n}`), 'acc']);

/**
 * Per-class confusion counts accumulated over batches of binary predictions (row-major N×C, non-zero = positive).
 * This is the seed's epoch accumulator: metrics are computed from the summed counts, not averaged per batch.
 */
export class F1Accumulator {
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly fn: Float64Array;
  /** Element-wise matches over all N×C entries. */
  correct = 0;
  /** Number of N×C entries seen. */
  total = 0;

  constructor(readonly numClasses = NUM_CLASSES) {
    this.tp = new Float64Array(numClasses);
    this.fp = new Float64Array(numClasses);
    this.fn = new Float64Array(numClasses);
  }

  /** Forget everything (the seed resets at the start of each epoch). */
  reset(): void {
    this.tp.fill(0);
    this.fp.fill(0);
    this.fn.fill(0);
    this.correct = 0;
    this.total = 0;
  }

  /** Add a batch: `pred` and `target` are row-major N×C binary matrices (any non-zero value counts as 1). */
  add(pred: ArrayLike<number>, target: ArrayLike<number>): void {
    const C = this.numClasses;
    if (pred.length !== target.length || pred.length % C !== 0) {
      throw new DataError(`F1Accumulator.add: predictions (${pred.length} values) and targets (${target.length} values) must both be N×${C}`);
    }
    for (let i = 0; i < pred.length; i++) {
      const p = pred[i] !== 0;
      const t = target[i] !== 0;
      const c = i % C;
      if (p && t) this.tp[c]++;
      else if (p) this.fp[c]++;
      else if (t) this.fn[c]++;
      if (p === t) this.correct++;
    }
    this.total += pred.length;
  }

  /** Per-class F1 with the seed's formula (eps 1e-8: a class with no positives and no predictions scores 0). */
  perClassF1(): Float64Array {
    const out = new Float64Array(this.numClasses);
    for (let c = 0; c < this.numClasses; c++) out[c] = (2 * this.tp[c]) / (2 * this.tp[c] + this.fn[c] + this.fp[c] + SEED_F1_EPS);
    return out;
  }

  /** The seed's macro F1: the mean of {@link perClassF1} over all classes. */
  f1Macro(): number {
    const f = this.perClassF1();
    let s = 0;
    for (const v of f) s += v;
    return s / f.length;
  }

  /** The seed's accuracy: correct / (total + 1e-6). */
  accuracy(): number {
    return this.correct / (this.total + SEED_ACC_EPS);
  }

  /** The seed's metric list: `f1_macro`, `f1_<name>` per class, `acc` (seed-spec §8). */
  metricList(): Metric[] {
    const f = this.perClassF1();
    const names = this.numClasses === NUM_CLASSES ? CLASS_NAMES : Array.from({ length: this.numClasses }, (_, c) => String(c));
    return [['f1_macro', this.f1Macro()], ...Array.from(f, (v, c): Metric => [`f1_${names[c]}`, v]), ['acc', this.accuracy()]];
  }
}

/**
 * The seed's string form of a metric list: `[('f1_macro', 0.5123), ('f1_Nucleoplasm', 0.8612), ..., ('acc', 0.9634)]`,
 * i.e. Python's `str([(name, round(value, 4)), ...])`. This string goes into summary.json and threshold.json.
 */
export function formatMetricList(metrics: readonly Metric[], ndigits = 4): string {
  return `[${metrics.map(([name, v]) => `(${pyStrRepr(name)}, ${pyFloatRepr(pyRound(v, ndigits))})`).join(', ')}]`;
}


/** scikit-learn's per-class scores for one class. */
export interface ClassScore {
  class: number;
  name: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of true positives in the truth (sklearn's `support`). */
  support: number;
}

export interface ScoreReport {
  macroF1: number;
  microF1: number;
  perClass: ClassScore[];
}

export interface ScoreOptions {
  /** The value of a precision/recall/F1 that divides by zero (sklearn's `zero_division`). Default 0. */
  zeroDivision?: 0 | 1;
  /** Number of classes C of the N×C matrices. Default 28. */
  numClasses?: number;
}

/**
 * Multi-label scores with scikit-learn's semantics (`precision_recall_fscore_support`, `f1_score` with
 * average='macro'/'micro'): per class P = tp/(tp+fp), R = tp/(tp+fn), F1 = 2PR/(P+R) (0 when P+R = 0), each
 * undefined ratio replaced by `zeroDivision`; a class without truth or predictions still counts in the macro mean.
 * `truth` and `pred` are row-major N×C binary matrices.
 */
export function scoreMultiLabel(truth: ArrayLike<number>, pred: ArrayLike<number>, opts: ScoreOptions = {}): ScoreReport {
  const C = opts.numClasses ?? NUM_CLASSES;
  const zd = opts.zeroDivision ?? 0;
  const acc = new F1Accumulator(C);
  acc.add(pred, truth);
  const perClass: ClassScore[] = [];
  let TP = 0;
  let FP = 0;
  let FN = 0;
  for (let c = 0; c < C; c++) {
    const tp = acc.tp[c];
    const fp = acc.fp[c];
    const fn = acc.fn[c];
    TP += tp;
    FP += fp;
    FN += fn;
    const { precision, recall, f1 } = prf(tp, fp, fn, zd);
    perClass.push({ class: c, name: C === NUM_CLASSES ? CLASS_NAMES[c] : String(c), precision, recall, f1, support: tp + fn });
  }
  const macroF1 = perClass.reduce((s, p) => s + p.f1, 0) / C;
  return { macroF1, microF1: prf(TP, FP, FN, zd).f1, perClass };
}

function prf(tp: number, fp: number, fn: number, zd: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? zd : tp / (tp + fp);
  const recall = tp + fn === 0 ? zd : tp / (tp + fn);
  const denom = precision + recall;
  const f1 = denom === 0 ? 0 : (2 * precision * recall) / denom;
  return { precision, recall, f1 };
}

/** scikit-learn's macro F1 (`f1_score(average='macro', zero_division=...)`) of two N×C binary matrices. */
export function macroF1(truth: ArrayLike<number>, pred: ArrayLike<number>, opts: ScoreOptions = {}): number {
  return scoreMultiLabel(truth, pred, opts).macroF1;
}

/** scikit-learn's micro F1 (`f1_score(average='micro', zero_division=...)`) of two N×C binary matrices. */
export function microF1(truth: ArrayLike<number>, pred: ArrayLike<number>, opts: ScoreOptions = {}): number {
  return scoreMultiLabel(truth, pred, opts).microF1;
}
