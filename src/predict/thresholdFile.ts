/**
 * `threshold.json` (seed-spec §11.3) and the evaluation that fills it (seed-spec §2.2): for each fold, the
 * validation metric list at 0.5 (`default`), 0.3 (`lb`), the searched single threshold (`single_best`) and the
 * searched per-class thresholds (`class_best`).
 */
import { readFileSync } from 'node:fs';
import { checkSafeName } from '../io/fs/safeName.js';
import { DataError } from '../errors.js';
import { CLASS_NAMES, NUM_CLASSES } from '../data/tables/labels.js';
import { F1Accumulator, formatMetricList, type Metric } from '../metrics/f1.js';
import { pyFloatRepr } from '../io/text/pyRepr.js';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { pythonJsonDumps } from '../io/text/pythonJsonDumps.js';
import { binarize, sigmoid32, type Thresholds } from './binarize.js';
import { argmaxToOne, float32AtOrBelow, labelRatioThresholds } from './labelRatioThresholds.js';
import { numpyMean, searchThresholds, type ThresholdSearchOptions, type ThresholdSearchResult } from './searchThresholds.js';

/** The seed's threshold kinds, in the order threshold_finder writes them (and make_submission reads them). */
export const THRESHOLD_KEYS = ['default', 'lb', 'single_best', 'class_best'] as const;
export type ThresholdKey = (typeof THRESHOLD_KEYS)[number];

/** One threshold kind of one fold: the threshold and the validation metric list string at it. */
export interface ThresholdEntry {
  threshold: number | number[];
  metrics: string;
  /** hpaic: the argmax class of every row is predicted whatever its threshold (the `label_ratio` kind, bestfitting's rule). */
  argmax_on?: true;
}

/** The kind `find-thresholds --method label-ratio` adds after the seed's four. */
export const LABEL_RATIO_KEY = 'label_ratio';

/** One fold's entries, keyed by threshold kind in file order. */
export type FoldThresholds = Record<string, ThresholdEntry>;

/** The whole file: `fold_1`, `fold_2`, … in order. */
export type ThresholdFile = Record<string, FoldThresholds>;

/** The 0.5 and 0.3 thresholds the seed always evaluates (`default`, and `lb`, which did best on the public LB). */
export const DEFAULT_THRESHOLD = 0.5;
export const LB_THRESHOLD = 0.3;

export interface ThresholdEvaluation {
  /** The fold's threshold.json entries: default, lb, single_best, class_best. */
  entries: FoldThresholds;
  /** The search result (thresholds and their macro F1). */
  search: ThresholdSearchResult;
  /** Per kind: the metric list (f1_macro, f1_<class> × 28, acc). */
  metrics: Record<ThresholdKey, Metric[]>;
}

/**
 * The seed's metric list for binary predictions, with f1_macro averaged in numpy's pairwise order (as the
 * seed's `np.mean` does) so that it is exactly the value the threshold search maximised.
 */
export function seedMetricList(pred: Uint8Array, targets: ArrayLike<number>): Metric[] {
  const acc = new F1Accumulator();
  acc.add(pred, targets);
  const list = acc.metricList();
  list[0] = ['f1_macro', numpyMean(acc.perClassF1())];
  return list;
}

/**
 * Search the thresholds on one fold's validation logits and evaluate the four kinds (seed-spec §2.2).
 * @param logits row-major N×28 float32 validation logits
 * @param targets row-major N×28 multi-hot truth
 * @example
 * const ev = evaluateThresholds(valLogits, valTargets);
 * writeThresholdFile('checkpoint/r34/threshold.json', { fold_1: ev.entries });
 */
export function evaluateThresholds(logits: ArrayLike<number>, targets: ArrayLike<number>, opts: ThresholdSearchOptions = {}): ThresholdEvaluation {
  const search = searchThresholds(logits, targets, opts);
  const probs = opts.sigmoid ? opts.sigmoid(logits) : sigmoid32(logits);
  const kinds: Record<ThresholdKey, Thresholds> = {
    default: DEFAULT_THRESHOLD,
    lb: LB_THRESHOLD,
    single_best: search.single,
    class_best: search.perClass,
  };
  const entries: FoldThresholds = {};
  const metrics = {} as Record<ThresholdKey, Metric[]>;
  for (const key of THRESHOLD_KEYS) {
    const t = kinds[key];
    metrics[key] = seedMetricList(binarize(probs, t), targets);
    entries[key] = { threshold: typeof t === 'number' ? t : [...t], metrics: formatMetricList(metrics[key]) };
  }
  return { entries, search, metrics };
}

/**
 * The `label_ratio` entry of one fold: thresholds at which each class's share of predicted positives on these
 * validation logits equals `ratios` (labelRatioThresholds.ts), stored as the float32 at or below each so that
 * the float32 comparison of predictions keeps numpy's float64 decision; metrics with the argmax class on.
 */
export function evaluateLabelRatio(logits: ArrayLike<number>, targets: ArrayLike<number>, ratios: ArrayLike<number>, opts: ThresholdSearchOptions = {}): { entry: ThresholdEntry; metrics: Metric[] } {
  const probs = opts.sigmoid ? opts.sigmoid(logits) : sigmoid32(logits);
  const t = labelRatioThresholds(probs, ratios).map(float32AtOrBelow);
  const metrics = seedMetricList(binarize(argmaxToOne(probs), t), targets);
  return { entry: { threshold: t, metrics: formatMetricList(metrics), argmax_on: true }, metrics };
}

/**
 * A table for the terminal: per class the per-class threshold, F1 at 0.5 and F1 at that threshold; then the
 * macro F1 of each kind.
 */
export function formatThresholdTable(ev: ThresholdEvaluation): string {
  const perClass = ev.search.perClass;
  const at05 = ev.metrics.default;
  const atBest = ev.metrics.class_best;
  const lines = [`${'class'.padEnd(34)} ${'threshold'.padStart(9)} ${'F1@0.5'.padStart(7)} ${'F1@best'.padStart(7)}`];
  for (let c = 0; c < NUM_CLASSES; c++) {
    lines.push(`${`${String(c).padStart(2)} ${CLASS_NAMES[c]}`.padEnd(34)} ${perClass[c].toFixed(4).padStart(9)} ${at05[c + 1][1].toFixed(4).padStart(7)} ${atBest[c + 1][1].toFixed(4).padStart(7)}`);
  }
  lines.push('');
  for (const key of THRESHOLD_KEYS) {
    const t = ev.entries[key].threshold;
    const shown = typeof t === 'number' ? t.toFixed(4) : 'per class';
    lines.push(`${`macro F1 ${key}`.padEnd(24)} ${shown.padStart(9)}  ${ev.metrics[key][0][1].toFixed(4)}`);
  }
  return lines.join('\n');
}

/**
 * What threshold_finder prints for one fold (seed-spec §2.2): a "Fold i/n" banner, then each kind's label,
 * threshold and metric list (Python reprs, e.g. `Best overall threshold:\n 0.4558558558558559`).
 */
export function formatFoldReport(ev: ThresholdEvaluation, fold: number, numFolds: number): string {
  const rule = '-'.repeat(80);
  const e = ev.entries;
  const list = (t: number | number[]) => (typeof t === 'number' ? pyFloatRepr(t) : `[${t.map(pyFloatRepr).join(', ')}]`);
  return [
    '',
    rule,
    `Fold ${fold}/${numFolds}`,
    rule,
    '',
    'Evaluating using a threshold of 0.5 for reference',
    e.default.metrics,
    '',
    'Evaluating using a threshold of 0.3',
    e.lb.metrics,
    '',
    'Best overall threshold:',
    ` ${list(e.single_best.threshold)}`,
    e.single_best.metrics,
    '',
    'Best thresholds per class:',
    ` ${list(e.class_best.threshold)}`,
    e.class_best.metrics,
    '',
  ].join('\n');
}

/** Assemble the file from per-fold entries (index 0 = `fold_1`). */
export function buildThresholdFile(folds: readonly FoldThresholds[]): ThresholdFile {
  const file: ThresholdFile = {};
  folds.forEach((f, i) => (file[`fold_${i + 1}`] = f));
  return file;
}

/** The exact text the seed writes: Python `json.dump(..., indent=4)`, insertion order, no trailing newline. */
export function formatThresholdFile(file: ThresholdFile): string {
  return pythonJsonDumps(file, { indent: 4, integersAsInt: false });
}

/** Write `threshold.json` atomically in the seed's form. */
export function writeThresholdFile(path: string, file: ThresholdFile): void {
  writeFileAtomic(path, formatThresholdFile(file));
}

/**
 * Read and check a `threshold.json` (ours or the seed's).
 * @throws DataError naming the file and the key path of anything malformed
 */
export function readThresholdFile(path: string): ThresholdFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read threshold file ${path}: ${(err as Error).message}`, {
      cause: err,
      hint: 'run `hpaic find-thresholds -c <config>` first; it writes <checkpoint_dir>/<name>/threshold.json',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataError(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseThresholdFile(raw, path);
}

/** Validate an already-parsed threshold file; `file` names the source in messages. */
export function parseThresholdFile(raw: unknown, file: string): ThresholdFile {
  if (!isRecord(raw) || Object.keys(raw).length === 0) throw new DataError(`${file}: expected an object with fold_1, fold_2, ... entries`);
  const out: ThresholdFile = {};
  const keys = Object.keys(raw);
  keys.forEach((foldKey, i) => {
    if (foldKey !== `fold_${i + 1}`) throw new DataError(`${file}: expected key "fold_${i + 1}" at position ${i + 1} but found "${foldKey}"`);
    const fold = raw[foldKey];
    if (!isRecord(fold) || Object.keys(fold).length === 0) throw new DataError(`${file}: ${foldKey} must be an object of threshold kinds (default, lb, ...)`);
    const entries: FoldThresholds = {};
    for (const [kind, e] of Object.entries(fold)) {
      // Kinds name submission files (fold_1_<kind>.csv): they follow the naming rule of docs/security.md.
      checkSafeName(kind, `${file}: ${foldKey}`, 'threshold kind');
      const where = `${file}: ${foldKey}.${kind}`;
      if (!isRecord(e)) throw new DataError(`${where} must be an object with "threshold" and "metrics"`);
      const t = e.threshold;
      const ok = typeof t === 'number' ? Number.isFinite(t) : Array.isArray(t) && t.length === NUM_CLASSES && t.every((x) => typeof x === 'number' && Number.isFinite(x));
      if (!ok) throw new DataError(`${where}.threshold: expected a number or a list of ${NUM_CLASSES} numbers but received ${JSON.stringify(t)?.slice(0, 80)}`);
      // A probability threshold outside [0, 1] predicts every class or none: a damaged or hand-edited file.
      const values = typeof t === 'number' ? [t] : (t as number[]);
      const bad = values.findIndex((x) => x < 0 || x > 1);
      if (bad >= 0) throw new DataError(`${where}.threshold${typeof t === 'number' ? '' : `[${bad}]`}: ${values[bad]} is not a probability threshold in [0, 1]`);
      const m = e.metrics ?? '';
      if (typeof m !== 'string') throw new DataError(`${where}.metrics: expected a string but received ${typeof m}`);
      if (e.argmax_on !== undefined && typeof e.argmax_on !== 'boolean') throw new DataError(`${where}.argmax_on: expected true or false but received ${JSON.stringify(e.argmax_on)}`);
      entries[kind] = { threshold: typeof t === 'number' ? t : [...(t as number[])], metrics: m, ...(e.argmax_on === true ? { argmax_on: true as const } : {}) };
    }
    out[foldKey] = entries;
  });
  return out;
}

/**
 * The thresholds in the form {@link writeSubmissions} takes: per fold (index 0 = fold_1), the kinds in file order.
 */
export function foldThresholdList(file: ThresholdFile): Array<Array<{ key: string; threshold: Thresholds; argmaxOn?: boolean }>> {
  return Object.values(file).map((fold) => Object.entries(fold).map(([key, e]) => ({ key, threshold: e.threshold, ...(e.argmax_on ? { argmaxOn: true } : {}) })));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
