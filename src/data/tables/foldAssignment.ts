import { readFileSync } from 'node:fs';
import { ConfigError, DataError } from '../../errors.js';
import { CLASS_NAMES, NUM_CLASSES } from './labels.js';
import { multilabelStratifiedKFold, multilabelStratifiedShuffleSplit, validateShuffleSplit } from './folds.js';
import type { RandomStateLike } from './folds.js';

export interface FoldAssignmentOptions {
  /** k ≥ 2 for k-fold; 1 for a single train/validation split (needs `valSize`). */
  folds: number;
  /** Validation fraction (or count) when `folds` is 1, the seed's `val_size`. */
  valSize?: number;
  /** The seed's `dataloader.random_state` (default in configs: 92). */
  seed?: RandomStateLike;
  numClasses?: number;
}

/** The cell of the fold × class table farthest from its stratification target. */
export interface FoldDeviation {
  /** The fold value as written to the CSV (1..k, or 0/1 for train/validation). */
  fold: number;
  class: number;
  className: string;
  count: number;
  expected: number;
  /** count − expected. */
  deviation: number;
}

export interface FoldAssignment {
  mode: 'kfold' | 'validation';
  /** Per input row: the fold 1..k (k-fold), or 1 = validation / 0 = training (single split). */
  fold: Int32Array;
  /** The distinct fold values in order: 1..k, or [0, 1]. */
  foldValues: number[];
  /** Rows per fold value, in `foldValues` order. */
  sizes: number[];
  /** Label counts per fold value (rows) and class (columns). */
  classCounts: number[][];
  maxDeviation: FoldDeviation;
}

/**
 * The seed's split of a labelled set (seed-spec §4): iterstrat k-fold for `folds` ≥ 2 (folds numbered 1..k as
 * the seed's `fold_1..fold_k`), or the stratified shuffle split with test size `valSize` for `folds` = 1
 * (1 = validation row, 0 = training row). Also reports sizes and the largest per-class deviation from
 * total·fraction.
 */
export function assignFolds(labels: ArrayLike<number>, opts: FoldAssignmentOptions): FoldAssignment {
  const C = opts.numClasses ?? NUM_CLASSES;
  const n = labels.length / C;
  let fold: Int32Array;
  let foldValues: number[];
  let fractions: number[];
  let mode: FoldAssignment['mode'];
  if (opts.folds === 1) {
    if (opts.valSize === undefined) throw new ConfigError('a single split (--folds 1) needs a validation size (--val-size)');
    const [split] = multilabelStratifiedShuffleSplit(labels, C, { testSize: opts.valSize, trainSize: null, randomState: opts.seed });
    const { nTrain, nTest } = validateShuffleSplit(n, opts.valSize, null);
    fold = new Int32Array(n);
    for (const i of split.test) fold[i] = 1;
    foldValues = [0, 1];
    fractions = [nTrain / (nTrain + nTest), nTest / (nTrain + nTest)];
    mode = 'validation';
  } else {
    if (opts.valSize !== undefined) throw new ConfigError(`--val-size applies only with --folds 1, but --folds is ${opts.folds}`);
    const { foldOf } = multilabelStratifiedKFold(labels, C, opts.folds, { randomState: opts.seed });
    fold = foldOf.map((f) => f + 1);
    foldValues = Array.from({ length: opts.folds }, (_, f) => f + 1);
    fractions = foldValues.map(() => 1 / opts.folds);
    mode = 'kfold';
  }
  const index = new Map(foldValues.map((v, i) => [v, i]));
  const sizes = foldValues.map(() => 0);
  const classCounts = foldValues.map(() => new Array<number>(C).fill(0));
  const totals = new Array<number>(C).fill(0);
  for (let i = 0; i < n; i++) {
    const p = index.get(fold[i]) as number;
    sizes[p]++;
    for (let c = 0; c < C; c++) {
      if (labels[i * C + c]) {
        classCounts[p][c]++;
        totals[c]++;
      }
    }
  }
  let maxDeviation: FoldDeviation = { fold: foldValues[0], class: 0, className: CLASS_NAMES[0] ?? '0', count: 0, expected: 0, deviation: 0 };
  foldValues.forEach((v, p) => {
    for (let c = 0; c < C; c++) {
      const expected = totals[c] * fractions[p];
      const deviation = classCounts[p][c] - expected;
      if (Math.abs(deviation) > Math.abs(maxDeviation.deviation)) {
        maxDeviation = { fold: v, class: c, className: C === NUM_CLASSES ? CLASS_NAMES[c] : String(c), count: classCounts[p][c], expected, deviation };
      }
    }
  });
  return { mode, fold, foldValues, sizes, classCounts, maxDeviation };
}

/** The fold CSV text: header `Id,fold`, one row per id in input order. */
export function formatFoldCsv(ids: readonly string[], fold: ArrayLike<number>): string {
  if (ids.length !== fold.length) throw new DataError(`formatFoldCsv: ${ids.length} ids but ${fold.length} fold values`);
  const parts = ['Id,fold\n'];
  for (let i = 0; i < ids.length; i++) parts.push(`${ids[i]},${fold[i]}\n`);
  return parts.join('');
}

/** Read an `Id,fold` CSV written by `hpaic split`. @throws DataError naming the file and line. */
export function readFoldCsv(path: string): { ids: string[]; fold: Int32Array } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError(`cannot read fold file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines[0].replace(/^\ufeff/, '').split(',');
  const idCol = header.indexOf('Id');
  const foldCol = header.indexOf('fold');
  if (idCol < 0 || foldCol < 0) throw new DataError(`${path}: expected the header "Id,fold" but found "${lines[0]}"`);
  const ids: string[] = [];
  const fold: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const f = lines[i].split(',');
    const v = Number(f[foldCol]);
    if (f.length <= Math.max(idCol, foldCol) || !Number.isInteger(v) || f[foldCol] === '') {
      throw new DataError(`${path} line ${i + 1}: expected Id and an integer fold but found "${lines[i]}"`);
    }
    ids.push(f[idCol]);
    fold.push(v);
  }
  return { ids, fold: Int32Array.from(fold) };
}
